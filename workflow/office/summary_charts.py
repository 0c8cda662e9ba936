"""The 图表 sheet: three pictures that say it faster than the tables, each beside its data.

1. 提交情况: how many registered agencies have passed, failed, been sent back, not sent
   (a pie in the colours of the 提交情况 sheet);
2. 本年新收申请 by agency, from each agency's latest passed report (a bar per agency, largest
   first), which shows at once where the applications are;
3. the county's 办理结果: 予以公开, 部分公开, 不予公开, 无法提供, 不予处理, 其他处理, each the
   sum of its row (or its sub-items) in the 总计 column. The categories and labels come from
   `form.APPLICATION_ROWS`, the list of what sums to （七）总计.

The data tables are ordinary cells (agency names written as text), so the charts stay live if
a clerk corrects a number, and the tables are readable when printed in black and white.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import groupby

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workflow.core.cell_values import stored_number
from workflow.core.form import (
    APPLICANT_TOTAL,
    APPLICATION_ROWS,
    APPLICATION_ROWS_BY_STEM,
    RESULT_PART_STEMS,
    plain_label,
)
from workflow.core.outcome import FAILED, MISSING, PASSED, REJECTED, STATUS_LABELS
from workflow.core.text import clean_xml_text, excel_width, page_header
from workflow.office.states import (
    AgencyState,
    status_counts,
)

__all__ = ["SHEET_CHARTS", "new_applications", "outcome_totals", "write_chart_sheet"]

SHEET_CHARTS = "图表"
_TOTAL = APPLICANT_TOTAL
_NEW_ROW = APPLICATION_ROWS_BY_STEM["new"]
_PIE_COLOURS = {PASSED: "#70AD47", FAILED: "#E04B4B", REJECTED: "#9C0006", MISSING: "#F4B400"}
_ROW_PX = 20
_CHART_COL = 4
"""Charts start in column E; A:B hold the data, C:D are a margin."""


def _short(label: str) -> str:
    """'（二）部分公开（区分处理的，…）' -> '部分公开': the heading without its number and gloss."""
    return re.sub(r"^（[一二三四五六七八九十]+）", "", plain_label(label))


def outcome_totals(totals: Mapping[str, int | Decimal]) -> list[tuple[str, int]]:
    """(short label, county total) for （一）…（六）, in the form's order.

    A result with sub-items (（三）…（六）) is the sum of its sub-items' 总计 column; the rows
    are exactly those that make up （七）总计 (`form.RESULT_PART_STEMS`).
    """
    parts = [r for r in APPLICATION_ROWS if r.stem in RESULT_PART_STEMS]
    out = []
    for heading, rows in groupby(parts, key=lambda r: r.group or r.label):
        out.append((_short(heading), sum(int(totals[r.key(_TOTAL)]) for r in rows)))
    return out


def new_applications(states: Sequence[AgencyState]) -> list[tuple[str, int]]:
    """(agency, 本年新收 总计) of every passed report, largest first, then by name."""
    key = _NEW_ROW.key(_TOTAL)
    rows = [
        (clean_xml_text(s.agency), int(stored_number(key, s.passed_values.get(key)) or 0))
        for s in states
        if s.passed_values is not None
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


class _Table:
    """Writes the small data tables down column A:B and remembers where each one went."""

    def __init__(self, workbook: Workbook, ws: Worksheet) -> None:
        self.ws = ws
        grid = {"border": 1, "border_color": "#A6A6A6", "font_name": "宋体", "valign": "vcenter"}
        self.title = workbook.add_format({**grid, "border": 0, "bold": True, "font_size": 12})
        self.header = workbook.add_format(
            {**grid, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True}
        )
        self.text = workbook.add_format({**grid, "text_wrap": True})
        self.number = workbook.add_format({**grid, "num_format": "0", "align": "center"})

    def write(
        self, row: int, title: str, headers: tuple[str, str], data: list[tuple[str, int]]
    ) -> tuple[int, int]:
        """Write at `row`; return the first and last data rows."""
        self.ws.write_string(row, 0, title, self.title)
        for col, header in enumerate(headers):
            self.ws.write_string(row + 1, col, header, self.header)
        for offset, (label, value) in enumerate(data):
            self.ws.write_string(row + 2 + offset, 0, label, self.text)
            self.ws.write_number(row + 2 + offset, 1, value, self.number)
        return row + 2, row + 1 + len(data)


def _series(chart: Chart, first: int, last: int, name: str, **options: object) -> None:
    chart.add_series(
        {
            "name": name,
            "categories": [SHEET_CHARTS, first, 0, last, 0],
            "values": [SHEET_CHARTS, first, 1, last, 1],
            "data_labels": {"value": True},
            **options,
        }
    )


def write_chart_sheet(
    workbook: Workbook,
    year: int,
    states: Sequence[AgencyState],
    totals: Mapping[str, int | Decimal],
    county: str,
) -> Worksheet:
    """Add the 图表 sheet: the three data tables in A:B, each chart to the right of its table."""
    ws = workbook.add_worksheet(SHEET_CHARTS)
    table = _Table(workbook, ws)
    by_agency = new_applications(states)
    widest = max([excel_width(name) for name, _ in by_agency] + [14.0])
    ws.set_column(0, 0, min(widest + 2, 36))
    ws.set_column(1, 1, 12)
    ws.set_column(2, 3, 2)
    ws.write_string(0, 0, f"{county}{year}年政府信息公开工作年度报告汇总图表", table.title)
    ws.set_row(0, 24)

    counts = status_counts(states)
    order = (PASSED, FAILED, REJECTED, MISSING)
    status_data = [(STATUS_LABELS[s], counts[s]) for s in order]
    first, last = table.write(2, "一、提交情况（名录内单位）", ("状态", "单位数"), status_data)
    pie = workbook.add_chart({"type": "pie"})
    points = [{"fill": {"color": _PIE_COLOURS[s]}} for s in order]
    _series(pie, first, last, "提交情况", points=points)
    pie.set_title({"name": f"提交情况（应交 {sum(counts.values())} 个单位）"})
    row = _place(ws, pie, 2, last, 480, 300)

    breaks = [row]
    title = f"二、{_NEW_ROW.label.split('、', 1)[-1]}（按单位）"
    if by_agency:
        first, last = table.write(row, title, ("单位", f"件数（{_TOTAL.label}）"), by_agency)
        bar = workbook.add_chart({"type": "bar"})
        _series(bar, first, last, "本年新收申请", fill={"color": "#4472C4"}, gap=60)
        bar.set_title({"name": "各单位本年新收申请（件）"})
        bar.set_legend({"none": True})
        bar.set_y_axis({"reverse": True})
        height = max(260, 90 + 24 * len(by_agency))
        row = _place(ws, bar, row, last, 560, height)
    else:
        ws.write_string(row, 0, title, table.title)
        ws.write_string(row + 1, 0, "（尚无已通过的报告）")
        row += 3

    breaks.append(row)
    outcomes = outcome_totals(totals)
    first, last = table.write(row, "三、本年度办理结果（全县合计）", ("办理结果", "件数"), outcomes)
    column = workbook.add_chart({"type": "column"})
    _series(column, first, last, "办理结果", fill={"color": "#5B9BD5"}, gap=80)
    column.set_title({"name": "本年度办理结果（件）"})
    column.set_legend({"none": True})
    _place(ws, column, row, last, 560, 300)

    ws.hide_gridlines(2)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    # One picture per printed page where the application honours manual breaks together with
    # fit-to-width (LibreOffice does; Excel lets fit-to-width win and may split a chart).
    ws.set_h_pagebreaks(breaks)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_header(page_header(f"{county}{year}年汇总", right=SHEET_CHARTS))
    return ws


def _place(
    ws: Worksheet, chart: Chart, row: int, last_data_row: int, width: int, height: int
) -> int:
    """Insert `chart` beside the table starting at `row`; return the first free row below both."""
    chart.set_size({"width": width, "height": height})
    ws.insert_chart(row, _CHART_COL, chart, {"x_offset": 4, "y_offset": 4, "object_position": 2})
    chart_rows = -(-height // _ROW_PX) + 1
    return max(last_data_row + 3, row + chart_rows + 1)
