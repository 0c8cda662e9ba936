"""What the office's folders hold about every submission, found again for a ledger rebuild.

The ledger is an index; the folders are the truth. Every judged file left:

- its original in the archive, named `<stamp>-n<seq>-<name>` (`core.archive_names`):
  `<year>/<agency>/`, `rejected/`, `duplicates/` (the inbox), `process/` (`workflow process`),
  `history/` (`import-history`), and `mail/<yyyy>/<stamp>-<id>/NN-<name>` beside the
  `message.eml` it came in (the mail intake);
- a result.json in the outbox: the latest one per agency and year, every rejection. It carries
  the sequence, the source, the sender and Message-ID and the attribution (`ProcessResult`).

`find_originals` lists the first, `find_results` indexes the second by content hash. A mailed
attachment counts as a submission only where the intake would have processed it: the sender
(the `From` of its message.eml) is registered for an agency, the attachment is within
`[mail] max_message_mb`, and the workbook names one of the sender's agencies (or cannot be
read); this is the rule of `intake.mail.attachments`, applied again to the same files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.archive_names import ARCHIVE_FOLDERS, STAMP, parse_archive_name
from workflow.core.atomic import TEMP_PREFIX
from workflow.core.digest import sha256_file
from workflow.core.message_id import normalize_id
from workflow.flow.outbox import RESULT_NAME

__all__ = ["EmlFacts", "Original", "eml_facts", "find_originals", "find_results"]

_INBOX_KINDS = ("rejected", "duplicates")
_SOURCES = {folder: source for source, folder in ARCHIVE_FOLDERS.items()}
"""The source of the files under each of `ARCHIVE_FOLDERS` (the rest came from the inbox)."""
_MAIL_STAMP = re.compile(r"^(\d{8}-\d{6})-")
_ATTACHMENT = re.compile(r"^\d{2}-(?:n(\d{6,})-)?(.+)$", re.DOTALL)
"""`NN-<name>`, or `NN-n<seq>-<name>` once the mail intake names attachments with their
claim sequence (then a superseded mailed file keeps its exact place on a rebuild)."""


@dataclass
class Original:
    """One archived original: where it lies, how it came in, and what its name says."""

    path: Path
    kind: str
    """accepted | rejected | duplicates (inbox), or the source: process | import-history | mail"""
    source: str
    sha256: str
    received_at: datetime
    seq: int | None
    name: str
    sender: str | None = None
    message_id: str | None = None


def _visible_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", TEMP_PREFIX))
    )


def find_originals(config: Config) -> list[Original]:
    """Every archived original, in no particular order."""
    archive = config.archive
    found: list[Original] = []
    for path in _visible_files(archive):
        top = path.relative_to(archive).parts[0]
        if top == "mail":
            continue
        parsed = parse_archive_name(path.name)
        if parsed is None:
            continue
        received, seq, name = parsed
        source = _SOURCES.get(top, "inbox")
        kind = top if top in _INBOX_KINDS else ("accepted" if source == "inbox" else source)
        found.append(Original(path, kind, source, sha256_file(path), received, seq, name))
    found.extend(_mailed(config))
    return found


@dataclass(frozen=True)
class EmlFacts:
    """What an archived `message.eml` and the name of its folder say of the mail."""

    received_at: datetime | None
    """From the folder's name `<stamp>-<id>` (`intake.mail.attachments`); None without one."""
    sender: str
    """The lower-case address of its From ("" when there is none)."""
    message_id: str | None
    """As the intake stores it (`core.message_id.normalize_id`): `<id@host>`."""
    subject: str


def eml_facts(eml: Path) -> EmlFacts:
    """The facts of the archived mail `eml`, from its headers (raises `OSError` when it cannot
    be read): the one reading of an .eml for a rebuild, of the submissions and of the mail
    tables (`office.mail_rebuild`) alike."""
    stamp = _MAIL_STAMP.match(eml.parent.name)
    try:
        received = datetime.strptime(stamp[1], STAMP).astimezone() if stamp else None
    except ValueError:
        received = None
    with open(eml, "rb") as fh:
        headers = BytesHeaderParser().parse(fh)
    return EmlFacts(
        received_at=received,
        sender=parseaddr(str(headers.get("From") or ""))[1].lower(),
        message_id=normalize_id(str(headers.get("Message-ID") or "")),
        subject=str(headers.get("Subject") or ""),
    )


def _mailed(config: Config) -> list[Original]:
    found = []
    for eml in sorted((config.archive / "mail").rglob("message.eml")):
        try:
            facts = eml_facts(eml)
        except (OSError, ValueError):
            continue
        received, sender = facts.received_at, facts.sender
        if received is None:
            continue
        if not sender or not config.agencies_of(sender):
            continue  # an unregistered sender's attachments were never processed
        for path in sorted(eml.parent.iterdir()):
            match = _ATTACHMENT.match(path.name)
            if match is None or not path.is_file():
                continue
            if path.stat().st_size > config.mail.max_message_bytes:
                continue  # refused unread as too big
            seq = int(match[1]) if match[1] else None
            found.append(
                Original(
                    path,
                    "mail",
                    "mail",
                    sha256_file(path),
                    received,
                    seq,
                    match[2],
                    sender,
                    facts.message_id,
                )
            )
    return found


def find_results(outbox: Path) -> dict[str, list[dict[str, Any]]]:
    """Every result.json of the outbox by the sha256 it names (each with its `_path`)."""
    by_sha: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(outbox.rglob(RESULT_NAME)) if outbox.is_dir() else []:
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("sha256"):
            record["_path"] = path
            by_sha.setdefault(str(record["sha256"]), []).append(record)
    return by_sha
