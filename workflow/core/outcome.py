"""What became of one file, and the one vocabulary of statuses everybody uses.

A file is `passed`, `failed` or `rejected` (unreadable); an agency that sent nothing for the
year is `missing`. The codes are the `--json` / result.json contract; `STATUS_LABELS` are the
words a clerk reads, in the terminal, the logs, the summary workbook and the mails alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from workflow import __version__
from workflow.core.findings import Finding, count_errors
from workflow.core.submission import Submission

__all__ = [
    "DONE",
    "FAILED",
    "MISSING",
    "PASSED",
    "REJECTED",
    "STATUS_LABELS",
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
        }


@dataclass(slots=True)
class ProcessResult(Outcome):
    """An outcome whose outputs have been written: what result.json holds."""

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
