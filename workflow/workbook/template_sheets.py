"""The four form sheets of the agency workbook, laid out like the official tables.

Everything here is derived from `workflow.core.form`: row and column labels, the merged headers of
section 三 (申请人情况 over the seven columns, 法人或其他组织 over the five legal-person
columns) and 四 (行政复议 / 行政诉讼 and their sub-headers), and the indentation of section 三,
where a row's `level` is the label column it starts in (0: 一、…, 1: （一）…, 2: 1.…), exactly as
in the published tables. An agency that opens the workbook should recognise its report.
"""

from __future__ import annotations

from itertools import groupby

from workflow.core.form import (
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    APPLICATION_ROWS,
    BALANCE_NOTE,
    FIELDS_BY_KEY,
    INFO_CONTENT_HEADER,
    LEGAL_PERSON_HEADER,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
    PROSE_PARTS,
    REPORT_TITLE_SUFFIX,
    RESULT_GROUPS,
    RESULTS_HEADER,
    SECTION2_BLOCKS,
    SECTION_TITLES,
)
from workflow.workbook.template_layout import Sheet

__all__ = [
    "APPLICATION_WIDTHS",
    "LITIGATION_WIDTHS",
    "PROACTIVE_WIDTHS",
    "PROSE_WIDTHS",
    "SHEET_APPLICATIONS",
    "SHEET_LITIGATION",
    "SHEET_PROACTIVE",
    "SHEET_PROSE",
    "write_applications",
    "write_litigation",
    "write_proactive",
    "write_prose",
]

SHEET_PROSE = "基本情况和文字"
SHEET_PROACTIVE = "二、主动公开"
SHEET_APPLICATIONS = "三、依申请公开"
SHEET_LITIGATION = "四、复议诉讼"

PROSE_WIDTHS = (32.0, 84.0)
PROACTIVE_WIDTHS = (24.0, 17.0, 17.0, 17.0)
APPLICATION_LABEL_COLS = 1 + max(a.level for a in APPLICATION_ROWS)
"""Section 三's label columns: one per indentation level (一、… / （一）… / 1.…)."""
APPLICATION_WIDTHS = (8.0, 13.0, 42.0)[:APPLICATION_LABEL_COLS] + (11.0,) * len(APPLICANT_COLUMNS)
LITIGATION_WIDTHS = (9.5,) * (len(LITIGATION_GROUPS) * len(LITIGATION_COLUMNS))

SECTION2_LABEL_HEADER = INFO_CONTENT_HEADER
"""Header of the label column of every section-二 block (the official tables print it; form.py
does not carry it because no field is keyed by it)."""
PROSE_ROW_PT = 160.0
"""Height of an empty prose input row: room for about ten lines. The row is not fixed at it
(`Sheet.grow`): Excel, WPS and LibreOffice fit it to the answer typed in, however long."""


def write_prose(sheet: Sheet, agency: str, year: int) -> None:
    """Agency name and year (locked), then every prose part under its section heading."""
    styles, last = sheet.styles, sheet.last_col
    sheet.text(0, 0, f"{agency}{year}{REPORT_TITLE_SUFFIX}", styles.title, last_col=last, size=16)
    row = 2
    for key, value in (("agency_name", agency), ("report_year", year)):
        sheet.text(row, 0, FIELDS_BY_KEY[key].row_label, styles.required_label)
        sheet.fixed_cell(row, 1, key, value, last_col=last)
        row += 1
    breaks: list[int] = []
    previous = 0
    for section, run in groupby(PROSE_PARTS, key=lambda p: p.section):
        parts = list(run)
        row += 1
        if previous > 1:
            # A section of several parts fills its page: the next starts on a fresh one,
            # so that a heading is never printed alone at the foot of a page.
            breaks.append(row)
        previous = len(parts)
        sheet.text(row, 0, section, styles.heading, last_col=last, size=12)
        row += 1
        for part in parts:
            name = part.heading or FIELDS_BY_KEY[part.key].row_label or "正文"
            hint = "（必填）" if part.required else "（可不填）"
            label_style = styles.required_label if part.required else styles.label
            sheet.text(row, 0, f"{name}\n{hint}", label_style)
            sheet.input_cell(row, 1, part.key)
            sheet.need(row, PROSE_ROW_PT)
            sheet.grow(row)
            row += 1
    sheet.ws.set_h_pagebreaks(breaks)
    sheet.ws.set_portrait()
    sheet.ws.fit_to_pages(1, 0)


