"""Last year's report of an agency, from the ledger, for the cross-year checks.

The per-file flow is handed `history_lookup(config)` by its caller; it never opens the ledger.
"""

from __future__ import annotations

import logging
import sqlite3

from workflow.checks import PreviousReport
from workflow.config import Config
from workflow.flow.pipeline import HistoryLookup
from workflow.office.ledger import Ledger, Record, ledger_path

__all__ = ["IMPORTED", "history_lookup", "previous_report"]

log = logging.getLogger(__name__)


IMPORTED = "imported"
"""Key of a ledger row's `outputs` that marks a report entered by `import-history`."""


def previous_report(config: Config, agency: str, year: int | None) -> PreviousReport | None:
    """The report of `agency` for the year before `year` that the cross-year checks compare
    with: the accepted one if there is one, else the latest imported or submitted one (history
    is what was published, mistakes and all). Its `basis` says which, for the messages."""
    path = ledger_path(config)
    if not agency or not year or not path.exists():
        return None
    try:
        with Ledger(path, readonly=True) as ledger:
            record = ledger.accepted(agency, year - 1) or ledger.latest_with_values(
                agency, year - 1
            )
    except sqlite3.Error as exc:  # a damaged or busy ledger must not stop a file being checked
        log.warning("无法读取台账中的上年报告（跳过跨年度检查）：%s", exc)
        return None
    if record is None or record.values is None:
        return None
    return PreviousReport(
        values=record.values, source=record.file_name, year=year - 1, basis=_basis(record)
    )


def _basis(record: Record) -> str:
    imported = bool(record.outputs.get(IMPORTED))
    if record.status == "passed":
        return "导入并通过校验的" if imported else "已通过校验的"
    if imported:
        return "导入的（该报告本身未通过今年的校验，按发布时的数字比较）"
    return "提交后未通过校验的（上年没有通过校验的报告）"


def history_lookup(config: Config) -> HistoryLookup:
    """`previous_report` bound to the office's ledger, for `check_file` / `process_file`."""

    def lookup(agency: str, year: int | None) -> PreviousReport | None:
        return previous_report(config, agency, year)

    return lookup
