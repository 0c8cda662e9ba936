"""The office's view: the summary workbook and the status table."""

from __future__ import annotations

import json
from datetime import datetime

import click

from workflow.cli.common import config_option, json_option
from workflow.config import Config

__all__ = ["status", "summary"]


@click.command()
@click.option("--year", type=click.IntRange(2021, 2999), required=True, help="报告年度。")
@config_option
def summary(year: int, config: Config) -> None:
    """Write the office's summary workbook for a year. 生成年度汇总表。

    Who has submitted, who passed, who must fix what, and the county's totals of the latest
    passed report of each agency. The path is printed as the last line.

    \b
    Example:
        workflow summary --year 2021
    """
    from workflow.office.year import refresh_summary

    click.echo(str(refresh_summary(config, year)))


@click.command()
@click.option(
    "--year", type=click.IntRange(2021, 2999), default=None, help="报告年度（默认最近一年）。"
)
@json_option
@config_option
def status(year: int | None, as_json: bool, config: Config) -> None:
    """Show who has submitted and who must act. 在终端查看提交情况。

    \b
    Example:
        workflow status --year 2021
        workflow status --json
    """
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
