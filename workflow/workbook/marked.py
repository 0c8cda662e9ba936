"""The error workbook: the agency's own workbook with every finding marked, and the rejection
note for a file that could not be read at all.

The error workbook is a copy of what the agency sent (so they can correct it in place and send
it back), with a first sheet "校验结果" listing every finding, each offending cell filled (red
for an error, blue for a warning: neither is the light yellow of the input cells) and given a
comment with the message; a legend on the first sheet says what each colour means. Every sheet
we write prints on A4, one page wide, under a header naming the agency and year. Everything
written from a finding or an agency's text is written as text, never as a formula.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from workflow.core.atomic import atomic_path
from workflow.core.errors import OutputError
from workflow.core.findings import Finding, Severity, rejection_advice, sort_findings
from workflow.core.text import (
    EXCEL_CELL_LIMIT,
    LINE_PT,
    PADDING_PT,
    clean_xml_text,
    page_header,
    wrapped_lines,
)
from workflow.workbook.fill import fit_text_rows
from workflow.workbook.marked_columns import expected_actual, location
from workflow.workbook.template_layout import ALARM_FILL, ALARM_FONT, INPUT_FILL

__all__ = [
    "LEGEND",
    "RESULT_SHEET",
    "WARNING_FILL",
    "write_error_workbook",
    "write_rejection_note",
]

RESULT_SHEET = "校验结果"
AUTHOR = "县政务公开办"
HEADERS = ("序号", "级别", "工作表", "位置", "问题", "应为", "实为")
WIDTHS = (6, 8, 16, 30, 62, 20, 20)
FONT_NAME, FONT_SIZE = "宋体", 11
ERROR_FILL, ERROR_FONT = ALARM_FILL.lstrip("#"), ALARM_FONT.lstrip("#")
"""Error: the red the agency workbook already uses for a total that disagrees."""
WARNING_FILL, WARNING_FONT = "BDD7EE", "1F4E79"
"""Warning: blue, which no clerk mistakes for the red of an error or for the light yellow
(`INPUT_FILL`) of every input cell of the workbook."""
_FILL = {
    Severity.ERROR: PatternFill("solid", start_color=ERROR_FILL, end_color=ERROR_FILL),
    Severity.WARNING: PatternFill("solid", start_color=WARNING_FILL, end_color=WARNING_FILL),
}
_FONT = {
    Severity.ERROR: Font(name=FONT_NAME, color=ERROR_FONT, bold=True),
    Severity.WARNING: Font(name=FONT_NAME, color=WARNING_FONT, bold=True),
}
_BODY = Font(name=FONT_NAME, size=FONT_SIZE)
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LEGEND = (
    (_FILL[Severity.ERROR], _FONT[Severity.ERROR], "红色：错误，必须改正，否则不能通过"),
    (_FILL[Severity.WARNING], _FONT[Severity.WARNING], "蓝色：提示，请核对，不影响通过"),
    (
        PatternFill("solid", start_color=INPUT_FILL.lstrip("#"), end_color=INPUT_FILL.lstrip("#")),
        _BODY,
        "浅黄色：填写区域，没有发现问题",
    ),
)
"""The three colours a clerk meets in the error workbook, as the first sheet shows them."""
LEGEND_CELLS = ((1, 4), (5, 5), (6, 7))
"""(first, last) column of each legend entry on row 2."""
HEADER_ROW = 3


def _text(cell: Cell, value: object) -> None:
    """Write `value` as literal text: a leading '=' must never become a formula."""
    text = clean_xml_text(value, EXCEL_CELL_LIMIT)
    cell.value = text
    cell.data_type = "s"


def _split_cell(ref: str) -> tuple[str, str]:
    sheet, _, coordinate = ref.rpartition("!")
    return sheet.strip("'"), coordinate.replace("$", "")


def _issued_for(wb: openpyxl.Workbook) -> str:
    """'后河镇人民政府 2021年', from the marks the template wrote (empty when there are none)."""
    props = {p.name: str(p.value) for p in wb.custom_doc_props.props}
    agency, year = props.get("wf_agency", ""), props.get("wf_year", "")
    return " ".join(p for p in (agency, f"{year}年" if year else "") if p)


def _page_setup(ws: Worksheet, issued: str, title: str) -> None:
    """A4 landscape, every column on the page, the agency and year and `title` at the top."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddHeader.left.text = issued.replace("&", "&&")
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _row_height(values: Sequence[str], widths: Sequence[float]) -> float:
    """Points for a row whose cells hold `values` in columns `widths`: every line shown."""
    lines = max(wrapped_lines(v, w) for v, w in zip(values, widths, strict=True))
    return round(lines * LINE_PT + PADDING_PT, 1)


