"""A raw message -> what a pass needs: who sent it, its ids, its workbook attachments.

Parsed with the compat32 policy (raw header text, see `filenames`). Attachments are found at
any depth, including inside a forwarded message (message/rfc822). A workbook is a part whose
name ends in .xlsx / .xlsm / .xls / .et / .ods (the pipeline rejects the kinds it cannot read,
with a Chinese reason), or an unnamed spreadsheet part. A .zip or a winmail.dat is opened
(`unpack`): its workbooks count as attachments, a container that cannot be opened is an
attachment with its `problem`, its other files are named in `other_files`.

The same workbook attached twice (or attached and zipped) is one attachment: workbooks are
distinct by their sha256, so that one reply carries one verdict per workbook. Images embedded
in the body (inline, with a Content-ID: signatures, logos) are not "other files".
"""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

from workflow.core.message_id import normalize_id
from workflow.intake.mail.filenames import RAW_POLICY, attachment_name, decode_text
from workflow.intake.mail.unpack import is_tnef, unpack

__all__ = [
    "WORKBOOK_SUFFIXES",
    "Attachment",
    "ParsedMail",
    "is_workbook_name",
    "normalize_id",
    "parse_message",
    "references_of",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")
_SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}


DEFAULT_UNPACK_LIMIT = 30 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Attachment:
    """A workbook to process; or, with a `problem`, a container that could not be opened (its
    verdict gives the problem, nothing is processed)."""

    name: str
    data: bytes
    problem: str = ""

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


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = []
    for chunk in str(value).replace(">", "> ").split():
        normal = normalize_id(chunk)
        if normal and "@" in normal:
            found.append(normal)
    return found


def _references(message: Message) -> list[str]:
    return _ids(message.get("References")) + _ids(message.get("In-Reply-To"))


def references_of(raw: bytes) -> list[str]:
    """The Message-IDs `raw` refers to (References, then In-Reply-To), from its headers alone:
    a reply's threading needs no second walk through the attachments (`parse_message`)."""
    return _references(BytesHeaderParser(policy=RAW_POLICY).parsebytes(raw))


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


def _disposition(part: Message) -> str:
    """The part's Content-Disposition without its parameters, lower case ("" when none)."""
    return (part.get("Content-Disposition") or "").split(";")[0].strip().lower()


def _is_attachment(part: Message) -> bool:
    if part.is_multipart() or part.get_content_maintype() == "message":
        return False
    return _disposition(part) == "attachment" or attachment_name(part) is not None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what the part literally holds
        data = None
    if isinstance(data, bytes):
        return data
    body = part.get_payload()
    return body.encode("ascii", "surrogateescape") if isinstance(body, str) else b""


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def _embedded(part: Message) -> bool:
    return _disposition(part) == "inline" and bool(part.get("Content-ID"))


def _add_container(mail: ParsedMail, name: str, ctype: str, data: bytes, limit: int) -> bool:
    """Open `name` if it is a container; False when it is none."""
    packed = unpack(name, ctype, data, limit=limit, is_workbook=is_workbook_name)
    if packed is None:
        return False
    if packed.problem:
        mail.workbooks.append(Attachment(name, data, problem=packed.problem))
        return True
    mail.workbooks += [Attachment(inner, body) for inner, body in packed.workbooks]
    if packed.others:
        mail.other_files += [f"{name} 中的 {inner}" for inner in packed.others]
    elif not packed.workbooks:
        mail.other_files.append(f"{name}（其中没有文件）")
    return True


def _distinct(workbooks: list[Attachment]) -> list[Attachment]:
    seen: set[str] = set()
    kept = []
    for a in workbooks:
        key = a.sha256 if not a.problem else f"{a.name}\0{a.problem}"
        if key not in seen:
            seen.add(key)
            kept.append(a)
    return kept


def parse_message(raw: bytes, *, unpack_limit: int = DEFAULT_UNPACK_LIMIT) -> ParsedMail:
    """Parse `raw`; never raises for a malformed message (what cannot be read is left out).
    `unpack_limit`: the most bytes a .zip may unpack to (`[mail] max_message_mb`)."""
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
        references=_references(message),
    )
    for part in message.walk():
        if not _is_attachment(part):
            continue
        filename = attachment_name(part)
        ctype = part.get_content_type()
        if filename is None and ctype in _SPREADSHEET_TYPES:
            filename = "附件" + _SPREADSHEET_TYPES[ctype]
        if filename is None and is_tnef("", ctype):
            filename = "winmail.dat"
        if filename is None:
            continue
        if is_workbook_name(filename):
            mail.workbooks.append(Attachment(filename, _payload(part)))
        elif _add_container(mail, filename, ctype, _payload(part), unpack_limit):
            continue
        elif not _embedded(part):
            mail.other_files.append(filename)
    mail.workbooks = _distinct(mail.workbooks)
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
