"""The office's view of a year, from the ledger: who submitted, who passed, what to refresh.

The ledger (shared by `process`, `watch` and `import-history`) is the single record of what was
received; this module turns it into what the summary workbook and the status table need (and
`history` into what the cross-year checks need); nothing else reads the ledger for them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.names import agency_key, readable_name
from workflow.core.outcome import DONE, PASSED, REJECTED, ProcessResult
from workflow.office.ledger import Record
from workflow.office.rebuild import open_repaired, read_ledger
from workflow.office.states import AgencyState, states_for_year
from workflow.office.summary import write_summary

__all__ = [
    "known_years",
    "record_processed",
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


def year_states(config: Config, year: int) -> list[AgencyState]:
    """Every registered agency and every submitter of `year`, in the order that needs action."""
    submitted: list[AgencyState] = []
    with read_ledger(config) as ledger:
        if ledger is not None:
            by_agency: dict[str, list[Record]] = defaultdict(list)
            for row in ledger.year_rows(year):
                if row.agency:
                    by_agency[agency_key(row.agency)].append(row)
            for group in by_agency.values():
                group.sort(key=lambda r: (r.received_at, r.id), reverse=True)
                passed = next((r for r in group if r.status == PASSED), None)
                # year_rows leaves values out; only this one row's are needed
                full = ledger.get(passed.id) if passed else None
                submitted.append(_state(group[0], full, [r.file_name for r in group]))
    return states_for_year(config.agencies, submitted)


def record_processed(config: Config, source: Path, result: ProcessResult) -> None:
    """Enter a file processed where it lies (`process`, `import-history`) into the ledger."""
    with open_repaired(config) as ledger:
        ledger.record_processed(
            result.sha256,
            readable_name(source.name),
            result.received_at or datetime.now().astimezone(),
            Path(readable_name(str(source.resolve()))),
            result,
        )


def known_years(config: Config) -> list[int]:
    """The report years the ledger has processed submissions for, newest first."""
    with read_ledger(config) as ledger:
        if ledger is None:
            return []
        return sorted(
            {r.year for r in ledger.records() if r.year and r.status in DONE}, reverse=True
        )


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
