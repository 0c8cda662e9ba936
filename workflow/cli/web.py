"""The `workflow web` and `workflow web-user` commands (registered on the main group in cli)."""

from __future__ import annotations

import sys

import click

from workflow.cli.chinese import USAGE_ERROR, ChineseGroup
from workflow.cli.common import config_option, fail
from workflow.config import Config
from workflow.core.errors import ConfigError

__all__ = ["web", "web_user"]


@click.command()
@click.option(
    "--listen",
    metavar="地址:端口",
    default=None,
    help="网页监听的地址和端口（默认取配置 [web] listen，即 127.0.0.1:8080）。",
)
@config_option
def web(listen: str | None, config: Config) -> None:
    """启动办公室网页：在浏览器中查看提交情况、下载报告、处理邮件、催报。

    需要先用 workflow web-user add 添加用户，否则不启动。默认只有本机能打开；让办公室其他
    电脑打开，用 --listen 0.0.0.0:8080（或在配置文件 [web] listen 中写明）。按 Ctrl-C 停止。

    \b
    示例：
        workflow web
        workflow web --listen 0.0.0.0:8080 --config config.toml
    """
    from workflow.web.serve import serve

    try:
        serve(config, listen)
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)


@click.group(cls=ChineseGroup)
def web_user() -> None:
    """管理网页用户：添加（或改密码）、删除、列出。密码只以慢哈希保存在 state 文件夹中。

    \b
    示例：
        echo '一个足够长的密码' | workflow web-user add 张三 --password-stdin
        workflow web-user list
        workflow web-user remove 张三
    """


@web_user.command("add")
@click.argument("name", metavar="用户名")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（第一行）。")
@config_option
def add_user(name: str, password_stdin: bool, config: Config) -> None:
    """添加网页用户；用户已存在时改为新密码。

    \b
    示例：
        echo '一个足够长的密码' | workflow web-user add 张三 --password-stdin
    """
    from workflow.web.users import UserFile

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    try:
        new = UserFile(config.web_users_file).add(name, password)
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    click.echo(f"{'已添加用户' if new else '已更新密码'}：{name}")


@web_user.command("remove")
@click.argument("name", metavar="用户名")
@config_option
def remove_user(name: str, config: Config) -> None:
    """删除网页用户（已登录的会话随即失效）。

    \b
    示例：
        workflow web-user remove 张三
    """
    from workflow.web.users import UserFile

    try:
        removed = UserFile(config.web_users_file).remove(name)
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    if not removed:
        fail(f"没有这个用户：{name}")
    click.echo(f"已删除用户：{name}")


@web_user.command("list")
@config_option
def list_users(config: Config) -> None:
    """列出网页用户和添加时间。

    \b
    示例：
        workflow web-user list
    """
    from workflow.web.users import UserFile

    try:
        users = UserFile(config.web_users_file).users()
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    if not users:
        click.echo("还没有网页用户。")
    for user in users:
        click.echo(f"{user.name}\t{user.created}")
