"""The `workflow` command: parses arguments, calls the library, turns our errors into one line.

Each command lives in a module by what it serves (`forms`, `files`, `office`, `daemon`,
`mail`);
`common` holds what they share. Nothing else in the package imports the CLI.
"""

from __future__ import annotations

import click

from workflow import __version__
from workflow.cli import daemon, files, forms, mail, office

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="workflow")
def main() -> None:
    """政府信息公开工作年度报告：生成工作簿、校验、生成 Word 报告、监视收件箱。

    Collect, check and publish the annual government-information-disclosure reports.
    """


for command in (
    forms.template,
    forms.example,
    files.check,
    files.process,
    files.import_history,
    office.summary,
    office.status,
    forms.check_template,
    daemon.watch,
    mail.mail,
    mail.remind,
):
    main.add_command(command)
