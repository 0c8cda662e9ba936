"""The office's view of a year, from the ledger: who submitted, who passed, last year's figures.

The ledger (shared by `process`, `watch` and `import-history`) is the single record of what was
received; this module turns it into what the summary workbook, the status table and the
cross-year checks need, and nothing else reads the ledger for them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import PreviousReport
from .config import Config
from .ledger import DONE, Ledger, Record
from .names import agency_key
from .summary import AgencyState, states_for_year, write_summary

if TYPE_CHECKING:
    from .pipeline import ProcessResult

__all__ = [
    "LEDGER_NAME",
    "known_years",
    "ledger_path",
    "open_ledger",
    "previous_report",
    "record_processed",
    "refresh_summary",
    "year_states",
]

LEDGER_NAME = "ledger.sqlite3"
log = logging.getLogger(__name__)


def ledger_path(config: Config) -> Path:
    return config.state / LEDGER_NAME


def open_ledger(config: Config) -> Ledger:
    return Ledger(ledger_path(config))


def previous_report(config: Config, agency: str, year: int | None) -> PreviousReport | None:
    """The accepted report of `agency` for the year before `year`, if the ledger knows one."""
    path = ledger_path(config)
    if not agency or not year or not path.exists():
        return None
    try:
        with Ledger(path, readonly=True) as ledger:
            record = ledger.accepted(agency, year - 1)
    except sqlite3.Error as exc:  # a damaged or busy ledger must not stop a file being checked
        log.warning("无法读取台账中的上年报告（跳过跨年度检查）：%s", exc)
        return None
    if record is None or record.values is None:
        return None
    return PreviousReport(values=record.values, source=record.file_name, year=year - 1)


def _state(latest: Record, passed: Record | None, files: list[str]) -> AgencyState:
    return AgencyState(
        agency=latest.agency or "",
        status=latest.status,
        registered=False,
        received_at=latest.received_at,
        error_count=latest.error_count or 0,
        warning_count=latest.warning_count or 0,
        files=tuple(files),
        passed_values=passed.values if passed else None,
    )


def year_states(config: Config, year: int) -> list[AgencyState]:
    """Every registered agency and every submitter of `year`, in the order that needs action."""
    path = ledger_path(config)
    submitted: list[AgencyState] = []
    if path.exists():
        with Ledger(path, readonly=True) as ledger:
            by_agency: dict[str, list[Record]] = defaultdict(list)
            for row in ledger.year_rows(year):
                if row.agency:
                    by_agency[agency_key(row.agency)].append(row)
            for group in by_agency.values():
                group.sort(key=lambda r: (r.received_at, r.id), reverse=True)
                passed = next((r for r in group if r.status == "passed"), None)
                # year_rows leaves values out; only this one row's are needed
                full = ledger.get(passed.id) if passed else None
                submitted.append(_state(group[0], full, [r.file_name for r in group]))
    return states_for_year(config.agencies, submitted)


def record_processed(config: Config, source: Path, result: ProcessResult) -> None:
    """Enter a file processed where it lies (`process`, `import-history`) into the ledger."""
    with open_ledger(config) as ledger:
        ledger.record_processed(
            result.sha256,
            source.name,
            result.received_at or datetime.now().astimezone(),
            source.resolve(),
            result,
        )


def known_years(config: Config) -> list[int]:
    """The report years the ledger has processed submissions for, newest first."""
    path = ledger_path(config)
    if not path.exists():
        return []
    with Ledger(path, readonly=True) as ledger:
        return sorted(
            {r.year for r in ledger.records() if r.year and r.status in DONE}, reverse=True
        )


def refresh_summary(config: Config, year: int, outbox: Path | None = None) -> Path:
    """Write the year's summary workbook into <outbox>/<year>/ and return its path."""
    from .mail.view import mail_overview, write_mail_sheet

    folder = (outbox or config.outbox) / str(year)
    overview = mail_overview(config)
    extra = [lambda wb: write_mail_sheet(wb, overview)] if overview else []
    return write_summary(folder, year, year_states(config, year), extra_sheets=extra)
