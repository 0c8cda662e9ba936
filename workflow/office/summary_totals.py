"""The county totals, laid out like the form and named like the agency workbook.

The sheets 二、三、四 are drawn by the template's own layout functions
(`workbook.template_sheets`), so the totals sit in exactly the tables an agency fills in,
with the official labels, merged headers and indentation; only the input cells differ: they
hold the county total (written as a number, never a formula) instead of an empty yellow box.

The workbook is itself a report our reader accepts, so `workflow process` can render a
county-level report from it:

- every key of `form.FIELDS` is a workbook-scoped defined name on one cell, as in the
  agency workbook;
- custom document properties (and the very hidden `_meta` sheet) as the template writes them:
  ``wf_form`` = form.FORM_ID, ``wf_template_version`` = form.TEMPLATE_VERSION, ``wf_year`` =
  str(year), and ``wf_agency`` = the totals' agency name, "<county>汇总" (e.g. "全县汇总"),
  the same text as the ``agency_name`` cell, so that the reader's identity check sees a
  matching name rather than "全县" ≠ "全县汇总";
- ``report_year`` holds the year; the prose keys (``text_*``) hold "（汇总表，无文字内容）",
  which is truthful, is not blank for the required-text check, and says nothing the text
  checks could mistake for a claim; ``text_overview`` (optional in the form) instead says how
  many passed reports were summed. A county report rendered from it is a table report whose
  prose the office writes itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname
from xlsxwriter.workbook import Workbook

from workflow.core.cell_values import FEE_FORMAT
from workflow.core.form import (
    FIELDS,
    FIELDS_BY_KEY,
    PROSE_PARTS,
    FieldType,
)
from workflow.core.text import clean_xml_text
from workflow.office.states import AgencyState
from workflow.workbook.template import write_template_marks
from workflow.workbook.template_layout import Placed, Sheet, Styles
from workflow.workbook.template_sheets import (
    APPLICATION_WIDTHS,
    LITIGATION_WIDTHS,
    PROACTIVE_WIDTHS,
    SHEET_APPLICATIONS,
    SHEET_LITIGATION,
    SHEET_PROACTIVE,
    write_applications,
    write_litigation,
    write_proactive,
)

__all__ = ["NO_TEXT", "SHEET_INFO", "summary_agency_name", "write_totals"]

SHEET_INFO = "汇总说明"
NO_TEXT = "（汇总表，无文字内容）"
TOTAL_FILL = "#DDEBF7"
"""Light blue: computed by the office, not typed by anyone (the agency's inputs are yellow)."""
_INFO_WIDTHS = (24.0, 80.0)


def summary_agency_name(county: str) -> str:
    """The totals' agency name, in ``agency_name`` and ``wf_agency``: '全县汇总'."""
    return f"{county}汇总"


def _write_total(sheet: Sheet, cell: Placed, value: int | Decimal, fmt: Format) -> None:
    """Put `value` into the input cell the layout drew for a key.

    The layout function draws the table exactly as for an agency, with an empty input cell per
    key (merged over several columns for some of section 二); writing the number over the first
    cell of that range, as xlsxwriter documents for merged cells, turns it into a total. Only
    the key -> cell map (`placed`) is relied on, not how the layout writes its cells.
    """
    number = float(value) if isinstance(value, Decimal) else value
    sheet.ws.write_number(cell.row, cell.col, number, fmt)


def _total_formats(workbook: Workbook) -> dict[FieldType, Format]:
    base: dict[str, Any] = {
        "font_name": "宋体",
        "font_size": 11,
        "valign": "vcenter",
        "align": "center",
        "bold": True,
        "border": 1,
        "border_color": "#7F7F7F",
        "bg_color": TOTAL_FILL,
    }
    return {
        FieldType.COUNT: workbook.add_format(base | {"num_format": "0"}),
        FieldType.WAN_YUAN: workbook.add_format(base | {"num_format": FEE_FORMAT}),
    }


def _summed(states: Sequence[AgencyState]) -> list[str]:
    return [clean_xml_text(s.agency) for s in states if s.passed_values is not None]


def write_totals(
    workbook: Workbook,
    year: int,
    states: Sequence[AgencyState],
    totals: Mapping[str, int | Decimal],
    county: str,
    generated: datetime,
) -> None:
    """Add the 二/三/四 totals sheets and 汇总说明, define every key, set the properties."""
    styles = Styles(workbook)
    formats = _total_formats(workbook)
    placed: dict[str, Placed] = {}
    summed = _summed(states)
    scope = f"以上合计为 {len(summed)} 个单位已通过校验的年度报告之和（名单见“{SHEET_INFO}”）。"
    layouts = (
        (SHEET_PROACTIVE, PROACTIVE_WIDTHS, write_proactive),
        (SHEET_APPLICATIONS, APPLICATION_WIDTHS, write_applications),
        (SHEET_LITIGATION, LITIGATION_WIDTHS, write_litigation),
    )
    sheets: list[Sheet] = []
    for name, widths, draw in layouts:
        sheet = Sheet(workbook, name, widths, styles, placed, f"{county}{year}年汇总")
        draw(sheet)
        cells = [p for p in placed.values() if p.sheet == name]
        for cell in cells:
            _write_total(sheet, cell, totals[cell.key], formats[FIELDS_BY_KEY[cell.key].type])
        below = max(p.row for p in cells) + 2
        sheet.text(
            below, 0, f"{county}{year}年汇总：{scope}", styles.paragraph, last_col=sheet.last_col
        )
        sheets.append(sheet)
    info = Sheet(workbook, SHEET_INFO, _INFO_WIDTHS, styles, placed, f"{county}{year}年汇总")
    agency = summary_agency_name(county)
    _write_info(info, county, year, summed, generated)
    sheets.append(info)
    missing = [f.key for f in FIELDS if f.key not in placed]
    if missing:
        raise ValueError(f"fields without a cell: {missing}")
    for key, cell in placed.items():
        ref = f"={quote_sheetname(cell.sheet)}!{cell.absolute}"
        if workbook.define_name(key, ref) == -1:
            raise ValueError(f"cannot define name {key!r}")
    for sheet in sheets:
        sheet.finish()
    write_template_marks(workbook, agency, year)
    workbook.set_properties(
        {
            "title": f"{county}{year}年政府信息公开工作年度报告汇总",
            "subject": "政府信息公开工作年度报告汇总",
            "comments": f"汇总 {len(summed)} 个单位已通过校验的报告；"
            "由政务公开办生成，请勿手工修改合计数。",
        }
    )


def _write_info(
    sheet: Sheet, county: str, year: int, summed: list[str], generated: datetime
) -> None:
    """Name, year, what was summed, and the prose keys (each a defined name, like the form)."""
    styles, last = sheet.styles, sheet.last_col
    agency = summary_agency_name(county)
    title = f"{county}{year}年政府信息公开工作年度报告汇总"
    sheet.text(0, 0, title, styles.title, last_col=last, size=16)
    row = 2
    for key, value in (("agency_name", agency), ("report_year", year)):
        sheet.text(row, 0, FIELDS_BY_KEY[key].row_label, styles.required_label)
        _named(sheet, row, key, value)
        row += 1
    names = "、".join(summed) if summed else "（尚无已通过的报告）"
    for label, text in (
        (
            "汇总范围",
            f"{len(summed)} 个单位最近一次通过校验的报告。未通过、退回和未提交的单位不计入；"
            "最近一次提交未通过、但此前有报告通过的单位，计入此前通过的报告。",
        ),
        ("已汇总单位", names),
        ("生成时间", f"{generated:%Y-%m-%d %H:%M}"),
    ):
        sheet.text(row, 0, label, styles.required_label)
        sheet.text(row, 1, text, styles.label)
        row += 1
    overview = (
        f"本表汇总了 {len(summed)} 个单位{year}年度已通过校验的政府信息公开工作年度报告的表格数据。"
    )
    for section, parts in groupby(PROSE_PARTS, key=lambda p: p.section):
        row += 1
        sheet.text(row, 0, section, styles.heading, last_col=last, size=12)
        row += 1
        for part in parts:
            label = part.heading or FIELDS_BY_KEY[part.key].row_label or "正文"
            sheet.text(row, 0, label, styles.label)
            _named(sheet, row, part.key, overview if part.key == "text_overview" else NO_TEXT)
            row += 1
    sheet.ws.set_portrait()
    sheet.ws.fit_to_pages(1, 0)


def _named(sheet: Sheet, row: int, key: str, value: str | int) -> None:
    """Column B of `row` (merged to the last column) holds `key`'s value, as text or a year."""
    styles, last = sheet.styles, sheet.last_col
    if isinstance(value, int):
        if last > 1:
            sheet.ws.merge_range(row, 1, row, last, "", styles.label)
        sheet.ws.write_number(row, 1, value, styles.label)
    else:
        sheet.text(row, 1, value, styles.label, last_col=last)
    if key in sheet.placed:
        raise ValueError(f"field {key!r} placed twice")
    sheet.placed[key] = Placed(key, sheet.name, row, 1)
