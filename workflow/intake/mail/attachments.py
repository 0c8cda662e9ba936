"""A mail's contents into the office's flow: the raw .eml into the archive, each workbook
attachment through the same `pipeline.process_file` as an inbox file, a `Verdict` out.

Everything a mail brought is archived first, under archive/mail/<year>/<received>-<id>/: the
message as it came (`message.eml`) and each workbook attachment under its decoded name. The
attachment is processed where it lies in the archive and entered into the ledger with the
sender and the Message-ID, exactly as `workflow process` enters a file.

A registered address may submit only for its own agencies: a workbook made out for another
agency is not processed (it would replace that agency's result); the reply says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.atomic import atomic_write_bytes
from workflow.core.findings import Finding, Severity, rejection_advice
from workflow.core.names import agency_key, safe_name
from workflow.core.outcome import REJECTED, ProcessResult
from workflow.flow.pipeline import check_file, process_file, reject_internal_error
from workflow.intake.mail.message import Attachment
from workflow.office.history import history_lookup
from workflow.office.ledger import Record
from workflow.office.mail_ledger import MailStore, Verdict

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


def _verdict(result: ProcessResult) -> Verdict:
    errors = tuple(f.message for f in result.findings if f.severity == Severity.ERROR)
    warnings = len(result.findings) - len(errors)
    outputs = result.outputs
    if result.status == "passed":
        attach = [outputs.get("report"), outputs.get("pdf")]
    else:
        attach = [outputs.get("errors")]
    return Verdict(
        file=result.file, status=result.status, agency=result.agency, year=result.year,
        messages=errors, warnings=warnings, attach=tuple(str(p) for p in attach if p),
        advice=rejection_advice(result.findings) if result.status == REJECTED else "",
    )  # fmt: skip


def recorded_verdict(record: Record) -> Verdict:
    """The verdict of an attachment already processed and entered in the ledger (a crash came
    before its verdict was stored): rebuilt from its result.json, not processed again."""
    data: dict[str, Any] = {}
    if record.result_path and record.result_path.exists():
        data = json.loads(record.result_path.read_text("utf-8"))
    findings = data.get("findings", [])
    errors = tuple(f["message"] for f in findings if f.get("severity") == Severity.ERROR)
    outputs = record.outputs
    keys = ("report", "pdf") if record.status == "passed" else ("errors",)
    refused = [Finding(f["rule"], Severity(f["severity"]), f["message"]) for f in findings]
    return Verdict(
        file=record.file_name, status=record.status, agency=record.agency, year=record.year,
        messages=errors, warnings=len(findings) - len(errors),
        attach=tuple(str(outputs[k]) for k in keys if outputs.get(k)),
        advice=rejection_advice(refused) if record.status == REJECTED else "",
    )  # fmt: skip


def _refuse_other_agency(
    path: Path, name: str, config: Config, allowed: list[str]
) -> Verdict | None:
    """A `wrong_agency` verdict when the workbook is made out for an agency the sender may
    not submit for; None when it may go on (or cannot be read: the pipeline rejects it).
    Read through `check_file`, so an .xls / .et / .ods is judged after its conversion too."""
    sub = check_file(path, config, display_name=name).submission
    if sub is None or not sub.agency or agency_key(sub.agency) in {agency_key(a) for a in allowed}:
        return None
    return Verdict(
        file=name, status="wrong_agency", agency=sub.agency, year=sub.year,
        messages=(
            f"这是“{sub.agency}”的报告，而您的邮箱只登记为“{'、'.join(allowed)}”的报送邮箱。"
            "如需代为报送，请联系公开办在名录中登记。",
        ),
    )  # fmt: skip


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
    refused = _refuse_other_agency(path, name, config, allowed)
    if refused is not None:
        log.warning("%s 发来的 %s 属于其他单位，未处理", sender, name)
        return refused, None
    meta = {"display_name": name, "received_at": received_at, "sha256": attachment.sha256}
    hint = allowed[0] if len(allowed) == 1 else None  # whose a refused file is, if it says not
    try:
        result = process_file(
            path,
            config,
            history=history_lookup(config),
            agency_hint=hint,
            **meta,  # type: ignore[arg-type]
        )
    except Exception as exc:  # a bug must not stop the mailbox: reject this file, go on
        log.exception("处理邮件附件出错：%s", name)
        result = reject_internal_error(path, config, exc, **meta)  # type: ignore[arg-type]
    row = store.record_submission(path, result, sender=sender, message_id=message_id)
    log.info("邮件附件 %s（%s）：%s", name, sender, result.status)
    return _verdict(result), row
