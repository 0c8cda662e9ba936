"""The `workflow mail` and `workflow remind` commands (registered on the main group in cli)."""

from __future__ import annotations

import logging
import sys
import threading

import click

from workflow.cli.chinese import YEAR
from workflow.cli.common import USAGE_ERROR, config_option, fail
from workflow.config import Config
from workflow.core.errors import ConfigError, MailError, WorkflowError

__all__ = ["mail", "remind"]


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("workflow.mail")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@click.command()
@click.option("--once", is_flag=True, help="只收取、处理一次，然后退出。")
@click.option(
    "--unblock", metavar="地址", multiple=True, help="恢复对该地址的自动回复（它曾退信）。"
)
@click.option(
    "--accept",
    metavar="编号",
    type=int,
    multiple=True,
    help="处理一封待人工处理的邮件（编号见 workflow status），公开办核实后使用。",
)
@config_option
def mail(once: bool, unblock: tuple[str, ...], accept: tuple[int, ...], config: Config) -> None:
    """收取办公室邮箱：校验各单位发来的工作簿附件，在同一邮件会话中回复校验结果。

    不加 --once 时持续运行（[mail] enabled = true 时 workflow watch 也会同时收取邮箱）。
    邮箱设置见 docs/mail.md。

    \b
    示例：
        workflow mail --once --config config.toml
        workflow mail --unblock a1@county.gov.cn
        workflow mail --accept 12
    """
    from workflow.intake.mail.mailpass import run_pass
    from workflow.intake.mail.service import MailService
    from workflow.office.mail_ledger import resume_replies

    if unblock:
        for _done, line in resume_replies(config, unblock):
            click.echo(line)
        return
    try:
        config.mail.require()
        config.mail.password()
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    if accept:
        _accept(config, accept)
        return
    if once:
        try:
            report = run_pass(config)
        except MailError as exc:
            fail(str(exc))
        click.echo(report.line())
        if report.smtp_error:  # judged and recorded; the replies wait for the next pass
            sys.exit(1)
        return
    _log_to_stderr()
    stop = threading.Event()
    service = MailService(config, stop)
    service.start()
    try:
        while service.is_alive():
            service.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        service.join(30)


def _accept(config: Config, numbers: tuple[int, ...]) -> None:
    """Release each held mail, then one pass processes and answers them."""
    from workflow.intake.mail.held import accept_held
    from workflow.intake.mail.mailpass import run_pass

    failed = False
    for number in numbers:
        try:
            click.echo(accept_held(config, number))
        except WorkflowError as exc:
            click.echo(str(exc), err=True)
            failed = True
    try:
        click.echo(run_pass(config).line())
    except MailError as exc:
        fail(f"已接受的邮件将在下次收取邮件时处理：{exc}")
    if failed:
        sys.exit(1)


@click.command()
@click.option("--year", type=YEAR, metavar="年度", required=True, help="报告年度，如 2021。")
@click.option("--dry-run", is_flag=True, help="只列出将发给谁、发什么、跳过谁及原因，不发送。")
@click.option("--again", is_flag=True, help="今天已催报过的单位也再发一次（默认每天最多一次）。")
@config_option
def remind(year: int, dry_run: bool, again: bool, config: Config) -> None:
    """催报：给该年度尚未通过的每个登记单位发邮件，并列出发给了谁、发了什么。

    未提交的单位收到自己的空白工作簿（年初可用来下发工作簿）；未通过的收到最近一次的校验结果
    工作簿和还需改正的错误；已通过的不发送。同一单位每天最多催报一次（--again 除外）。

    \b
    示例：
        workflow remind --year 2021 --dry-run
        workflow remind --year 2021
    """
    from workflow.intake.mail.remind import send_reminders

    try:
        if not dry_run:
            config.mail.require()
            config.mail.password()
        lines = send_reminders(config, year, dry_run=dry_run, again=again)
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    except MailError as exc:
        fail(str(exc))
    for line in lines:
        click.echo(line)
