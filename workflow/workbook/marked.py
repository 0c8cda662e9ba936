"""The error workbook: the agency's own workbook with every finding marked, and the rejection
note for a file that could not be read at all.

The error workbook is a copy of what the agency sent (so they can correct it in place and send
it back), with a first sheet "校验结果" listing every finding, each offending cell filled (red
for an error, yellow for a warning) and given a comment with the message. Everything written
from a finding or an agency's text is written as text, never as a formula.
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

from workflow.core.atomic import atomic_path
from workflow.core.errors import OutputError
from workflow.core.findings import Finding, Severity, sort_findings
from workflow.core.form import FIELDS_BY_KEY
from workflow.core.text import EXCEL_CELL_LIMIT, clean_xml_text, wrapped_lines

__all__ = ["RESULT_SHEET", "write_error_workbook", "write_rejection_note"]

RESULT_SHEET = "校验结果"
AUTHOR = "县政务公开办"
HEADERS = ("序号", "级别", "位置", "项目", "问题", "应为", "实为")
WIDTHS = (6, 8, 22, 36, 70, 14, 14)
_FILL = {
    Severity.ERROR: PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    Severity.WARNING: PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
}
_FONT = {Severity.ERROR: Font(color="9C0006", bold=True), Severity.WARNING: Font(color="9C5700")}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _text(cell: Cell, value: object) -> None:
    """Write `value` as literal text: a leading '=' must never become a formula."""
    text = clean_xml_text(value, EXCEL_CELL_LIMIT)
    cell.value = text
    cell.data_type = "s"


def _item_label(f: Finding) -> str:
    if f.row_label or f.column_label:
        return " / ".join(p for p in (f.row_label, f.column_label) if p)
    labels = [FIELDS_BY_KEY[k].label for k in f.fields[:3] if k in FIELDS_BY_KEY]
    more = f" 等{len(f.fields)}项" if len(f.fields) > 3 else ""
    return "；".join(labels) + more


def _split_cell(ref: str) -> tuple[str, str]:
    sheet, _, coordinate = ref.rpartition("!")
    return sheet.strip("'"), coordinate.replace("$", "")


def _write_findings_sheet(wb: openpyxl.Workbook, findings: Sequence[Finding]) -> None:
    ws = wb.create_sheet(RESULT_SHEET, 0)
    errors = sum(1 for f in findings if f.is_error)
    _text(
        ws.cell(1, 1),
        f"校验结果：{errors} 个错误，{len(findings) - errors} 个提示。"
        "请按“问题”一栏逐项修改（标红的单元格为错误，标黄的为提示），修改后将本工作簿发回。",
    )
    ws.cell(1, 1).font = Font(bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.row_dimensions[1].height = 36
    ws.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="center")
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), 1):
        cell = ws.cell(2, col)
        _text(cell, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, f in enumerate(findings, 3):
        values = (
            row - 2,
            f.severity.chinese,
            "、".join(f.cells[:6]) + (" 等" if len(f.cells) > 6 else ""),
            _item_label(f),
            f.message,
            f.expected or "",
            f.actual or "",
        )
        for col, value in enumerate(values, 1):
            cell = ws.cell(row, col)
            if col == 1:
                cell.value = value
            else:
                _text(cell, value)
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * max(
            wrapped_lines(str(v), w) for v, w in zip(values, WIDTHS, strict=True)
        )
        ws.cell(row, 2).font = _FONT[f.severity]
        if f.cells:
            sheet, coordinate = _split_cell(f.cells[0])
            ws.cell(row, 3).hyperlink = f"#'{sheet}'!{coordinate}"
    ws.freeze_panes = "A3"
    ws.sheet_view.zoomScale = 100
    # Printed for the agency: A4 landscape, every column on the page, header row repeated.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"
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
        _write_findings_sheet(wb, ordered)
        with atomic_path(out) as tmp:
            wb.save(tmp)
    finally:
        wb.close()
    return out


def write_rejection_note(file_name: str, findings: Sequence[Finding], out: Path) -> Path:
    """A one-sheet workbook that tells the agency why its file was not accepted."""
    with atomic_path(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("退回说明")
        title = wb.add_format({"bold": True, "font_size": 14})
        label = wb.add_format({"bold": True, "valign": "top", "border": 1, "bg_color": "#D9E1F2"})
        body = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 90)
        ws.write_string(0, 0, "政府信息公开工作年度报告：文件未被接收", title)
        ws.write_string(2, 0, "文件", label)
        ws.write_string(2, 1, clean_xml_text(file_name), body)
        row = 3
        for f in findings:
            ws.write_string(row, 0, "原因", label)
            ws.write_string(row, 1, clean_xml_text(f.message), body)
            ws.set_row(row, 60)
            row += 1
        ws.write_string(row, 0, "怎么办", label)
        ws.write_string(
            row,
            1,
            "请使用公开办下发的本单位年度报告工作簿（.xlsx）填写，保存后将该文件原样作为附件发回。"
            "如工作簿丢失，请向公开办重新索取。",
            body,
        )
        ws.set_row(row, 45)
        wb.close()
    return out
