"""Commands on files given on the command line: check, process, import-history."""

from __future__ import annotations

import sqlite3
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from workflow.cli.chinese import path_type
from workflow.cli.common import (
    config_option,
    emit,
    files_argument,
    json_option,
    require_files,
    require_report_template,
)
from workflow.config import Config
from workflow.core.errors import OutputError
from workflow.core.names import readable_name
from workflow.core.oserrors import output_problem
from workflow.core.outcome import PASSED

__all__ = ["check", "import_history", "process"]


def _internal_error(
    path: Path, config: Config, outbox: Path | None, exc: Exception, meta: dict[str, Any]
) -> Any:
    """A `rejected` result for a file whose processing hit a bug: one line on the console,
    the traceback in the log under the state folder, and the other files go on."""
    from workflow.flow.pipeline import reject_internal_error

    name = meta["display_name"]
    log_file = config.state / "logs" / "process-errors.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(f"{datetime.now().isoformat()} {name}\n{traceback.format_exc()}\n")
    click.echo(
        f"错误：处理 {name} 时程序出错（{type(exc).__name__}），已按“处理出错”退回；"
        f"详情见 {log_file}",
        err=True,
    )
    return reject_internal_error(path, config, exc, outbox=outbox, **meta)


@click.command()
@files_argument
@json_option
@config_option
def check(files: tuple[Path, ...], as_json: bool, config: Config) -> None:
    """校验工作簿（或已发布的 Word、网页报告），列出每处错误和提示（不生成任何文件）。

    每个文件先列出结果（已通过、未通过、退回），再逐条列出问题。.xls、.et、.ods 文件在装有
    LibreOffice 时自动转换为 .xlsx 后校验。已发布的报告（.docx、.html、.htm）按表格和标题读取，
    与填入相同数字的工作簿得到相同的校验结果，位置写作“表三!“……”行“……”列”。
    退出码：0 全部通过，1 有未通过或被退回的文件。

    \b
    示例：
        workflow check 后河镇人民政府2021年政府信息公开工作年度报告.xlsx
        workflow check inbox/*.xlsx --json
        workflow check 已发布/后河镇2021年报.docx 已发布/后河镇2021年报.html
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
    type=path_type(file_okay=False),
    metavar="文件夹",
    default=None,
    help="结果输出文件夹（默认为配置文件中的 outbox）。",
)
@click.option(
    "--pdf/--no-pdf", default=None, help="是否同时生成 PDF（需要 LibreOffice；默认按配置文件）。"
)
@json_option
@config_option
def process(
    files: tuple[Path, ...], outbox: Path | None, pdf: bool | None, as_json: bool, config: Config
) -> None:
    """校验工作簿并生成结果：Word 报告，未通过时另有标出错误的“校验结果”工作簿。

    结果写入 <outbox>/<年度>/<单位>/，最后写 result.json（出现即表示全部完成）；无法读取的文件
    写入 <outbox>/rejected/。已发布的 .docx、.html 报告未通过时，另附问题清单。处理完后更新年度
    汇总表。Word 报告模板缺失或有误时不处理任何文件。

    \b
    示例：
        workflow process inbox/*.xlsx --outbox outbox
        workflow process 后河镇人民政府2021年政府信息公开工作年度报告.xlsx --pdf
    """
    from workflow.flow.pipeline import process_file
    from workflow.office.history import history_lookup
    from workflow.office.ledger import ledger_problem
    from workflow.office.recording import NotRecorded, Recorder
    from workflow.office.year import refresh_summary
    from workflow.report.pdf import MISSING_MESSAGE as PDF_MISSING
    from workflow.report.pdf import pdf_available

    require_files(files)
    require_report_template(config)
    (outbox or config.outbox).mkdir(parents=True, exist_ok=True)  # unusable: one line, exit 2
    if (config.pdf if pdf is None else pdf) and not pdf_available():
        click.echo(f"注意：{PDF_MISSING}。Word 报告照常生成。", err=True)
        pdf = False
    ok = True
    years: set[int] = set()
    history = history_lookup(config)
    with Recorder(config, "process") as recorder:
        for path in files:
            name = readable_name(str(path))  # GBK bytes from a zip unpacked on Chinese Windows
            received = datetime.now().astimezone()
            try:  # the ledger first: a file it cannot take is not processed at all
                seq = recorder.reserve()
                archived = recorder.archive(Path(path), received, seq)
            except NotRecorded as exc:
                click.echo(f"错误：{exc}；{name} 未处理，也未登记。", err=True)
                ok = False
                continue
            meta: dict[str, Any] = {
                "display_name": name,
                "received_at": received,
                "sequence": seq,
                "source": "process",
            }
            try:
                try:
                    result = process_file(
                        path, config, outbox=outbox, history=history, pdf=pdf, **meta
                    )
                except OutputError:
                    raise
                except Exception as exc:  # a bug must not cost the other files their results
                    result = _internal_error(path, config, outbox, exc, meta)
            except OutputError as exc:  # the office's problem: nothing recorded against the file
                recorder.forget(archived)  # nor kept for a rebuild to find
                click.echo(f"错误：{exc}；{name} 未处理，也未登记，请解决后重新运行。", err=True)
                ok = False
                continue
            try:
                recorder.record(Path(path), result, archived)
            except NotRecorded as exc:  # the outputs are written; the ledger did not take them
                click.echo(
                    f"错误：{exc}；{name} 的结果已生成，但没有登记到台账，请解决后重新运行。",
                    err=True,
                )
                ok = False
                emit(result.to_json(), as_json)
                continue
            ok &= result.status == PASSED
            if result.owner_year:  # a rejection attributed to an agency shows it as 退回
                years.add(result.owner_year)
            emit(result.to_json(), as_json)
    for year in sorted(years):
        try:
            refresh_summary(config, year, outbox)
        except OSError as exc:
            click.echo(f"错误：汇总表未能更新：{output_problem(exc)}", err=True)
            ok = False
        except sqlite3.Error as exc:
            click.echo(f"错误：汇总表未能更新：{ledger_problem(exc)}", err=True)
            ok = False
    sys.exit(0 if ok else 1)


@click.command("import-history")
@files_argument
@config_option
def import_history(files: tuple[Path, ...], config: Config) -> None:
    """导入往年报告（工作簿、Word、网页），供跨年度检查（上年结转、现行有效件数）使用。

    跨年度检查把报告与同一单位上一年的报告比较；第一年使用本工具时，用本命令导入上一年的
    工作簿，或已发布的报告（.docx，或另存的网页 .html / .htm）。往年报告以发布的为准：不符合
    今年规则的报告也会登记，其问题作为提示列出；只有完全无法读取的文件不登记。不在 outbox
    生成任何文件。

    \b
    示例：
        workflow import-history 往年/*.xlsx 往年/*.docx 往年/*.html
    """
    from workflow.core.digest import sha256_file
    from workflow.core.outcome import ProcessResult
    from workflow.flow.pipeline import check_file
    from workflow.office.history import IMPORTED
    from workflow.office.recording import NotRecorded, Recorder

    require_files(files)
    ok = True
    with Recorder(config, "import-history") as recorder:
        for path in files:
            outcome = check_file(path, config, display_name=str(path))
            if outcome.submission is None:
                ok = False
                click.echo(f"{path}：未导入（无法读取）")
                for f in outcome.findings:
                    click.echo(f"  {f.message}")
                continue
            # to the second: the archive name holds the time, so a rebuild restores it exactly
            received = datetime.now().astimezone().replace(microsecond=0)
            archived = None
            try:
                seq = recorder.reserve()
                archived = recorder.archive(Path(path), received, seq)
                result = ProcessResult(
                    file=outcome.file,
                    status=outcome.status,
                    findings=outcome.findings,
                    submission=outcome.submission,
                    sha256=sha256_file(path),
                    outputs={IMPORTED: "import-history"},
                    received_at=received,
                    sequence=seq,
                    source="import-history",
                )
                recorder.record(Path(path), result, archived)
            except NotRecorded as exc:
                recorder.forget(archived)  # not imported: nothing for a rebuild to import either
                click.echo(f"错误：{exc}；{path} 未导入。", err=True)
                ok = False
                continue
            click.echo(f"{path}：已导入 {outcome.agency} {outcome.year} 年报告")
            if outcome.status != PASSED:
                click.echo(
                    f"  注意：该报告按今年的规则有 {outcome.error_count} 个错误，"
                    "已照原样记录为历史，跨年度检查将使用其中的数字："
                )
            for f in outcome.findings:
                if f.is_error or f.rule == "source.note":
                    click.echo(f"  {f.severity.chinese}：{f.message}")
    sys.exit(0 if ok else 1)
