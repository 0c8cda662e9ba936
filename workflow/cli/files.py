"""Commands on files given on the command line: check, process, import-history."""

from __future__ import annotations

import sqlite3
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from workflow.cli.common import (
    config_option,
    emit,
    files_argument,
    json_option,
    require_files,
)
from workflow.config import Config
from workflow.core.outcome import PASSED, REJECTED

__all__ = ["check", "import_history", "process"]


def _internal_error(path: Path, config: Config, outbox: Path | None, exc: Exception) -> Any:
    """A `rejected` result for a file whose processing hit a bug: one line on the console,
    the traceback in the log under the state folder, and the other files go on."""
    from workflow.flow.pipeline import reject_internal_error

    log_file = config.state / "logs" / "process-errors.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(f"{datetime.now().isoformat()} {path}\n{traceback.format_exc()}\n")
    click.echo(
        f"错误：处理 {path} 时程序出错（{type(exc).__name__}），已按“处理出错”退回；"
        f"详情见 {log_file}",
        err=True,
    )
    return reject_internal_error(path, config, exc, outbox=outbox, display_name=str(path))


@click.command()
@files_argument
@json_option
@config_option
def check(files: tuple[Path, ...], as_json: bool, config: Config) -> None:
    """Check workbooks and print the findings. 校验工作簿，列出问题。

    \b
    Example:
        workflow check 后河镇人民政府2021年政府信息公开工作年度报告.xlsx
        workflow check inbox/*.xlsx --json
    """
    from workflow.flow.pipeline import check_file
    from workflow.office.history import history_lookup

    ok = True
    require_files(files)
    history = history_lookup(config)
    for path in files:
        outcome = check_file(path, config, display_name=str(path), history=history)
        ok &= outcome.status == PASSED
        emit(outcome.to_json(), as_json)
    sys.exit(0 if ok else 1)


@click.command()
@files_argument
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="结果输出文件夹（默认为配置文件中的 outbox）。",
)
@click.option("--pdf/--no-pdf", default=None, help="同时生成 PDF（需要 LibreOffice）。")
@json_option
@config_option
def process(
    files: tuple[Path, ...], outbox: Path | None, pdf: bool | None, as_json: bool, config: Config
) -> None:
    """Check workbooks and write their outputs. 校验并生成报告、校验结果。

    Outputs go to <outbox>/<年度>/<单位>/: the Word report, the error workbook when the
    report fails, and result.json (written last).

    \b
    Example:
        workflow process inbox/*.xlsx --outbox outbox
    """
    from workflow.flow.pipeline import process_file
    from workflow.office.history import history_lookup
    from workflow.office.year import record_processed, refresh_summary
    from workflow.report.pdf import MISSING_MESSAGE as PDF_MISSING
    from workflow.report.pdf import pdf_available

    require_files(files)
    if (config.pdf if pdf is None else pdf) and not pdf_available():
        click.echo(f"注意：{PDF_MISSING}。Word 报告照常生成。", err=True)
        pdf = False
    ok = True
    years: set[int] = set()
    history = history_lookup(config)
    for path in files:
        try:
            result = process_file(
                path, config, outbox=outbox, display_name=str(path), history=history, pdf=pdf
            )
        except Exception as exc:  # a bug must not cost the other files their results
            result = _internal_error(path, config, outbox, exc)
        try:
            record_processed(config, path, result)
        except sqlite3.Error as exc:  # the outputs are written; only the audit trail missed it
            click.echo(f"注意：台账暂时无法写入（{exc}），{path} 的结果已生成但未登记。", err=True)
        ok &= result.status == PASSED
        if result.year and result.status != REJECTED:
            years.add(result.year)
        emit(result.to_json(), as_json)
    for year in sorted(years):
        refresh_summary(config, year, outbox)
    sys.exit(0 if ok else 1)


@click.command("import-history")
@files_argument
@config_option
def import_history(files: tuple[Path, ...], config: Config) -> None:
    """Record earlier years' accepted workbooks as history. 导入往年已通过的报告。

    The cross-year checks compare a report with the same agency's accepted report of the year
    before; in the first year of use this command gives them that year. Only workbooks that
    pass are recorded; nothing is written to the outbox.

    \b
    Example:
        workflow import-history 往年/*.xlsx
    """
    from workflow.core.digest import sha256_file
    from workflow.core.outcome import ProcessResult
    from workflow.flow.pipeline import check_file
    from workflow.office.year import record_processed

    require_files(files)
    ok = True
    for path in files:
        outcome = check_file(path, config, display_name=str(path))
        if outcome.status != PASSED:
            ok = False
            click.echo(f"{path}：未导入（{outcome.error_count} 个错误，请先改正）")
            for f in outcome.findings:
                if f.is_error:
                    click.echo(f"  {f.message}")
            continue
        result = ProcessResult(
            file=outcome.file,
            status=outcome.status,
            findings=outcome.findings,
            submission=outcome.submission,
            sha256=sha256_file(path),
        )
        record_processed(config, path, result)
        click.echo(f"{path}：已导入 {outcome.agency} {outcome.year} 年报告")
    sys.exit(0 if ok else 1)
