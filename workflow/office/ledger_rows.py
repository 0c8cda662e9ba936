"""A ledger row as Python sees it (`Record`), and how its times and values are stored."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = ["Record", "iso", "json_value", "now_iso"]


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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        data = dict(row)
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
