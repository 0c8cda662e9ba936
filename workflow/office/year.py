"""The office's view of a year, from the ledger: who submitted, who passed, what to refresh.

The ledger (shared by `process`, `watch` and `import-history`) is the single record of what was
received; this module turns it into what the summary workbook and the status table need (and
`history` into what the cross-year checks need); nothing else reads the ledger for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from workflow.config import Config
from workflow.core.names import agency_key
from workflow.core.outcome import PASSED, REJECTED
from workflow.office.ledger import Ledger, LedgerDamaged, Record
from workflow.office.rebuild import open_repaired, read_ledger
from workflow.office.states import AgencyState, states_for_year
from workflow.office.summary import write_summary

T = TypeVar("T")

__all__ = [
    "known_years",
    "refresh_summary",
    "year_states",
]


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
        reason=latest.reason or "" if latest.status == REJECTED else "",
    )


def _reading(config: Config, read: Callable[[Ledger], T], empty: T) -> T:
    """`read(ledger)` on the office's ledger (`empty` when there is none). A ledger replaced
    under the reader (it stops being a ledger mid-read) is repaired as any damaged ledger
    and read once more: the view answers, it never shows a traceback."""
    for attempt in (1, 2):
        try:
            with read_ledger(config) as ledger:
                return empty if ledger is None else read(ledger)
        except LedgerDamaged:
            if attempt == 2:
                raise
            open_repaired(config).close()
    raise AssertionError("unreachable")


def year_states(config: Config, year: int) -> list[AgencyState]:
    """Every registered agency and every submitter of `year`, in the order that needs action."""

    def read(ledger: Ledger) -> list[AgencyState]:
        by_agency: dict[str, list[Record]] = defaultdict(list)
        for row in ledger.year_rows(year):
            if row.agency:
                by_agency[row.agency_key or agency_key(row.agency)].append(row)
        submitted = []
        for group in by_agency.values():
            group.sort(key=lambda r: (r.seq or 0, r.id), reverse=True)  # claimed last first
            passed = next((r for r in group if r.status == PASSED), None)
            # year_rows leaves values out; only this one row's are needed
            full = ledger.get(passed.id) if passed else None
            submitted.append(_state(group[0], full, [r.file_name for r in group]))
        return submitted

    return states_for_year(config.agencies, _reading(config, read, []))


def known_years(config: Config) -> list[int]:
    """The report years the ledger has processed submissions for, newest first."""
    return _reading(config, lambda ledger: ledger.years(), [])


def refresh_summary(config: Config, year: int, outbox: Path | None = None) -> Path:
    """Write the year's summary workbook into <outbox>/<year>/ and return its path."""
    from workflow.office.inbox_notes import read_unreadable, write_unreadable_sheet
    from workflow.office.mail_view import mail_overview, write_mail_sheet

    folder = (outbox or config.outbox) / str(year)
    states = year_states(config, year)  # first: it mends a damaged ledger (rebuild.py)
    overview = mail_overview(config)
    extra = [lambda wb: write_mail_sheet(wb, overview)] if overview else []
    if unreadable := read_unreadable(config.state):
        extra.append(lambda wb: write_unreadable_sheet(wb, unreadable))
    return write_summary(folder, year, states, extra_sheets=extra)
