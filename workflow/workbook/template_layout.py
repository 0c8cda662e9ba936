"""The building blocks of the agency workbook: formats, a sheet grid, and where each field goes.

`template.py` decides what goes on which sheet; this module knows how a cell looks (the official
tables' borders, bold merged headers, a light fill where the agency types) and remembers, for
every field key, the one cell it was placed in, so that defined names, validations and the
conditional formats are all derived from the same placement.

Excel does not fit the height of a row to wrapped text in merged cells, and LibreOffice and WPS
differ in how they do it for plain ones, so `Sheet` estimates every row's height from the text
and the column widths and sets it explicitly: labels are never cut off, whatever opens the file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workflow.core.cell_values import FEE_FORMAT
from workflow.core.form import FIELDS_BY_KEY, FieldType
from workflow.core.text import page_header, wrapped_lines

__all__ = ["Placed", "Sheet", "Styles", "let_rows_grow", "rectangles"]

FONT = "宋体"
HEADING_FONT = "黑体"
FONT_SIZE = 11
INPUT_FILL = "#FFF2CC"
"""Light yellow: the cells an agency types into."""
ALARM_FILL, ALARM_FONT = "#FFC7CE", "#9C0006"
"""Excel's 'bad' red: a total that disagrees with its parts, a number cell holding text."""
HEADER_FILL = "#EDEDED"
FIXED_FILL = "#F2F2F2"
"""Filled in by the office and locked (agency name, report year)."""
BORDER_COLOR = "#7F7F7F"

_LINE_PT = 15.0
"""Height of one line of 11 pt 宋体 in points, with a little air."""
_PADDING_PT = 6.0
_MIN_ROW_PT = 20.0
"""Every written row is at least this high: room to click and type in a table cell."""
A4 = 9
"""xlsxwriter's paper code for A4."""


class Styles:
    """Every format the workbook uses, made once per workbook (xlsxwriter formats are global)."""

    def __init__(self, workbook: Workbook) -> None:
        def fmt(**props: Any) -> Format:
            base: dict[str, Any] = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
            return workbook.add_format(base | props)

        grid = {"border": 1, "border_color": BORDER_COLOR, "text_wrap": True}
        self.title = fmt(font_name=HEADING_FONT, font_size=16, align="center", text_wrap=True)
        self.subtitle = fmt(font_size=12, align="center", text_wrap=True)
        self.heading = fmt(font_name=HEADING_FONT, font_size=12, text_wrap=True)
        self.paragraph = fmt(text_wrap=True, valign="top")
        self.header = fmt(bold=True, align="center", bg_color=HEADER_FILL, **grid)
        self.label = fmt(align="left", **grid)
        self.label_center = fmt(align="center", **grid)
        self.required_label = fmt(align="left", bold=True, **grid)
        self.note = fmt(align="left", font_size=10, **grid)
        unlocked = {"locked": False, "bg_color": INPUT_FILL, **grid}
        self.inputs: dict[FieldType, Format] = {
            FieldType.COUNT: fmt(num_format="0", align="center", **unlocked),
            FieldType.WAN_YUAN: fmt(num_format=FEE_FORMAT, align="center", **unlocked),
            # '@' keeps whatever is typed as text, even '=HYPERLINK(...)' or '001'.
            FieldType.TEXT: fmt(num_format="@", align="left", valign="top", **unlocked),
        }
        fixed = {"bold": True, "bg_color": FIXED_FILL, "align": "left", **grid}
        self.fixed: dict[FieldType, Format] = {
            FieldType.TEXT: fmt(num_format="@", **fixed),
            FieldType.YEAR: fmt(num_format="0", **fixed),
        }
        self.alarm = workbook.add_format(
            {"bg_color": ALARM_FILL, "font_color": ALARM_FONT, "bold": True}
        )
        """Conditional format of a total that disagrees with its parts, or of text in a
        number cell."""


@dataclass(frozen=True, slots=True)
class Placed:
    """The cell a field key was written to (0-based row and column, as xlsxwriter counts)."""

    key: str
    sheet: str
    row: int
    col: int

    @property
    def absolute(self) -> str:
        return xl_rowcol_to_cell(self.row, self.col, row_abs=True, col_abs=True)


