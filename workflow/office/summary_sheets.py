"""The first sheet of the summary workbook, 提交情况: who has reported and who must act.

One row per agency, in the order of `summary.sort_states` (未通过/退回 first, then 未提交, then
已通过), each row tinted by its status (red: send back, amber: chase, green: done) so that the
page reads at a glance, on screen and on paper. Above the table: the title and the one-line count
(应交 N 个单位，已通过 a，…), its numbers in the same colours. The header row is frozen and
filtered; the page prints on A4 landscape, one page wide, the header repeated on every page.

Agency names and file names come from outside; they are cleaned of characters XML cannot hold
and always written with `write_string`, so '=HYPERLINK(…)' is shown, never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workflow.core.outcome import FAILED, MISSING, PASSED, REJECTED, STATUS_LABELS
from workflow.core.text import clean_xml_text, excel_width, page_header, wrapped_lines
from workflow.office.states import (
    AgencyState,
    action_note,
    count_line,
    status_counts,
)

__all__ = [
    "COLUMNS",
    "OUTSIDER_COLOURS",
    "SHEET_STATUS",
    "STATUS_COLOURS",
    "write_status_sheet",
]

SHEET_STATUS = "提交情况"
COLUMNS: tuple[str, ...] = (
    "序号",
    "单位",
    "状态",
    "最近提交时间",
    "错误数",
    "提示数",
    "提交文件",
    "办理提示",
)
_WIDTHS: tuple[tuple[float, float], ...] = (
    (6, 6),
    (16, 36),
    (9, 9),
    (17, 17),
    (7.5, 7.5),
    (7.5, 7.5),
    (20, 46),
    (18, 44),
)
"""(minimum, maximum) width of each column; text columns grow with their longest line."""
STATUS_COLOURS: dict[str, tuple[str, str, str]] = {
    FAILED: ("#FFC7CE", "#9C0006", "#FDE8EA"),
    REJECTED: ("#FFC7CE", "#9C0006", "#FDE8EA"),
    MISSING: ("#FFEB9C", "#9C5700", "#FFF7DB"),
    PASSED: ("#C6EFCE", "#006100", "#FFFFFF"),
}
"""status -> (status cell fill, status font colour, fill of the rest of the row): Excel's own
'bad', 'neutral' and 'good' colours, which clerks already read as stop / wait / done."""
OUTSIDER_COLOURS = ("#FFEB9C", "#9C5700")
"""Fill and font of the name and hint of a submitter that is not in the registry."""

FONT, HEADING_FONT = "宋体", "黑体"
HEADER_ROW = 3
_LINE_PT, _PAD_PT = 14.5, 6.0


class _Formats:
    """The sheet's formats, made once per workbook."""

    def __init__(self, workbook: Workbook) -> None:
        def fmt(**props: Any) -> Format:
            base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
            return workbook.add_format(base | props)

        grid = {"border": 1, "border_color": "#A6A6A6", "text_wrap": True}
        self.title = fmt(font_name=HEADING_FONT, font_size=16, align="center", text_wrap=True)
        self.count = fmt(font_size=13, align="center", bold=True, text_wrap=True)
        self.note = fmt(font_size=9, font_color="#595959", align="center", text_wrap=True)
        self.header = fmt(bold=True, align="center", bg_color="#D9E1F2", **grid)
        self.rich = {
            s: workbook.add_format(
                {"font_name": FONT, "bold": True, "font_color": c[1], "font_size": 13}
            )
            for s, c in STATUS_COLOURS.items()
        }
        self.cells: dict[tuple[str, str], Format] = {}
        for status, (fill, font, tint) in STATUS_COLOURS.items():
            row = {"bg_color": tint, **grid}
            self.cells[status, "text"] = fmt(align="left", **row)
            self.cells[status, "center"] = fmt(align="center", **row)
            self.cells[status, "time"] = fmt(align="center", num_format="yyyy-mm-dd hh:mm", **row)
            self.cells[status, "status"] = fmt(
                align="center", bold=True, bg_color=fill, font_color=font, **grid
            )
            self.cells[status, "action"] = fmt(
                align="left", font_color=font if status != PASSED else "#000000", **row
            )
            # Not in the registry: the name itself is what the clerk must look at.
            self.cells[status, "outsider"] = fmt(
                align="left", bg_color=OUTSIDER_COLOURS[0], font_color=OUTSIDER_COLOURS[1], **grid
            )


