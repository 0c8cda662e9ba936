"""A raw message -> what a pass needs: who sent it, its ids, its workbook attachments.

Parsed with the compat32 policy (raw header text, see `filenames`). Attachments are found at
any depth, including inside a forwarded message (message/rfc822). A workbook is a part whose
name ends in .xlsx / .xlsm / .xls / .et / .ods (the pipeline rejects the kinds it cannot read,
with a Chinese reason), or an unnamed spreadsheet part.
"""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from workflow.intake.mail.filenames import RAW_POLICY, attachment_name, decode_text

__all__ = ["WORKBOOK_SUFFIXES", "Attachment", "ParsedMail", "normalize_id", "parse_message"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")
_SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class ParsedMail:
    raw: bytes
    message: Message
    message_id: str | None
    sender: str  # lower-case address of From ("" when there is none)
    sender_name: str
    subject: str
    date: datetime | None
    references: list[str]
    workbooks: list[Attachment] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """What identifies this mail across UIDVALIDITY changes: its Message-ID, or the hash of
        its bytes when it has none."""
        return self.message_id or "sha256:" + hashlib.sha256(self.raw).hexdigest()

    def header(self, name: str) -> str:
        return decode_text(self.message.get(name, "") or "").strip()


def normalize_id(value: str | None) -> str | None:
    """`<id@host>` with the brackets, whitespace removed; None for nothing usable."""
    if not value:
        return None
    text = "".join(str(value).split())
    if not text:
        return None
    if not text.startswith("<"):
        text = "<" + text
    if not text.endswith(">"):
        text += ">"
    return text if len(text) > 2 else None


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = []
    for chunk in str(value).replace(">", "> ").split():
        normal = normalize_id(chunk)
        if normal and "@" in normal:
            found.append(normal)
    return found


def _sender(message: Message) -> tuple[str, str]:
    raw = message.get("From", "") or ""
    pairs = getaddresses([decode_text(str(raw))])
    for name, address in pairs:
        if "@" in address:
            return address.strip().lower(), name.strip()
    return "", ""


def _date(message: Message) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None


def _is_attachment(part: Message) -> bool:
    if part.is_multipart() or part.get_content_maintype() == "message":
        return False
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or attachment_name(part) is not None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what the part literally holds
        data = None
    if isinstance(data, bytes):
        return data
    body = part.get_payload()
    return body.encode("ascii", "surrogateescape") if isinstance(body, str) else b""


def parse_message(raw: bytes) -> ParsedMail:
    """Parse `raw`; never raises for a malformed message (what cannot be read is left out)."""
    message = email.message_from_bytes(raw, policy=RAW_POLICY)
    sender, name = _sender(message)
    mail = ParsedMail(
        raw=raw,
        message=message,
        message_id=normalize_id(str(message.get("Message-ID", "") or "")),
        sender=sender,
        sender_name=decode_text(name),
        subject=decode_text(str(message.get("Subject", "") or "")).strip(),
        date=_date(message),
        references=_ids(message.get("References")) + _ids(message.get("In-Reply-To")),
    )
    for part in message.walk():
        if not _is_attachment(part):
            continue
        filename = attachment_name(part)
        ctype = part.get_content_type()
        if filename is None and ctype in _SPREADSHEET_TYPES:
            filename = "附件" + _SPREADSHEET_TYPES[ctype]
        if filename is None:
            continue
        if filename.lower().endswith(WORKBOOK_SUFFIXES):
            mail.workbooks.append(Attachment(filename, _payload(part)))
        else:
            mail.other_files.append(filename)
    return mail


def message_ids_in(message: Message) -> list[str]:
    """Every Message-ID a message quotes: its own references and those of parts it carries
    (a bounce carries the headers of the mail that bounced)."""
    found = _ids(message.get("In-Reply-To")) + _ids(message.get("References"))
    for part in message.walk():
        if part is message:
            continue
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822-headers"):
            inner = email.message_from_bytes(_payload(part), policy=RAW_POLICY)
            found += _ids(inner.get("Message-ID"))
        elif part.get("Message-ID") and part.get_content_type() != "message/rfc822":
            found += _ids(part.get("Message-ID"))
    return list(dict.fromkeys(found))