def _write_legend(ws: Worksheet) -> None:
    for (fill, font, label), (first, last) in zip(LEGEND, LEGEND_CELLS, strict=True):
        cell = ws.cell(2, first)
        _text(cell, label)
        cell.fill, cell.font, cell.border = fill, font, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if last > first:
            ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
    ws.row_dimensions[2].height = LINE_PT + PADDING_PT


def _write_findings_sheet(wb: openpyxl.Workbook, findings: Sequence[Finding]) -> None:
    issued = _issued_for(wb)
    ws = wb.create_sheet(RESULT_SHEET, 0)
    errors = sum(1 for f in findings if f.is_error)
    summary = (
        f"校验结果：{errors} 个错误，{len(findings) - errors} 个提示。"
        "请按“问题”一栏逐项修改（颜色见下方图例；点击“工作表”一栏可跳到该单元格，"
        "单元格的批注中也写有问题），修改后将本工作簿发回。"
    )
    _text(ws.cell(1, 1), summary)
    ws.cell(1, 1).font = Font(name=FONT_NAME, bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[1].height = _row_height([summary], [sum(WIDTHS) * 11 / 12]) + 4
    _write_legend(ws)
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), 1):
        cell = ws.cell(HEADER_ROW, col)
        _text(cell, title)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = LINE_PT + PADDING_PT
    for row, f in enumerate(findings, HEADER_ROW + 1):
        expected, actual = expected_actual(f)
        sheet_name, place = location(f)
        number = str(row - HEADER_ROW)
        values = (number, f.severity.chinese, sheet_name, place, f.message, expected, actual)
        for col, value in enumerate(values, 1):
            cell = ws.cell(row, col)
            if col == 1:
                cell.value = row - HEADER_ROW
            else:
                _text(cell, value)
            cell.font = _BODY
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = _row_height(values, WIDTHS)
        ws.cell(row, 2).font = _FONT[f.severity]
        ws.cell(row, 2).fill = _FILL[f.severity]
        if f.cells:
            sheet, coordinate = _split_cell(f.cells[0])
            ws.cell(row, 3).hyperlink = f"#'{sheet}'!{coordinate}"
            ws.cell(row, 3).font = Font(name=FONT_NAME, color="0563C1", underline="single")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.sheet_view.zoomScale = 100
    # Printed for the agency: A4 landscape, every column on the page, header row repeated.
    _page_setup(ws, issued, "报告校验结果")
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False


def _mark_cells(wb: openpyxl.Workbook, findings: Sequence[Finding]) -> None:
    messages: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        for ref in f.cells:
            messages[_split_cell(ref)].append(f)
    for (sheet, coordinate), found in messages.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet][coordinate]
        worst = Severity.ERROR if any(f.is_error for f in found) else Severity.WARNING
        cell.fill = _FILL[worst]
        text = "\n".join(f"【{f.severity.chinese}】{f.message}" for f in found)
        comment = Comment(clean_xml_text(text, 30000), AUTHOR)
        comment.width = 360
        comment.height = min(600, 80 + 40 * len(found))
        cell.comment = comment


