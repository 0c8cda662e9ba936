"""A mail's contents into the office's flow: the raw .eml into the archive, each workbook
attachment through the same `pipeline.process_file` as an inbox file, a `Verdict` out.

Everything a mail brought is archived first, under archive/mail/<year>/<received>-<id>/: the
message as it came (`message.eml`) and each workbook attachment under its decoded name. The
attachment is processed where it lies in the archive and entered into the ledger with the
sender and the Message-ID, exactly as `workflow process` enters a file.

A registered address may submit only for its own agencies: a workbook made out for another
agency is not processed (it would replace that agency's result); the reply says so. That is
decided from the one reading of the workbook the pipeline makes (`process_file(admit=...)`),
before any output is written.

Each error and warning line of a verdict names the sheet and the place, as the error
workbook's 工作表 / 位置 columns do (`workbook.marked_columns.location`): the agency reads the
reply without opening the workbook. Warnings of a passing workbook are listed in the reply
only: the Word report is what gets published and carries none.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.atomic import atomic_write_bytes
from workflow.core.findings import Finding, Severity, rejection_advice
from workflow.core.names import agency_key, safe_name
from workflow.core.outcome import REJECTED, ProcessResult
from workflow.core.submission import Submission
from workflow.flow.pipeline import process_file, reject_internal_error
from workflow.intake.mail.message import Attachment
from workflow.office.history import history_lookup
from workflow.office.ledger import Record
from workflow.office.mail_ledger import MailStore, Verdict
from workflow.workbook.marked_columns import location

__all__ = ["archive_eml", "mail_folder", "process_attachment", "recorded_verdict"]

log = logging.getLogger("workflow.mail")


def mail_folder(config: Config, key: str, received_at: datetime) -> Path:
    """The archive folder of one mail (the same on every attempt)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return config.archive / "mail" / f"{received_at:%Y}" / f"{received_at:%Y%m%d-%H%M%S}-{digest}"


def archive_eml(config: Config, key: str, received_at: datetime, raw: bytes) -> Path:
    target = mail_folder(config, key, received_at) / "message.eml"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, raw)
    return target


def _attachment_path(folder: Path, position: int, name: str) -> Path:
    stem, dot, suffix = name.rpartition(".")
    clean = safe_name(stem or name, 80) + (dot + suffix[:8] if dot else "")
    return folder / f"{position + 1:02d}-{clean}"


def located(f: Finding) -> str:
    """One line of a reply: 工作表 and 位置 as the error workbook writes them, then the message."""
    sheet, place = location(f)
    where = " ".join(p for p in (f"工作表“{sheet}”" if sheet else "", place) if p)
    placed = f.cells or f.fields or f.row_label or f.column_label
    return f"{where}：{f.message}" if placed and where else f.message


def _from_findings(
    file: str,
    status: str,
    agency: str | None,
    year: int | None,
    findings: list[Finding],
    outputs: Mapping[str, Any],
) -> Verdict:
    """The verdict of a judged file; `outputs` (by kind) gives the files attached to the
    reply: the report and PDF of a passed file, else the error workbook."""
    keys = ("report", "pdf") if status == "passed" else ("errors",)
    attach = [outputs.get(k) for k in keys]
    errors = [f for f in findings if f.severity == Severity.ERROR]
    warnings = [f for f in findings if f.severity != Severity.ERROR]
    read = status in ("passed", "failed")  # a refused file's findings name no place
    line = located if read else (lambda f: f.message)
    return Verdict(
        file=file,
        status=status,
        agency=agency,
        year=year,
        messages=tuple(line(f) for f in errors),
        warnings=len(warnings),
        attach=tuple(str(p) for p in attach if p),
        advice=rejection_advice(findings) if status == REJECTED else "",
        notes=tuple(line(f) for f in warnings) if read else (),
    )


def _verdict(result: ProcessResult) -> Verdict:
    return _from_findings(
        result.file,
        result.status,
        result.agency,
        result.year,
        list(result.findings),
        result.outputs,
    )


def recorded_verdict(record: Record) -> Verdict:
    """The verdict of an attachment already processed and entered in the ledger (a crash came
    before its verdict was stored): rebuilt from its result.json, not processed again."""
    data: dict[str, Any] = {}
    if record.result_path and record.result_path.exists():
        data = json.loads(record.result_path.read_text("utf-8"))
    findings = [Finding.from_json(f) for f in data.get("findings", [])]
    return _from_findings(
        record.file_name, record.status, record.agency, record.year, findings, record.outputs
    )


class _OtherAgency(Exception):
    """Raised by the admission check: the workbook is another agency's (nothing written)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.file)
        self.verdict = verdict


def _admit_for(name: str, allowed: list[str]) -> Callable[[Submission], None]:
    """The check that the workbook is made out for an agency the sender may submit for."""
    keys = {agency_key(a) for a in allowed}

    def admit(sub: Submission) -> None:
        if not sub.agency or agency_key(sub.agency) in keys:
            return
        raise _OtherAgency(
            Verdict(
                file=name,
                status="wrong_agency",
                agency=sub.agency,
                year=sub.year,
                messages=(
                    f"这是“{sub.agency}”的报告，而您的邮箱只登记为“{'、'.join(allowed)}”的报送邮箱。"
                    "如需代为报送，请联系公开办在名录中登记。",
                ),
            )
        )

    return admit


def process_attachment(
    config: Config,
    attachment: Attachment,
    position: int,
    *,
    key: str,
    received_at: datetime,
    sender: str,
    message_id: str | None,
    store: MailStore,
) -> tuple[Verdict, int | None]:
    """Archive one workbook attachment, process it, record it; (verdict, ledger row id)."""
    name = attachment.name
    if attachment.problem:
        log.warning("%s 发来的 %s 无法打开：%s", sender, name, attachment.problem)
        return Verdict(file=name, status="unopened", messages=(attachment.problem,)), None
    limit = config.mail.max_message_bytes
    if len(attachment.data) > limit:
        text = f"附件超过 {config.mail.max_message_mb:g} MB，请确认是否为公开办下发的工作簿。"
        return Verdict(file=name, status="too_big", messages=(text,)), None
    folder = mail_folder(config, key, received_at)
    path = _attachment_path(folder, position, name)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, attachment.data)
    allowed = [a.name for a in config.agencies_of(sender)]
    meta = {
        "display_name": name,
        "received_at": received_at,
        "sha256": attachment.sha256,
        # what the ledger row will hold, in result.json too: a rebuild finds who sent it
        "sequence": store.next_sequence(),
        "source": "mail",
        "sender": sender,
        "message_id": message_id,
    }
    hint = allowed[0] if len(allowed) == 1 else None  # whose a refused file is, if it says not
    try:
        result = process_file(
            path,
            config,
            history=history_lookup(config),
            agency_hint=hint,
            admit=_admit_for(name, allowed),
            **meta,  # type: ignore[arg-type]
        )
    except _OtherAgency as refused:
        log.warning("%s 发来的 %s 属于其他单位，未处理", sender, name)
        return refused.verdict, None
    except Exception as exc:  # a bug must not stop the mailbox: reject this file, go on
        log.exception("处理邮件附件出错：%s", name)
        result = reject_internal_error(path, config, exc, **meta)  # type: ignore[arg-type]
    row = store.record_submission(path, result, sender=sender, message_id=message_id)
    log.info("邮件附件 %s（%s）：%s", name, sender, result.status)
    return _verdict(result), row