@dataclass
class Sheet:
    """One worksheet with fixed column widths; writes cells and tracks the height each row needs."""

    workbook: Workbook
    name: str
    widths: Sequence[float]
    styles: Styles
    placed: dict[str, Placed]
    """Shared by all sheets of a workbook: key -> its cell."""
    issued: str = ""
    """Whose and which year's workbook ('后河镇人民政府 2021年'): printed at the top left of
    every page, the sheet's name at the top right."""
    ws: Worksheet = field(init=False)
    _heights: dict[int, float] = field(init=False, default_factory=dict)
    _growing: set[int] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.ws = self.workbook.add_worksheet(self.name)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
        self.ws.hide_gridlines(2)
        self.ws.set_paper(A4)
        self.ws.center_horizontally()
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        self.ws.set_footer("&C第 &P 页，共 &N 页")
        self.ws.set_header(page_header(self.issued, right=self.name))

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    def span_width(self, first_col: int, last_col: int) -> float:
        return sum(self.widths[first_col : last_col + 1])

    def need(self, row: int, points: float) -> None:
        """Ask for row `row` to be at least `points` high."""
        self._heights[row] = max(self._heights.get(row, 0.0), points)

    def grow(self, row: int) -> None:
        """Let the application fit row `row` to the text typed into it.

        A row whose height was set by hand ("customHeight") keeps it whatever is typed, so a
        long answer shows (and prints) only its first lines. The row keeps the height reserved
        for it, but `let_rows_grow` drops the mark after writing: Excel, WPS and LibreOffice then
        fit it to its wrapped text whenever a cell in it is edited. Only for rows without
        merged cells, which no application fits.
        """
        self._growing.add(row)

    @property
    def growing_rows(self) -> frozenset[int]:
        return frozenset(self._growing)

    def text(
        self,
        row: int,
        col: int,
        value: str,
        fmt: Format,
        *,
        last_row: int | None = None,
        last_col: int | None = None,
        size: float = FONT_SIZE,
    ) -> None:
        """Write a string, merged over the given range, and reserve the height it needs."""
        last_row = row if last_row is None else last_row
        last_col = col if last_col is None else last_col
        self._cell(row, col, last_row, last_col, fmt)
        self.ws.write_string(row, col, value, fmt)
        lines = wrapped_lines(value, self.span_width(col, last_col))
        height = lines * _LINE_PT * size / FONT_SIZE + _PADDING_PT
        rows = last_row - row + 1
        for r in range(row, last_row + 1):
            self.need(r, height / rows)

    def input_cell(self, row: int, col: int, key: str, *, last_col: int | None = None) -> None:
        """An empty, unlocked input cell for `key`, formatted for its type."""
        fmt = self.styles.inputs[FIELDS_BY_KEY[key].type]
        self._cell(row, col, row, col if last_col is None else last_col, fmt)
        self.ws.write_blank(row, col, None, fmt)
        self._place(key, row, col)

    def fixed_cell(self, row: int, col: int, key: str, value: str | int, *, last_col: int) -> None:
        """A locked cell filled by the office (agency name, report year)."""
        kind = FIELDS_BY_KEY[key].type
        fmt = self.styles.fixed[kind]
        if isinstance(value, int):
            self._cell(row, col, row, last_col, fmt)
            self.ws.write_number(row, col, value, fmt)
        else:
            self.text(row, col, value, fmt, last_col=last_col)
        self._place(key, row, col)

    def protect(self) -> None:
        """Lock every cell but the inputs; no password, and rows and columns stay resizable."""
        self.ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    def finish(self) -> None:
        for row, points in self._heights.items():
            self.ws.set_row(row, round(max(points, _MIN_ROW_PT), 1))

    def _cell(self, row: int, col: int, last_row: int, last_col: int, fmt: Format) -> None:
        if (row, col) != (last_row, last_col):
            self.ws.merge_range(row, col, last_row, last_col, "", fmt)

    def _place(self, key: str, row: int, col: int) -> None:
        if key in self.placed:
            raise ValueError(f"field {key!r} placed twice")
        self.placed[key] = Placed(key, self.name, row, col)


_CUSTOM_HEIGHT = re.compile(r'(<row r="(\d+)"[^>]*?) customHeight="1"')


def _unmark(xml: str, rows: set[int]) -> str:
    def keep_height(m: re.Match[str]) -> str:
        return m.group(1) if int(m.group(2)) in rows else m.group(0)

    return _CUSTOM_HEIGHT.sub(keep_height, xml)


def let_rows_grow(xlsx: Path, growing: Mapping[int, Iterable[int]]) -> None:
    """Drop the customHeight mark of the given rows (1-based sheet number -> 0-based rows) in
    the written file `xlsx`, keeping their height: xlsxwriter marks every row it sizes as sized
    by hand, which stops Excel and LibreOffice from fitting it to the text typed later."""
    wanted = {n: {r + 1 for r in rows} for n, rows in growing.items()}
    with zipfile.ZipFile(xlsx) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            rows = wanted.get(int(match.group(1)), set()) if match else set()
            if rows:
                data = _unmark(data.decode("utf-8"), rows).encode("utf-8")
            target.writestr(info, data)


def rectangles(cells: Iterable[Placed], *, absolute: bool = False) -> list[str]:
    """Cover `cells` (one sheet) with as few A1 ranges as possible, for sqrefs and SUM().

    Runs of adjacent cells in a row become one range; equal runs in consecutive rows merge
    into a rectangle. 'D5:J29' reads better than 175 single references, and is shorter.
    """
    by_row: dict[int, list[int]] = {}
    for cell in cells:
        by_row.setdefault(cell.row, []).append(cell.col)
    runs: list[tuple[int, int, int]] = []  # (row, first_col, last_col)
    for row in sorted(by_row):
        cols = sorted(set(by_row[row]))
        start = prev = cols[0]
        for col in cols[1:]:
            if col != prev + 1:
                runs.append((row, start, prev))
                start = col
            prev = col
        runs.append((row, start, prev))
    boxes: list[list[int]] = []  # [first_row, last_row, first_col, last_col]
    for row, c0, c1 in runs:
        box = next((b for b in boxes if b[1] == row - 1 and (b[2], b[3]) == (c0, c1)), None)
        if box:
            box[1] = row
        else:
            boxes.append([row, row, c0, c1])
    out = []
    for r0, r1, c0, c1 in boxes:
        if (r0, c0) == (r1, c1):
            out.append(xl_rowcol_to_cell(r0, c0, row_abs=absolute, col_abs=absolute))
        else:
            out.append(_range(r0, c0, r1, c1, absolute))
    return out


def _range(r0: int, c0: int, r1: int, c1: int, absolute: bool) -> str:
    if not absolute:
        return xl_range(r0, c0, r1, c1)
    first = xl_rowcol_to_cell(r0, c0, row_abs=True, col_abs=True)
    last = xl_rowcol_to_cell(r1, c1, row_abs=True, col_abs=True)
    return f"{first}:{last}"
