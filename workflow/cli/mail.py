"""The `workflow mail` and `workflow remind` commands (registered on the main group in cli)."""

from __future__ import annotations

import logging
import sys
import threading

import click

from workflow.cli.common import USAGE_ERROR, config_option, fail
from workflow.config import Config
from workflow.core.errors import ConfigError, MailError

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
@config_option
def mail(once: bool, unblock: tuple[str, ...], config: Config) -> None:
    """Answer agencies' mail: check each workbook attached, reply with the verdict.
    收取办公室邮箱中的报告并自动回复校验结果。

    Without --once it keeps running (as `workflow watch` does when [mail] enabled = true).

    \b
    Example:
        workflow mail --once --config config.toml
        workflow mail --unblock a1@county.gov.cn
    """
    from workflow.intake.mail.mailpass import run_pass
    from workflow.intake.mail.service import MailService
    from workflow.office.ledger import ledger_path
    from workflow.office.mail_ledger import MailStore

    if unblock:
        with MailStore(ledger_path(config)) as store:
            for address in unblock:
                done = store.unblock(address)
                click.echo(f"{address}：{'已恢复自动回复' if done else '未被暂停，无需恢复'}")
        return
    try:
        config.mail.require()
        config.mail.password()
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    if once:
        try:
            report = run_pass(config)
        except MailError as exc:
            fail(str(exc))
        click.echo(report.line())
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


@click.command()
@click.option("--year", type=click.IntRange(2021, 2999), required=True, help="报告年度。")
@click.option("--dry-run", is_flag=True, help="只列出将发给谁、发什么，不发送。")
@config_option
def remind(year: int, dry_run: bool, config: Config) -> None:
    """Mail every registered agency that has no passed report for the year.
    催报：给尚未通过的单位发邮件。

    Agencies that sent nothing get their blank workbook (at the start of the season this is how
    the workbooks go out); those that failed get their latest error workbook and what is left
    to fix; agencies that passed get nothing.

    \b
    Example:
        workflow remind --year 2021 --dry-run
        workflow remind --year 2021
    """
    from workflow.intake.mail.remind import send_reminders

    try:
        if not dry_run:
            config.mail.require()
            config.mail.password()
        lines = send_reminders(config, year, dry_run=dry_run)
    except ConfigError as exc:
        fail(str(exc), USAGE_ERROR)
    except MailError as exc:
        fail(str(exc))
    for line in lines:
        click.echo(line)
