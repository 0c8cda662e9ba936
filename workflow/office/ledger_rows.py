"""The table of the ledger (`SCHEMA`), a row as Python sees it (`Record`), how its times and
values are stored, and how a new ledger file comes into being (whole, never half-made).

`COLUMNS` is the one list of columns every reader selects: a reader never builds its column
list from the live database, so a ledger replaced under it (emptied, overwritten, an older
schema) fails as "no such table/column", which `Ledger` reports as damage, and is never
turned into a malformed query.

`seq` is the order in which submissions were claimed (`ledger_meta.sequence` hands it out;
archive names and result.json carry it, so a rebuild restores it): "latest" always means the
highest `seq`, never the wall clock, which may jump. `agency_key` is `names.agency_key(agency)`,
written with each row so that "this agency's rows" is an indexed lookup.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "COLUMNS",
    "INDEXES",
    "SCHEMA",
    "SELECT",
    "Record",
    "create_ledger",
    "emptied",
    "iso",
    "json_value",
    "now_iso",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    received_at   TEXT NOT NULL,               -- ISO 8601 with offset
    claimed_path  TEXT NOT NULL,               -- the file in state/work/ while processed
    status        TEXT NOT NULL DEFAULT 'claimed'
                  CHECK (status IN ('claimed','passed','failed','rejected','duplicate')),
    agency        TEXT,
    year          INTEGER,
    outputs       TEXT,                        -- JSON: {"report": path, "errors": path, ...}
    result_path   TEXT,
    error_count   INTEGER,
    warning_count INTEGER,
    report_values TEXT,                        -- JSON values by key, of passed and failed reports
    attempts      INTEGER NOT NULL DEFAULT 0,  -- processing starts: stops a crash loop
    duplicate_of  INTEGER REFERENCES submissions(id),
    archived_path TEXT,
    archived_at   TEXT,
    finished_at   TEXT,
    attributed_by TEXT,                        -- rejected: how agency/year were attributed
    reason        TEXT,                        -- rejected: why, in a few words
    sender        TEXT,                        -- by mail: the sender (mail_ledger)
    message_id    TEXT,                        -- by mail: the Message-ID
    seq           INTEGER,                     -- claim order (ledger_meta.sequence)
    agency_key    TEXT,                        -- names.agency_key(agency)
    source        TEXT                         -- inbox | mail | process | import-history
);
CREATE TABLE IF NOT EXISTS ledger_meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_sha256 ON submissions(sha256);
CREATE INDEX IF NOT EXISTS submissions_agency_year ON submissions(agency, year);
CREATE INDEX IF NOT EXISTS submissions_status ON submissions(status);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS submissions_key_year ON submissions(agency_key, year, seq);
CREATE INDEX IF NOT EXISTS submissions_year_seq ON submissions(year, seq);
CREATE INDEX IF NOT EXISTS submissions_claimed_path ON submissions(claimed_path);
"""
"""Indexes on the columns added after the first release (made once those columns exist)."""

COLUMNS: tuple[str, ...] = (
    "id",
    "sha256",
    "file_name",
    "received_at",
    "claimed_path",
    "status",
    "agency",
    "year",
    "outputs",
    "result_path",
    "error_count",
    "warning_count",
    "report_values",
    "attempts",
    "duplicate_of",
    "archived_path",
    "archived_at",
    "finished_at",
    "attributed_by",
    "reason",
    "sender",
    "message_id",
    "seq",
    "agency_key",
    "source",
)
"""Every column a `Record` holds, in the order of the table."""

SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM submissions"
"""The one query prefix every reader uses (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One row, with its JSON columns parsed."""

    id: int
    sha256: str
    file_name: str
    received_at: datetime
    claimed_path: Path
    status: str
    agency: str | None
    year: int | None
    outputs: dict[str, Any]
    result_path: Path | None
    error_count: int | None
    warning_count: int | None
    values: dict[str, Any] | None
    attempts: int
    duplicate_of: int | None
    archived_path: Path | None
    archived_at: datetime | None
    finished_at: datetime | None
    attributed_by: str | None = None
    reason: str | None = None
    sender: str | None = None
    message_id: str | None = None
    seq: int | None = None
    agency_key: str | None = None
    source: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        data = {name: row[name] for name in COLUMNS}
        for key in ("claimed_path", "result_path", "archived_path"):
            data[key] = Path(data[key]) if data[key] else None
        for key in ("received_at", "archived_at", "finished_at"):
            data[key] = datetime.fromisoformat(data[key]) if data[key] else None
        data["outputs"] = json.loads(data["outputs"] or "{}")
        values = data.pop("report_values")
        # Fees go in as JSON numbers and come back as exact Decimals.
        data["values"] = json.loads(values, parse_float=Decimal) if values else None
        return cls(**data)


def iso(when: datetime) -> str:
    """Fixed width, so that text order is time order."""
    return when.isoformat(timespec="microseconds")


def now_iso() -> str:
    return iso(datetime.now().astimezone())


def json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emptied(path: Path) -> bool:
    """A ledger file of 0 bytes with no WAL beside it: emptied, since we never leave one so."""
    try:
        if path.stat().st_size:
            return False
    except FileNotFoundError:
        return False
    wal = path.with_name(path.name + "-wal")
    return not wal.exists() or wal.stat().st_size == 0


def create_ledger(path: Path) -> None:
    """A new, empty ledger at `path`, appearing there whole (made beside it, then linked in):
    so a ledger of 0 bytes is never one being created, only one that was emptied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            for statement in (SCHEMA + INDEXES).split(";"):
                if statement.strip():
                    db.execute(statement)
        finally:
            db.close()
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process was quicker: use its ledger
            pass
        except OSError:  # a file system without hard links (FAT): a rename, if still free
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
