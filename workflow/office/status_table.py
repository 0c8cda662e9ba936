"""`workflow status`: the 提交情况 sheet of the summary workbook, in the terminal or as JSON.

Same rows, same order (whoever must act first), same words and the same colours as the
workbook's first sheet, so that what the clerk reads on screen and on paper agree.
`status_records` is the machine form (`--json`), one record per agency.

Agency and file names are printed as `rich.text.Text`, never parsed as markup: an agency
called "[red]x" or "[link=…]" is shown as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workflow.core.outcome import FAILED, MISSING, PASSED, REJECTED
from workflow.office.states import (
    AgencyState,
    action_note,
    count_line,
    sort_states,
)
from workflow.office.summary_sheets import COLUMNS

__all__ = ["STATUS_STYLES", "render_status", "status_records", "status_table"]

STATUS_STYLES: dict[str, str] = {
    FAILED: "bold white on red",
    REJECTED: "bold white on dark_red",
    MISSING: "bold black on yellow",
    PASSED: "bold green",
}
"""The status cell, as in the workbook: red must be sent back, amber chased, green is done."""
_ROW_STYLES = {FAILED: "red", REJECTED: "red", MISSING: "yellow", PASSED: ""}
_OUTSIDER_STYLE = "bold yellow"


def status_records(states: Sequence[AgencyState]) -> list[dict[str, Any]]:
    """JSON-ready records, in display order: agency, status, registered, received_at (ISO 8601
    or null), error_count, warning_count, files (latest first), reason (why the latest file was
    refused, for status "rejected"; else null)."""
    return [
        {
            "agency": s.agency,
            "status": s.status,
            "registered": s.registered,
            "received_at": s.received_at.isoformat() if s.received_at else None,
            "error_count": s.error_count,
            "warning_count": s.warning_count,
            "files": list(s.files),
            "reason": s.reason or None,
        }
        for s in sort_states(states)
    ]


def status_table(states: Sequence[AgencyState], year: int) -> Table:
    """The table `render_status` prints: the columns of the workbook's 提交情况 sheet."""
    ordered = sort_states(states)
    table = Table(
        title=f"{year}年政府信息公开工作年度报告提交情况",
        caption=count_line(ordered),
        caption_justify="left",
        show_lines=True,
    )
    for header in COLUMNS:
        numeric = header in ("序号", "错误数", "提示数")
        table.add_column(
            header,
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=header in ("序号", "状态", "最近提交时间"),
        )
    for index, state in enumerate(ordered, 1):
        sent = state.status != MISSING
        when = f"{state.received_at:%Y-%m-%d %H:%M}" if state.received_at else ""
        name_style = "" if state.registered else _OUTSIDER_STYLE
        table.add_row(
            str(index),
            Text(state.agency, style=name_style),
            Text(state.label, style=STATUS_STYLES[state.status]),
            when,
            str(state.error_count) if sent else "",
            str(state.warning_count) if sent else "",
            Text("\n".join(state.files)),
            Text(action_note(state), style=_OUTSIDER_STYLE if not state.registered else ""),
            style=_ROW_STYLES[state.status],
        )
    return table


def render_status(states: Sequence[AgencyState], year: int, console: Console | None = None) -> None:
    """Print the status table of `year` to `console` (default: a new stdout console)."""
    (console or Console()).print(status_table(states, year))