def write_proactive(sheet: Sheet) -> None:
    """Section 二: the four 第二十条 blocks as one table, each block with its own header row.

    A block with fewer columns than the widest one stretches its last column over the rest,
    as the official table does for 本年处理决定数量 and the fee.
    """
    styles, last = sheet.styles, sheet.last_col
    sheet.text(0, 0, SECTION_TITLES["proactive"], styles.title, last_col=last, size=16)
    row = 2
    for block in SECTION2_BLOCKS:
        sheet.text(row, 0, block.article, styles.header, last_col=last)
        sheet.text(row + 1, 0, SECTION2_LABEL_HEADER, styles.header)
        spans = _spans(len(block.columns), 1, last)
        for (first, end), label in zip(spans, block.columns, strict=True):
            sheet.text(row + 1, first, label, styles.header, last_col=end)
        row += 2
        for item in block.rows:
            sheet.text(row, 0, item.label, styles.label_center)
            for (first, end), key in zip(spans, item.keys, strict=True):
                sheet.input_cell(row, first, key, last_col=end)
            row += 1
    sheet.ws.set_portrait()
    sheet.ws.fit_to_pages(1, 0)


def _spans(count: int, first: int, last: int) -> list[tuple[int, int]]:
    spans = [(first + i, first + i) for i in range(count)]
    spans[-1] = (spans[-1][0], last)
    return spans


def write_applications(sheet: Sheet) -> None:
    """Section 三: the 25 x 7 table with the official three header rows and label columns."""
    styles, last = sheet.styles, sheet.last_col
    first_data_col = APPLICATION_LABEL_COLS
    sheet.text(0, 0, SECTION_TITLES["applications"], styles.title, last_col=last, size=16)
    # Header rows 1-3: the 勾稽关系 note top left, then 申请人情况 / 法人或其他组织 / columns.
    sheet.text(1, 0, BALANCE_NOTE, styles.note, last_row=3, last_col=first_data_col - 1, size=10)
    sheet.text(1, first_data_col, APPLICANT_HEADER, styles.header, last_col=last)
    col = first_data_col
    for is_legal, run in groupby(APPLICANT_COLUMNS, key=lambda c: c.is_legal_person):
        columns = list(run)
        if is_legal:
            end = col + len(columns) - 1
            sheet.text(2, col, LEGAL_PERSON_HEADER, styles.header, last_col=end)
            for offset, column in enumerate(columns):
                sheet.text(3, col + offset, column.label, styles.header)
        else:
            for offset, column in enumerate(columns):
                sheet.text(2, col + offset, column.label, styles.header, last_row=3)
        col += len(columns)
    # Rows: the label starts in the column of its level; the merged cells on the left
    # (三、本年度办理结果, （三）…（六）) span the rows that belong to them.
    top = 4
    rows = {arow.stem: top + i for i, arow in enumerate(APPLICATION_ROWS)}
    results = [rows[a.stem] for a in APPLICATION_ROWS if a.block]
    _merge_left(sheet, results, 0, RESULTS_HEADER)
    for group in RESULT_GROUPS:
        _merge_left(sheet, [rows[a.stem] for a in APPLICATION_ROWS if a.group == group], 1, group)
    for arow in APPLICATION_ROWS:
        row = rows[arow.stem]
        sheet.text(row, arow.level, arow.label, styles.label, last_col=first_data_col - 1)
        for offset, column in enumerate(APPLICANT_COLUMNS):
            sheet.input_cell(row, first_data_col + offset, arow.key(column))
    sheet.ws.freeze_panes(top, first_data_col)
    sheet.ws.repeat_rows(1, top - 1)
    sheet.ws.set_landscape()
    sheet.ws.fit_to_pages(1, 0)


def _merge_left(sheet: Sheet, rows: list[int], col: int, label: str) -> None:
    if rows != list(range(rows[0], rows[-1] + 1)):
        raise ValueError(f"rows under {label!r} are not contiguous: {rows}")
    sheet.text(rows[0], col, label, sheet.styles.label_center, last_row=rows[-1])


def write_litigation(sheet: Sheet) -> None:
    """Section 四: 行政复议 / 行政诉讼 over their groups, the column headers, one input row.

    A group without a sub-header (行政复议) has its column headers merged over two rows, as
    in the official table, so that every input sits under a header row of equal height.
    """
    styles, last = sheet.styles, sheet.last_col
    width = len(LITIGATION_COLUMNS)
    sheet.text(0, 0, SECTION_TITLES["litigation"], styles.title, last_col=last, size=16)
    col = 0
    for header, run in groupby(LITIGATION_GROUPS, key=lambda g: g.header):
        groups = list(run)
        sheet.text(1, col, header, styles.header, last_col=col + width * len(groups) - 1)
        for group in groups:
            if group.subheader:
                sheet.text(2, col, group.subheader, styles.header, last_col=col + width - 1)
            for offset, (suffix, label) in enumerate(LITIGATION_COLUMNS):
                head_row = 3 if group.subheader else 2
                sheet.text(head_row, col + offset, label, styles.header, last_row=3)
                sheet.input_cell(4, col + offset, group.key(suffix))
            col += width
    sheet.need(4, 30.0)
    sheet.ws.set_landscape()
    sheet.ws.fit_to_pages(1, 0)