def _row_values(index: int, state: AgencyState) -> list[tuple[str, object]]:
    """(format role, value) per column; None is a blank cell."""
    sent = state.status != MISSING
    # Excel has no time zones: show the wall-clock time the ledger recorded, in its own offset.
    when = state.received_at.replace(tzinfo=None) if state.received_at else None
    outsider = not state.registered
    return [
        ("center", index),
        ("outsider" if outsider else "text", clean_xml_text(state.agency)),
        ("status", STATUS_LABELS[state.status]),
        ("time", when),
        ("center", state.error_count if sent else None),
        ("center", state.warning_count if sent else None),
        ("text", _file_list(state.files)),
        ("outsider" if outsider else "action", action_note(state) or None),
    ]


def _widths(rows: list[list[tuple[str, object]]]) -> list[float]:
    widths = []
    for col, ((low, high), header) in enumerate(zip(_WIDTHS, COLUMNS, strict=True)):
        longest = max(
            [excel_width(header)]
            + [
                excel_width(line)
                for row in rows
                if isinstance(row[col][1], str)
                for line in str(row[col][1]).split("\n")
            ]
        )
        widths.append(min(high, max(low, longest + 2)))
    return widths


def _write_cell(ws: Worksheet, row: int, col: int, value: object, fmt: Format) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _write_heading(
    ws: Worksheet, fmts: _Formats, title: str, states: Sequence[AgencyState], generated: datetime
) -> None:
    last = len(COLUMNS) - 1
    ws.merge_range(0, 0, 0, last, "", fmts.title)
    ws.write_string(0, 0, title, fmts.title)
    ws.set_row(0, 30)
    # The count line, each status's number in its colour: 应交 N 个单位，已通过 a，…
    counts = status_counts(states)
    line = count_line(states)
    pieces: list[object] = []
    labelled = "|".join(re.escape(label) for label in STATUS_LABELS.values())
    for text in re.split(rf"((?:{labelled}) \d+)", line):
        status = next((s for s, lab in STATUS_LABELS.items() if text.startswith(lab + " ")), None)
        if status is not None and counts[status]:
            pieces += [fmts.rich[status], text]
        elif text:
            pieces.append(text)
    ws.merge_range(1, 0, 1, last, "", fmts.count)
    if len(pieces) > 1:
        ws.write_rich_string(1, 0, *pieces, fmts.count)
    else:
        ws.write_string(1, 0, line, fmts.count)
    ws.set_row(1, 24)
    legend = (
        f"生成时间：{generated:%Y-%m-%d %H:%M}。红色：未通过或退回，须通知单位修改后重新提交；"
        "黄色：尚未提交，须催报（单位名称标黄的不在名录中，请核对）；绿色：已通过。"
        "可按“状态”一栏筛选。"
    )
    ws.merge_range(2, 0, 2, last, "", fmts.note)
    ws.write_string(2, 0, legend, fmts.note)
    ws.set_row(2, 18)


def write_status_sheet(
    workbook: Workbook,
    year: int,
    states: Sequence[AgencyState],
    county: str,
    generated: datetime,
) -> Worksheet:
    """Add the 提交情况 sheet (first and active) for `states`, already in display order."""
    ws = workbook.add_worksheet(SHEET_STATUS)
    fmts = _Formats(workbook)
    rows = [_row_values(i, state) for i, state in enumerate(states, 1)]
    widths = _widths(rows)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    _write_heading(ws, fmts, f"{county}{year}年政府信息公开工作年度报告提交情况", states, generated)
    for col, header in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, col, header, fmts.header)
    ws.set_row(HEADER_ROW, 22)
    for offset, (state, values) in enumerate(zip(states, rows, strict=True)):
        row = HEADER_ROW + 1 + offset
        lines = 1
        for col, (role, value) in enumerate(values):
            _write_cell(ws, row, col, value, fmts.cells[state.status, role])
            if isinstance(value, str) and value:
                lines = max(lines, wrapped_lines(value, widths[col]))
        ws.set_row(row, lines * _LINE_PT + _PAD_PT)
    last_row = HEADER_ROW + max(len(rows), 1)
    ws.autofilter(HEADER_ROW, 0, last_row, len(COLUMNS) - 1)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_header(page_header(f"{county}{year}年汇总", right=SHEET_STATUS))
    ws.activate()
    return ws


FILES_SHOWN = 5
"""Files listed per agency, latest first: enough to see the resubmissions, and a cell (and the
workbook the daemon rewrites after every batch) that stays small however often one resends."""


def _file_list(files: Sequence[str]) -> str | None:
    shown = [clean_xml_text(f) for f in files[:FILES_SHOWN]]
    if len(files) > FILES_SHOWN:
        shown.append(f"……共 {len(files)} 个文件")
    return "\n".join(shown) or None
