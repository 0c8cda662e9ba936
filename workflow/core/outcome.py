"""What became of one file, and the one vocabulary of statuses everybody uses.

A file is `passed`, `failed` or `rejected` (unreadable); an agency that sent nothing for the
year is `missing`. The codes are the `--json` / result.json contract; `STATUS_LABELS` are the
words a clerk reads, in the terminal, the logs, the summary workbook and the mails alike.

A rejected file has no agency of its own (nothing in it could be read), but somebody sent it:
its `Attribution` says whom it most likely belongs to and how that was found, so that the
office sees that agency as 退回 rather than 未提交. `agency` and `year` stay what the file
itself says; `owner_agency` / `owner_year` are "what it says, else whom it was attributed to".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from workflow import __version__
from workflow.core.findings import RULES, Finding, count_errors
from workflow.core.submission import Submission

__all__ = [
    "ATTRIBUTED_BY",
    "DONE",
    "FAILED",
    "MISSING",
    "PASSED",
    "REJECTED",
    "STATUS_LABELS",
    "Attribution",
    "Outcome",
    "ProcessResult",
]

PASSED, FAILED, REJECTED, MISSING = "passed", "failed", "rejected", "missing"
DONE: tuple[str, ...] = (PASSED, FAILED, REJECTED)
"""The statuses of a file that was judged."""
STATUS_LABELS: Mapping[str, str] = {
    PASSED: "已通过",
    FAILED: "未通过",
    REJECTED: "退回",
    MISSING: "未提交",
}


ATTRIBUTED_BY: Mapping[str, str] = {
    "marks": "工作簿标记",
    "mail": "发件人",
    "file_name": "文件名",
}
"""How a rejected file was attributed (the `attributed_by` codes) -> the words a clerk reads."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """Whom a file that could not be read most likely belongs to, and how that was found."""

    agency: str
    year: int | None
    by: str
    """A key of `ATTRIBUTED_BY`."""

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Attribution | None:
        """Back from a result record (crash recovery reads result.json)."""
        agency, by = record.get("attributed_agency"), record.get("attributed_by")
        if not agency or by not in ATTRIBUTED_BY:
            return None
        year = record.get("attributed_year")
        return cls(str(agency), year if isinstance(year, int) else None, str(by))


@dataclass(slots=True)
class Outcome:
    """What reading and checking one file found.

    `converted_from` names the format ("xls", "et", "ods") a file was converted from before
    it was read; `attribution` is set for a rejected file whose owner could be guessed.
    """

    file: str
    status: str
    findings: list[Finding]
    submission: Submission | None = None
    attribution: Attribution | None = None
    converted_from: str | None = None

    @property
    def agency(self) -> str | None:
        return self.submission.agency or None if self.submission else None

    @property
    def year(self) -> int | None:
        return self.submission.year if self.submission else None

    @property
    def owner_agency(self) -> str | None:
        """The agency the file names, else the one it was attributed to."""
        return self.agency or (self.attribution.agency if self.attribution else None)

    @property
    def owner_year(self) -> int | None:
        """The year the file names, else the one it was attributed to."""
        return self.year or (self.attribution.year if self.attribution else None)

    @property
    def reason(self) -> str:
        """Why a rejected file was refused, in a few words ('' for a file that was read)."""
        if self.status != REJECTED:
            return ""
        first = next((f for f in self.findings if f.is_error), None)
        return RULES[first.rule].title if first and first.rule in RULES else ""

    @property
    def label(self) -> str:
        """The status as the clerk reads it."""
        return STATUS_LABELS[self.status]

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
            "attributed_agency": self.attribution.agency if self.attribution else None,
            "attributed_year": self.attribution.year if self.attribution else None,
            "attributed_by": self.attribution.by if self.attribution else None,
            "converted_from": self.converted_from,
        }


@dataclass(slots=True)
class ProcessResult(Outcome):
    """An outcome whose outputs have been written: what result.json holds.

    Besides the verdict, result.json carries what the office's ledger needs to enter the row
    again from files alone (`office.rebuild`): `sequence` (the claim order, shared with the
    archive name), `source` (inbox | mail | process | import-history) and, for mail, `sender`
    and `message_id`."""

    outputs: dict[str, str | None] = field(default_factory=dict)
    result_path: Path | None = None
    sha256: str = ""
    received_at: datetime | None = None
    sequence: int | None = None
    source: str | None = None
    sender: str | None = None
    message_id: str | None = None

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
        record["sequence"] = self.sequence
        record["source"] = self.source
        record["sender"] = self.sender
        record["message_id"] = self.message_id
        return record


def _jsonable(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value
