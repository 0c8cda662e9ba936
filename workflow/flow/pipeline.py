"""One file through the whole flow: read -> check -> outputs.

`check_file` reads and checks; `process_file` also writes the outputs (Word report, error
workbook or rejection note, result.json). Neither raises for a bad file: a file we cannot read
becomes a `rejected` outcome. The daemon and the `check` / `process` commands all come here, so
a file is judged the same way whichever way it arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from workflow.checks import PreviousReport, context_from_config, run_checks
from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.errors import RejectedFile, WorkflowError
from workflow.core.findings import count_errors, finding
from workflow.core.outcome import FAILED, PASSED, REJECTED, Outcome, ProcessResult
from workflow.flow.outbox import (
    agency_folder,
    errors_filename,
    rejected_folder,
    remove_stale_outputs,
    write_result,
)
from workflow.report.pdf import convert_to_pdf
from workflow.report.render import render_report, report_filename
from workflow.workbook.marked import write_error_workbook, write_rejection_note
from workflow.workbook.reader import read_workbook

__all__ = [
    "HistoryLookup",
    "Outcome",
    "ProcessResult",
    "check_file",
    "process_file",
    "reject_internal_error",
]

log = logging.getLogger(__name__)

HistoryLookup = Callable[[str, int | None], PreviousReport | None]
"""Last year's report of an agency for a report year: handed in by the caller (the office's
ledger), so that the flow knows nothing of where history is kept."""


def check_file(
    path: Path,
    config: Config,
    *,
    display_name: str | None = None,
    previous: PreviousReport | None = None,
    history: HistoryLookup | None = None,
) -> Outcome:
    """Read and check one file; a file we cannot read is a `rejected` outcome.

    Last year's report for the cross-year checks is `previous` when given, else what `history`
    finds for the agency and year the file names; with neither, there are no cross-year checks.
    """
    name = display_name or Path(path).name
    try:
        sub = read_workbook(Path(path), display_name=name)
    except RejectedFile as exc:
        return Outcome(file=name, status=REJECTED, findings=[exc.finding])
    if previous is None and history is not None:
        previous = history(sub.agency, sub.year)
    findings = run_checks(sub, context_from_config(config, sub.agency, previous))
    status = FAILED if count_errors(findings) else PASSED
    return Outcome(file=name, status=status, findings=findings, submission=sub)


def process_file(
    path: Path,
    config: Config,
    *,
    outbox: Path | None = None,
    display_name: str | None = None,
    received_at: datetime | None = None,
    sha256: str | None = None,
    previous: PreviousReport | None = None,
    history: HistoryLookup | None = None,
    pdf: bool | None = None,
) -> ProcessResult:
    """Check one file and write its outputs; returns the record that result.json holds."""
    path = Path(path)
    outbox = Path(outbox or config.outbox).resolve()  # result.json names absolute paths
    received_at = received_at or datetime.now().astimezone()
    sha256 = sha256 or sha256_file(path)
    outcome = check_file(
        path, config, display_name=display_name, previous=previous, history=history
    )
    result = ProcessResult(
        file=outcome.file,
        status=outcome.status,
        findings=outcome.findings,
        submission=outcome.submission,
        sha256=sha256,
        received_at=received_at,
    )
    if outcome.submission is None:
        return _write_rejected(result, outbox)
    try:
        return _write_checked(result, path, config, outbox, config.pdf if pdf is None else pdf)
    except WorkflowError as exc:
        log.error("输出失败：%s：%s", result.file, exc)
        result.status = REJECTED
        result.findings = [finding("file.internal_error", name=result.file, detail=str(exc))]
        result.submission = None
        return _write_rejected(result, outbox)


def _write_checked(
    result: ProcessResult, path: Path, config: Config, outbox: Path, pdf: bool
) -> ProcessResult:
    sub = result.submission
    assert sub is not None
    folder = agency_folder(outbox, sub.agency, sub.year)
    folder.mkdir(parents=True, exist_ok=True)
    failed = result.status == FAILED
    report = folder / report_filename(sub.agency, sub.year)
    render_report(sub, result.findings, config.report_template, report, draft=failed)
    outputs: dict[str, str | None] = {"report": str(report), "errors": None}
    errors = folder / errors_filename(sub.agency, sub.year)
    if failed:
        write_error_workbook(path, result.findings, errors)
        outputs["errors"] = str(errors)
    pdf_path = folder / report.with_suffix(".pdf").name
    if pdf:
        try:
            outputs["pdf"] = str(convert_to_pdf(report, folder))
        except WorkflowError as exc:
            log.warning("PDF 未生成：%s", exc)
            outputs["pdf"] = None
    result.outputs = outputs
    result.result_path = write_result(folder, result.to_json())
    keep = {Path(p) for p in outputs.values() if p}
    remove_stale_outputs(folder, keep, [errors, pdf_path])
    return result


def _write_rejected(result: ProcessResult, outbox: Path) -> ProcessResult:
    assert result.received_at is not None
    folder = rejected_folder(outbox, result.file, result.received_at)
    note = write_rejection_note(result.file, result.findings, folder / "退回说明.xlsx")
    result.outputs = {"report": None, "errors": str(note)}
    result.result_path = write_result(folder, result.to_json())
    return result


def reject_internal_error(
    path: Path,
    config: Config,
    exc: BaseException,
    *,
    outbox: Path | None = None,
    display_name: str | None = None,
    received_at: datetime | None = None,
    sha256: str | None = None,
) -> ProcessResult:
    """A `rejected` result for a file whose processing crashed (a bug, not a bad file)."""
    name = display_name or Path(path).name
    detail = f"{type(exc).__name__}: {exc}"[:300]
    result = ProcessResult(
        file=name,
        status=REJECTED,
        findings=[finding("file.internal_error", name=name, detail=detail)],
        sha256=sha256 or "",
        received_at=received_at or datetime.now().astimezone(),
    )
    return _write_rejected(result, Path(outbox or config.outbox).resolve())
