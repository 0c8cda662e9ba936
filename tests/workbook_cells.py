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
