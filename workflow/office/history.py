"""Last year's report of an agency, from the ledger, for the cross-year checks.

The per-file flow is handed `history_lookup(config)` by its caller; it never opens the ledger.
"""

from __future__ import annotations

import logging
import sqlite3

from workflow.checks import PreviousReport
from workflow.config import Config
from workflow.flow.pipeline import HistoryLookup
from workflow.office.ledger import Ledger, ledger_path

__all__ = ["history_lookup", "previous_report"]

log = logging.getLogger(__name__)


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


def history_lookup(config: Config) -> HistoryLookup:
    """`previous_report` bound to the office's ledger, for `check_file` / `process_file`."""

    def lookup(agency: str, year: int | None) -> PreviousReport | None:
        return previous_report(config, agency, year)

    return lookup
