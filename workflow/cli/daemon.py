"""The long-running command: watch the inbox."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from workflow.cli.common import config_option, require_report_template
from workflow.config import Config

if TYPE_CHECKING:
    from workflow.web.supervise import WebChild

__all__ = ["watch"]


@click.command()
@click.option("--verbose", "-v", is_flag=True, help="输出更详细的日志。")
@config_option
def watch(verbose: bool, config: Config) -> None:
    """监视收件箱（常驻运行）：文件一放入就校验并生成报告。

    按 Ctrl-C（或系统服务发出停止信号）即可干净地停止，处理到一半的文件下次启动时继续。
    Word 报告模板缺失或有误时不启动。配置 [web] enabled = true 时同时启动办公室网页（另一个进程，
    网页出错不影响监视）。

    \b
    示例：
        workflow watch
        workflow watch --config config.toml --verbose
    """
    from workflow.intake.daemon import run_daemon

    require_report_template(config, "监视程序未启动")
    page = _start_web(config)
    try:
        code = run_daemon(config, verbose=verbose)
    finally:
        if page is not None:
            page.stop()
    sys.exit(code)


def _start_web(config: Config) -> WebChild | None:
    """With `[web] enabled = true`, the page in its own process beside the daemon; without a
    web user, a warning and no page (the daemon starts regardless)."""
    if not config.web.enabled:
        return None
    from workflow.core.errors import ConfigError
    from workflow.web.serve import require_users
    from workflow.web.supervise import WebChild

    try:
        require_users(config)
    except ConfigError as exc:
        click.echo(f"注意：{exc}", err=True)
        return None
    page = WebChild(config)
    page.start()
    return page
