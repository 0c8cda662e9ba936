"""The `workflow` command: parses arguments, calls the library, turns our errors into one line.

Each command lives in a module by what it serves (`forms`, `files`, `office`, `daemon`,
`mail`, `web`); `common` holds what they share, `chinese` the Chinese help and the one-line
errors. Nothing else in the package imports the CLI.
"""

from __future__ import annotations

import click

from workflow import __version__
from workflow.cli import daemon, files, forms, mail, office, web
from workflow.cli.chinese import ChineseGroup

__all__ = ["main"]


@click.group(cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="workflow", help="显示版本号并退出。")
def main() -> None:
    """政府信息公开工作年度报告：生成工作簿、校验、生成 Word 报告、监视收件箱。

    每个命令都可用 -h 查看说明和示例。退出码：0 全部通过（允许有提示）；1 有未通过或被退回的
    文件；2 命令用法或配置有误，或文件夹、台账无法使用。

    \b
    示例：
        workflow template --all --year 2021 --out 下发
        workflow watch
        workflow status
    """


for command in (
    forms.template,
    forms.example,
    files.check,
    files.process,
    files.import_history,
    office.summary,
    office.status,
    office.rebuild_ledger,
    forms.check_template,
    daemon.watch,
    mail.mail,
    mail.remind,
    web.web,
):
    main.add_command(command)
main.add_command(web.web_user, "web-user")
