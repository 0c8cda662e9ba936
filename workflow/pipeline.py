"""One file through the whole flow: read -> check -> outputs.

`check_file` reads and checks; `process_file` also writes the outputs (Word report, error
workbook or rejection note, result.json). Neither raises for a bad file: a file we cannot read
becomes a `rejected` outcome. The daemon and the `check` / `process` commands all come here, so
a file is judged the same way whichever way it arrived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import __version__
from .checks import PreviousReport, context_from_config, run_checks
from .config import Config
from .errors import RejectedFile, WorkflowError
from .findings import Finding, count_errors, finding
from .intake import sha256_file
from .office import previous_report
from .outbox import (
    agency_folder,
    errors_filename,
    rejected_folder,
    remove_stale_outputs,
    write_result,
)
from .report import render_report, report_filename
from .submission import Submission
from .workbook.marked import write_error_workbook, write_rejection_note
from .workbook.reader import read_workbook


def read_input(path: Path, display_name: str) -> Submission:
    """A published report (.docx, .html, .htm) by its labels, anything else as a workbook."""
    from .published import is_published, read_published

    if is_published(path):
        return read_published(path, display_name=display_name)
    return read_workbook(path, display_name=display_name)


__all__ = [
    "Outcome",
    "ProcessResult",
    "check_file",
    "process_file",
    "reject_internal_error",
]

log = logging.getLogger(__name__)

PASSED, FAILED, REJECTED = "passed", "failed", "rejected"


@dataclass(slots=True)
class Outcome:
    """What reading and checking one file found."""

    file: str
    status: str
    findings: list[Finding]
    submission: Submission | None = None

    @property
    def agency(self) -> str | None:
        return self.submission.agency or None if self.submission else None

    @property
    def year(self) -> int | None:
        return self.submission.year if self.submission else None

    @property
    def error_count(self) -> int:
        return count_errors(self.findings)

    @property
    def warning_count(self) -> int:
        return len(self.findings) - self.error_count

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "agency": self.agency,
            "year": self.year,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(slots=True)
class ProcessResult(Outcome):
    """An outcome whose outputs have been written."""

    outputs: dict[str, str | None] = field(default_factory=dict)
    result_path: Path | None = None
    sha256: str = ""
    received_at: datetime | None = None

    @property
    def values(self) -> dict[str, object] | None:
        """The parsed values by key, JSON-ready, for the ledger's accepted reports."""
        if self.submission is None:
            return None
        return {k: _jsonable(v) for k, v in self.submission.values.items()}

    def to_json(self) -> dict[str, Any]:
        record = Outcome.to_json(self)
        record["outputs"] = dict(self.outputs)
        record["sha256"] = self.sha256
        record["received_at"] = self.received_at.isoformat() if self.received_at else None
        record["template_version"] = self.submission.template_version if self.submission else None
        record["checked_by"] = f"workflow {__version__}"
        return record


def _jsonable(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def check_file(
    path: Path,
    config: Config,
    *,
    display_name: str | None = None,
    previous: PreviousReport | None = None,
    history: bool = True,
) -> Outcome:
    """Read and check one file; a file we cannot read is a `rejected` outcome.

    With `history` (the default) and no `previous` given, last year's accepted report of the
    same agency is looked up in the ledger for the cross-year checks.
    """
    name = display_name or Path(path).name
    try:
        sub = read_input(Path(path), name)
    except RejectedFile as exc:
        return Outcome(file=name, status=REJECTED, findings=[exc.finding])
    if previous is None and history:
        previous = previous_report(config, sub.agency, sub.year)
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
    pdf: bool | None = None,
) -> ProcessResult:
    """Check one file and write its outputs; returns the record that result.json holds."""
    path = Path(path)
    outbox = Path(outbox or config.outbox).resolve()  # result.json names absolute paths
    received_at = received_at or datetime.now().astimezone()
    sha256 = sha256 or sha256_file(path)
    outcome = check_file(path, config, display_name=display_name, previous=previous)
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
        if sub.cells and path.suffix.lower() in (".docx", ".html", ".htm"):
            # a published report has no workbook to mark: the findings as a list
            write_rejection_note(result.file, result.findings, errors, published=True)
        else:
            write_error_workbook(path, result.findings, errors)
        outputs["errors"] = str(errors)
    pdf_path = folder / report.with_suffix(".pdf").name
    if pdf:
        from .pdf import convert_to_pdf

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
