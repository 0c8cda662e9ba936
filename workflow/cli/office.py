"""The office's view: the summary workbook and the status table."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from workflow.cli.chinese import YEAR
from workflow.cli.common import config_option
from workflow.config import Config

__all__ = ["rebuild_ledger", "status", "summary"]


@click.command()
@click.option("--year", type=YEAR, metavar="年度", required=True, help="报告年度，如 2021。")
@config_option
def summary(year: int, config: Config) -> None:
    """生成年度汇总表：谁已提交、谁已通过、谁要修改或被退回，以及全县合计。

    全县合计只计各单位最近一次已通过的报告。汇总表的路径输出在最后一行。

    \b
    示例：
        workflow summary --year 2021
    """
    from workflow.office.year import refresh_summary

    click.echo(str(refresh_summary(config, year)))


@click.command()
@click.option(
    "--year", type=YEAR, metavar="年度", default=None, help="报告年度（默认为台账中最近的一年）。"
)
@click.option("--json", "as_json", is_flag=True, help="每个单位输出一行 JSON（供其他程序读取）。")
@config_option
def status(year: int | None, as_json: bool, config: Config) -> None:
    """在终端查看提交情况：每个单位的状态（已通过、未通过、退回、未提交）和要办的事。

    要处理的排在最前：未通过和退回（红色），其次未提交（橙色），已通过（绿色）在后。

    \b
    示例：
        workflow status --year 2021
        workflow status --json
    """
    from workflow.intake.folder.blocked import read_blocked
    from workflow.office.inbox_notes import read_unreadable
    from workflow.office.mail_view import mail_overview, render_mail_overview
    from workflow.office.status_table import render_status, status_records
    from workflow.office.year import known_years, year_states

    if year is None:
        years = known_years(config)
        year = years[0] if years else datetime.now().year - 1
    states, mail = year_states(config, year), mail_overview(config)
    if as_json:
        for record in status_records(states):
            record.update(mail.fields(record["agency"]), year=year)
            click.echo(json.dumps(record, ensure_ascii=False))
    else:
        render_status(states, year)
        render_mail_overview(mail)
    for held in read_blocked(config.state):  # the daemon keeps these files and retries
        click.echo(
            f"注意：{held.get('file')} 已收到，但结果无法写出（{held.get('problem')}），"
            "解决后会自动处理。",
            err=as_json,
        )
    for note in read_unreadable(config.state):  # left in the inbox until they can be read
        click.echo(f"注意：{note['line']}", err=as_json)


@click.command("rebuild-ledger")
@click.option("--dry-run", is_flag=True, help="只列出从文件夹中找到的记录，不改动台账。")
@config_option
def rebuild_ledger(dry_run: bool, config: Config) -> None:
    """根据存档的原件和输出文件夹中的 result.json 重建台账（台账只是索引，文件夹才是依据）。

    收件箱、邮件、process 命令处理的提交和导入的往年报告都会找回，包括提交顺序、发件人和
    邮件编号。原台账改名为 ledger.sqlite3.before-rebuild-时间 保留，邮件往来记录照原样带到
    新台账。监视程序运行时不能重建，请先停止。台账损坏时程序自动用同样的方法重建。

    \b
    示例：
        workflow rebuild-ledger --dry-run
        workflow rebuild-ledger --config config.toml
    """
    from workflow.intake.folder.state_guard import LOCK_NAME, take_lock
    from workflow.office.rebuild import rebuild_on_demand

    if dry_run:
        report, aside = rebuild_on_demand(config, dry_run=True)
        click.echo("演练（台账未改动）：从存档和输出文件夹中找到：")
    else:
        lock = take_lock(config.state / LOCK_NAME)
        if lock is None:
            click.echo(
                "错误：监视程序正在运行，请先停止（systemctl stop 或 Ctrl-C）再重建台账。", err=True
            )
            sys.exit(1)
        try:
            report, aside = rebuild_on_demand(config, dry_run=False)
        finally:
            lock.close()
        click.echo("台账已重建：")
    for line in report.lines():
        click.echo(f"  {line}")
    if aside is not None:
        click.echo(f"原台账已另存为 {aside}")
