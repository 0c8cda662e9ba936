"""Fill a workbook by defined name: how `workflow example` enters the published seed report,
and how tests fill workbooks the way any program (or an agency) would.

A program that writes an answer into a cell does not make the row taller, as Excel does for a
clerk typing; `fit_text_rows` does it, so that a long answer is read and printed whole. The
error workbook uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from workflow.core.atomic import atomic_path
from workflow.core.form import FIELDS_BY_KEY, FieldType
from workflow.core.text import LINE_PT, PADDING_PT, wrapped_lines

__all__ = ["MAX_ROW_PT", "fill_by_name", "fit_text_rows"]

MAX_ROW_PT = 409.0
"""The tallest row Excel allows (LibreOffice allows more, but the file must open in both)."""
_DEFAULT_WIDTH = 8.43


def fill_by_name(src: Path, values: Mapping[str, object], dst: Path) -> Path:
    """Copy `src` to `dst` with each value written into the cell its defined name points at.

    Like Excel, a string starting with "=" stays text in a text-formatted ("@") cell and
    becomes a formula elsewhere. Rows holding text are made tall enough for it.
    """
    wb = openpyxl.load_workbook(src)
    try:
        for key, value in values.items():
            sheet, coordinate = next(iter(wb.defined_names[key].destinations))
            cell = wb[sheet][coordinate.replace("$", "")]
            cell.value = value
            if isinstance(value, str) and cell.number_format == "@":
                cell.data_type = "s"  # as Excel does: a text-formatted cell keeps "=…" as text
        fit_text_rows(wb)
        with atomic_path(Path(dst)) as tmp:
            wb.save(tmp)
    finally:
        wb.close()
    return Path(dst)


def fit_text_rows(wb: openpyxl.Workbook) -> None:
    """Make the row of every prose answer (a text field's defined name) tall enough for the
    answer as it wraps in its column, up to `MAX_ROW_PT`; rows already taller are kept."""
    for key, defined in wb.defined_names.items():
        field = FIELDS_BY_KEY.get(key)
        if field is None or field.type is not FieldType.TEXT:
            continue
        for sheet, coordinate in defined.destinations:
            if sheet not in wb.sheetnames:
                continue
            ws = wb[sheet]
            cell = ws[coordinate.replace("$", "")]
            if not isinstance(cell.value, str) or not cell.value:
                continue
            width = ws.column_dimensions[get_column_letter(cell.column)].width or _DEFAULT_WIDTH
            needed = min(MAX_ROW_PT, wrapped_lines(cell.value, width) * LINE_PT + PADDING_PT)
            row = ws.row_dimensions[cell.row]
            if row.height is None or row.height < needed:
                row.height = round(needed, 1)
