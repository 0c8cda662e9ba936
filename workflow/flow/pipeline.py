"""One file through the whole flow: read -> check -> outputs.

`check_file` reads and checks; `process_file` also writes the outputs (Word report, error
workbook or rejection note, result.json). Neither raises for a bad file: a file we cannot read
becomes a `rejected` outcome. The daemon and the `check` / `process` commands all come here, so
a file is judged the same way whichever way it arrived.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from workflow.checks import PreviousReport, context_from_config, run_checks
from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.errors import OutputError, RejectedFile, WorkflowError
from workflow.core.findings import Finding, count_errors, finding
from workflow.core.oserrors import os_error_in, output_problem
from workflow.core.outcome import FAILED, PASSED, REJECTED, Attribution, Outcome, ProcessResult
from workflow.core.submission import Submission
from workflow.flow.attribution import attribute
from workflow.flow.convert import conversion_available, convert_to_xlsx, convertible_format
from workflow.flow.outbox import (
    agency_folder,
    errors_filename,
    previous_outputs,
    rejected_folder,
    remove_stale_outputs,
    write_result,
)
from workflow.published import is_published, read_published
from workflow.workbook.sniff import MAX_XML_BYTES, legacy_kind

__all__ = [
    "HistoryLookup",
    "Outcome",
    "ProcessResult",
    "check_file",
    "process_file",
    "reject_internal_error",
    "reject_too_slow",
]


def read_input(path: Path, display_name: str, max_xml_bytes: int = MAX_XML_BYTES) -> Submission:
    """A published report (.docx, .html, .htm) by its labels, anything else as a workbook."""
    if is_published(path):
        return read_published(path, display_name=display_name)
    from workflow.workbook.reader import read_workbook  # openpyxl: only for a workbook

    return read_workbook(path, display_name=display_name, max_xml_bytes=max_xml_bytes)


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
    agency_hint: str | None = None,
    received_at: datetime | None = None,
) -> Outcome:
    """Read and check one file; a file we cannot read is a `rejected` outcome.

    Last year's report for the cross-year checks is `previous` when given, else what `history`
    finds for the agency and year the file names; with neither, there are no cross-year checks.
    A rejected file is attributed to an agency where it can be (`attribution`): `agency_hint`
    is the agency the mail intake knows the sender as.
    """
    with ExitStack() as stack:
        return _check(
            Path(path),
            config,
            stack,
            display_name or Path(path).name,
            previous,
            history,
            agency_hint,
            received_at,
        )[0]


def _check(
    path: Path,
    config: Config,
    stack: ExitStack,
    name: str,
    previous: PreviousReport | None,
    history: HistoryLookup | None,
    agency_hint: str | None,
    received_at: datetime | None,
) -> tuple[Outcome, Path]:
    """The outcome, and the .xlsx it was read from (`path`, or its conversion in a temp folder
    that lives as long as `stack`)."""
    readable, converted_from = path, None
    try:
        try:
            sub = read_input(path, name, config.watch.max_xml_bytes)
        except RejectedFile as refusal:
            fmt = convertible_format(refusal)
            if fmt is None or not conversion_available():
                raise
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wf-convert-")))
            try:
                readable = convert_to_xlsx(path, fmt, work)
            except OutputError as exc:
                log.info("未能自动转换 %s：%s", name, exc)
                raise refusal from exc
            converted_from = fmt
            sub = read_input(readable, name, config.watch.max_xml_bytes)
    except RejectedFile as exc:
        attribution = attribute(  # a converted file's marks are read from the conversion
            readable,
            name,
            config.agencies,
            agency_hint=agency_hint,
            received_at=received_at,
            read_marks=exc.rule != "file.unsafe",
        )
        rejected = Outcome(
            file=name,
            status=REJECTED,
            findings=[exc.finding],
            attribution=attribution,
            converted_from=converted_from,
        )
        return rejected, path
    if previous is None and history is not None:
        previous = history(sub.agency, sub.year)
    findings = run_checks(sub, context_from_config(config, sub.agency, previous))
    if converted_from is not None:
        findings.append(_converted_note(name, converted_from))
    status = FAILED if count_errors(findings) else PASSED
    outcome = Outcome(
        file=name, status=status, findings=findings, submission=sub, converted_from=converted_from
    )
    return outcome, readable


def _converted_note(name: str, fmt: str) -> Finding:
    kind = {"ods": "OpenDocument 表格（.ods）", "et": legacy_kind("x.et")}.get(
        fmt, legacy_kind("x.xls")
    )
    return finding("file.converted", name=name, detail=kind)


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
    agency_hint: str | None = None,
    admit: Callable[[Submission], None] | None = None,
    sequence: int | None = None,
    source: str | None = None,
    sender: str | None = None,
    message_id: str | None = None,
) -> ProcessResult:
    """Check one file and write its outputs; returns the record that result.json holds.

    `agency_hint`: the agency the mail intake knows the sender as (see `check_file`).
    `admit`: called with the submission once it is read and checked, before any output is
    written; whatever it raises propagates and nothing is written. The mail intake refuses a
    workbook made out for an agency the sender may not submit for this way, from the one
    reading of the file (instead of reading it once to decide and again to process).
    `sequence`, `source`, `sender`, `message_id`: what the caller's ledger row will hold,
    written into result.json so that the row can be rebuilt from the outbox.

    Raises `OutputError` (one clean Chinese line) when the outputs cannot be written: a full
    disk, a locked folder, a report open in Word. That is the office's problem, not the file's,
    so no rejection is written; the caller keeps the file and tries again, or stops."""
    path = Path(path)
    outbox = Path(outbox or config.outbox).resolve()  # result.json names absolute paths
    received_at = received_at or datetime.now().astimezone()
    sha256 = sha256 or sha256_file(path)
    with ExitStack() as stack:
        outcome, readable = _check(
            path,
            config,
            stack,
            display_name or path.name,
            previous,
            history,
            agency_hint,
            received_at,
        )
        if admit is not None and outcome.submission is not None:
            admit(outcome.submission)
        result = ProcessResult(
            file=outcome.file,
            status=outcome.status,
            findings=outcome.findings,
            submission=outcome.submission,
            attribution=outcome.attribution,
            converted_from=outcome.converted_from,
            sha256=sha256,
            received_at=received_at,
            sequence=sequence,
            source=source,
            sender=sender,
            message_id=message_id,
        )
        with _outputs_of():
            if outcome.submission is None:
                return _write_rejected(result, outbox)
            try:
                use_pdf = config.pdf if pdf is None else pdf
                return _write_checked(result, readable, config, outbox, use_pdf)
            except (OutputError, OSError):
                raise
            except WorkflowError as exc:
                log.error("输出失败：%s：%s", result.file, exc)
                result.status = REJECTED
                result.findings = [
                    finding("file.internal_error", name=result.file, detail=str(exc))
                ]
                result.attribution = _owner(result)
                result.submission = None
                return _write_rejected(result, outbox)


@contextlib.contextmanager
def _outputs_of() -> Iterator[None]:
    """Turn a failure to write outputs into one `OutputError` with a clean Chinese line: the
    office's problem, not the file's (the caller keeps the file and tries again, or stops)."""
    try:
        yield
    except Exception as exc:
        # xlsxwriter and others wrap the OSError: what counts is a file system refusing
        if isinstance(exc, OutputError) or os_error_in(exc) is not None:
            raise OutputError(output_problem(exc)) from exc
        raise


def _owner(result: ProcessResult) -> Attribution | None:
    """A file that was read but whose outputs failed still belongs to the agency it names."""
    if result.agency is None:
        return result.attribution
    return Attribution(result.agency, result.year, "marks")


def _write_checked(
    result: ProcessResult, path: Path, config: Config, outbox: Path, pdf: bool
) -> ProcessResult:
    # The writers are imported where they are used: `check` never writes, and importing
    # docxtpl, python-docx and the marked-workbook writer was most of its time.
    from workflow.report.pdf import convert_to_pdf
    from workflow.report.render import render_report, report_filename
    from workflow.workbook.marked import write_error_workbook, write_rejection_note

    sub = result.submission
    assert sub is not None
    folder = agency_folder(outbox, sub.agency, sub.year)
    folder.mkdir(parents=True, exist_ok=True)
    earlier = previous_outputs(folder)
    failed = result.status == FAILED
    report = folder / report_filename(sub.agency, sub.year)
    render_report(sub, result.findings, config.report_template, report, draft=failed)
    outputs: dict[str, str | None] = {"report": str(report), "errors": None}
    errors = folder / errors_filename(sub.agency, sub.year)
    if failed:
        if is_published(path):
            # a published report has no workbook to mark: the findings as a list
            write_rejection_note(
                result.file,
                result.findings,
                errors,
                agency=sub.agency,
                year=sub.year,
                published=True,
            )
        else:
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
    remove_stale_outputs(folder, keep, [errors, pdf_path, *earlier])
    return result


def _write_rejected(result: ProcessResult, outbox: Path) -> ProcessResult:
    from workflow.workbook.marked import write_rejection_note

    assert result.received_at is not None
    folder = rejected_folder(outbox, result.file, result.received_at)
    try:
        note = write_rejection_note(
            result.file,
            result.findings,
            folder / "退回说明.xlsx",
            agency=result.owner_agency or "",
            year=result.owner_year,
        )
        result.outputs = {"report": None, "errors": str(note)}
        result.result_path = write_result(folder, result.to_json())
    except BaseException:
        with contextlib.suppress(OSError):  # leave no empty folder behind a failed write
            folder.rmdir()
        raise
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
    agency_hint: str | None = None,
    sequence: int | None = None,
    source: str | None = None,
    sender: str | None = None,
    message_id: str | None = None,
) -> ProcessResult:
    """A `rejected` result for a file whose processing crashed (a bug, not a bad file); it is
    attributed like any rejected file, so the office sees who is waiting for an answer."""
    name = display_name or Path(path).name
    detail = f"{type(exc).__name__}: {exc}"[:300]
    refusal = finding("file.internal_error", name=name, detail=detail)
    return _reject(
        path,
        config,
        refusal,
        name,
        outbox,
        received_at,
        sha256,
        agency_hint,
        sequence=sequence,
        source=source,
        sender=sender,
        message_id=message_id,
    )


def reject_too_slow(
    path: Path,
    config: Config,
    seconds: float,
    *,
    display_name: str | None = None,
    received_at: datetime | None = None,
    sha256: str | None = None,
    sequence: int | None = None,
    source: str | None = None,
) -> ProcessResult:
    """A `rejected` result (`file.oversized`) for a file still unfinished after `seconds`
    (`[watch] file_seconds`): the daemon ended its worker so that it holds up no other file."""
    name = display_name or Path(path).name
    detail = f"处理超过 {seconds:g} 秒仍未完成"
    refusal = finding("file.oversized", name=name, detail=detail)
    return _reject(
        path,
        config,
        refusal,
        name,
        None,
        received_at,
        sha256,
        None,
        sequence=sequence,
        source=source,
    )


def _reject(
    path: Path,
    config: Config,
    refusal: Finding,
    name: str,
    outbox: Path | None,
    received_at: datetime | None,
    sha256: str | None,
    agency_hint: str | None,
    *,
    sequence: int | None = None,
    source: str | None = None,
    sender: str | None = None,
    message_id: str | None = None,
) -> ProcessResult:
    """The rejection record, attributed, with what the caller's ledger row will hold."""
    received_at = received_at or datetime.now().astimezone()
    try:
        attribution = attribute(
            Path(path), name, config.agencies, agency_hint=agency_hint, received_at=received_at
        )
    except Exception:  # the crash path: attribution is a courtesy, the result is not
        log.exception("无法判断 %s 属于哪个单位", name)
        attribution = None
    result = ProcessResult(
        file=name,
        status=REJECTED,
        findings=[refusal],
        attribution=attribution,
        sha256=sha256 or "",
        received_at=received_at,
        sequence=sequence,
        source=source,
        sender=sender,
        message_id=message_id,
    )
    with _outputs_of():
        return _write_rejected(result, Path(outbox or config.outbox).resolve())