def _head_every_sheet(wb: openpyxl.Workbook) -> None:
    """The agency's sheets print on A4, one page wide, under the agency and year too (our
    template sets all this; a workbook that lost it, or an older one, gets it here)."""
    issued = _issued_for(wb).replace("&", "&&")
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        if not ws.oddHeader.left.text:
            ws.oddHeader.left.text = issued
            ws.oddHeader.right.text = ws.title.replace("&", "&&")
        if ws.page_setup.paperSize is None:
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage:
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def write_error_workbook(source: Path, findings: Sequence[Finding], out: Path) -> Path:
    """Copy `source`, mark every finding, add the "校验结果" sheet first; write atomically."""
    ordered = sort_findings(findings)
    try:
        # An open file, not the path: openpyxl refuses a sound workbook named other than .xlsx.
        with open(source, "rb") as fh:
            wb = openpyxl.load_workbook(fh, rich_text=False)
    except Exception as exc:  # the file was readable a moment ago; anything now is ours to report
        raise OutputError(f"无法生成校验结果工作簿：{exc}") from exc
    try:
        _mark_cells(wb, ordered)
        fit_text_rows(wb)
        _head_every_sheet(wb)
        _write_findings_sheet(wb, ordered)
        with atomic_path(out) as tmp:
            wb.save(tmp)
    finally:
        wb.close()
    return out


_PUBLISHED_ADVICE = (
    "以上各条按报告中的表格、行和列标明位置。请核对原文；改正时请使用公开办下发的本单位"
    "年度报告工作簿（.xlsx）填写后发回。"
)


NOTE_WIDTHS = (12.0, 72.0)
"""Label and text columns of the rejection note: together within an A4 portrait page."""


def write_rejection_note(
    file_name: str,
    findings: Sequence[Finding],
    out: Path,
    *,
    agency: str = "",
    year: int | None = None,
    published: bool = False,
) -> Path:
    """A one-sheet workbook that tells the agency why its file was not accepted; with
    `published`, the list of findings of a published report (Word, web page) that was read
    but did not pass, each naming its table, row and column.

    It prints on one A4 page, every message whole (rows sized by `wrapped_lines`), under a
    header naming the agency and year when the caller knows them, else the file.
    """
    with atomic_path(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("退回说明")
        base = {"font_name": FONT_NAME, "font_size": FONT_SIZE, "text_wrap": True}
        title = wb.add_format(base | {"bold": True, "font_size": 14, "valign": "vcenter"})
        label = wb.add_format(
            base | {"bold": True, "valign": "top", "border": 1, "bg_color": "#D9E1F2"}
        )
        body = wb.add_format(base | {"valign": "top", "border": 1})
        for col, width in enumerate(NOTE_WIDTHS):
            ws.set_column(col, col, width)
        heading = "政府信息公开工作年度报告：" + (
            "已发布报告的校验结果" if published else "文件未被接收"
        )
        ws.merge_range(0, 0, 0, 1, heading, title)
        ws.set_row(0, 30)

        def put(row: int, name: str, text: str) -> None:
            text = clean_xml_text(text)
            ws.write_string(row, 0, name, label)
            ws.write_string(row, 1, text, body)
            ws.set_row(row, _row_height([name, text], NOTE_WIDTHS))

        put(2, "文件", file_name)
        row = 3
        for f in findings:
            put(row, f.severity.chinese if published else "原因", f.message)
            row += 1
        put(row, "怎么办", _PUBLISHED_ADVICE if published else rejection_advice(findings))
        issued = " ".join(p for p in (agency, f"{year}年" if year else "") if p)
        ws.set_header(page_header(issued or clean_xml_text(file_name), "退回说明"))
        ws.set_footer("&C县政务公开办")
        ws.set_paper(9)  # A4
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        ws.center_horizontally()
        ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.8)
        wb.close()
    return out
