"""Where a key lives in a real workbook, found the way any program finds it: its defined name."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def cells_of(workbook: Path) -> dict[str, str]:
    """Every defined name of `workbook` -> 'sheet!A1'."""
    wb = openpyxl.load_workbook(workbook)
    try:
        out = {}
        for name, defined in wb.defined_names.items():
            for sheet, coordinate in defined.destinations:
                out[name] = f"{sheet}!{coordinate.replace('$', '')}"
        return out
    finally:
        wb.close()


def cell_of(workbook: Path, key: str) -> str:
    return cells_of(workbook)[key]


def assert_prints_on_a4(workbook: Path, issued: str) -> list[str]:
    """Every visible sheet of `workbook` prints on A4, one page wide, its table cells wrapped
    where they hold text, under a header naming `issued` (whose report, which year) and the
    sheet. (A title outside the tables may run on into the empty cells beside it.) Returns the
    sheets' names."""
    wb = openpyxl.load_workbook(workbook)
    try:
        names = []
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            names.append(ws.title)
            setup = ws.page_setup
            assert setup.paperSize == 9, ws.title  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert (setup.fitToWidth or 1) == 1, ws.title  # OOXML's default is 1
            assert setup.fitToHeight == 0 or ws.title == "退回说明", ws.title
            header = ws.oddHeader
            assert header.left.text and issued in header.left.text, (ws.title, header.left.text)
            long_text = [
                c
                for row in ws.iter_rows()
                for c in row
                if isinstance(c.value, str) and len(c.value) > 20 and c.border.left.style
            ]
            unwrapped = [c.coordinate for c in long_text if not c.alignment.wrap_text]
            assert not unwrapped, (ws.title, unwrapped)
        return names
    finally:
        wb.close()
