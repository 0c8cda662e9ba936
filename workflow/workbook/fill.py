"""Fill a workbook by defined name: how `workflow example` enters the published seed report,
and how tests fill workbooks the way any program (or an agency) would."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import openpyxl

from workflow.core.atomic import atomic_path

__all__ = ["fill_by_name"]


def fill_by_name(src: Path, values: Mapping[str, object], dst: Path) -> Path:
    """Copy `src` to `dst` with each value written into the cell its defined name points at.

    Like Excel, a string starting with "=" stays text in a text-formatted ("@") cell and
    becomes a formula elsewhere.
    """
    wb = openpyxl.load_workbook(src)
    try:
        for key, value in values.items():
            sheet, coordinate = next(iter(wb.defined_names[key].destinations))
            cell = wb[sheet][coordinate.replace("$", "")]
            cell.value = value
            if isinstance(value, str) and cell.number_format == "@":
                cell.data_type = "s"  # as Excel does: a text-formatted cell keeps "=…" as text
        with atomic_path(Path(dst)) as tmp:
            wb.save(tmp)
    finally:
        wb.close()
    return Path(dst)
