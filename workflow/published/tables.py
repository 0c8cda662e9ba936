"""What the three table readers share: the cells they read, how they refuse, how they note.

Positions mean nothing in a published table (offices merge, add blank columns, split it at a
page break), labels do: a column is where its header says 自然人 or 本年制发件数, a row is where
its label says 规章 or （三）不予公开 … 1.属于国家秘密. Each reader (`proactive_table`,
`applications_table`, `litigation_table`) returns the text of every cell by field key, with where
it was (`CellRef` naming the table, row and column), and notes on what it had to interpret: a
label printed a character or two off (read as the label it stands for, the printed one named),
a row the report leaves out (not reported: 0, named). What it cannot place without guessing — a
table with none of its rows, two columns that could each be 自然人, a row of numbers whose label
is no row of the format — it refuses with `Unreadable`, saying which table and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.core.submission import CellRef
from workflow.published.document import squash
from workflow.published.labels import AmbiguousLabel, closest

__all__ = [
    "TABLE_NAMES",
    "Cells",
    "Unreadable",
    "match_label",
    "numberish",
    "one_column",
]

TABLE_NAMES = {"proactive": "表二", "applications": "表三", "litigation": "表四"}
_NUMBERISH = re.compile(r"[0-9.,，]*")


class Unreadable(Exception):
    """A table that cannot be read; the message (Chinese) says which and why."""


@dataclass(slots=True)
class Cells:
    text: dict[str, str] = field(default_factory=dict)
    where: dict[str, CellRef] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, text: str, table: str, row: str, column: str) -> None:
        if key in self.text and squash(self.text[key]) != squash(text):
            raise Unreadable(
                f"{table}“{row}”行“{column}”列出现两次且数字不同（{self.text[key]}、{text}）"
            )
        self.text[key] = text
        self.where[key] = CellRef(table, f"“{row}”行“{column}”列")

    def absent(self, key: str, table: str, row: str, column: str) -> None:
        """A cell of a row the report leaves out: not reported, read as blank (0)."""
        self.text[key] = ""
        self.where[key] = CellRef(table, f"“{row}”行“{column}”列（报告中没有此行）")

    def slip(self, table: str, printed: str, label: str) -> None:
        """Note a label printed off the form's, read as the form's."""
        note = f"{table}中的“{printed}”按格式中的“{label}”读取"
        if note not in self.notes:
            self.notes.append(note)

    def left_out(self, table: str, labels: list[str]) -> None:
        if labels:
            rows = "、".join(f"“{label}”" for label in labels)
            self.notes.append(f"{table}没有{rows}行，按未填报（0）计")


def numberish(text: str) -> bool:
    return bool(_NUMBERISH.fullmatch(squash(text)))


def match_label(printed: str, labels: list[str], table: str) -> str | None:
    """`labels.closest` for a cell of `table`, a tie refused as a guess."""
    try:
        return closest(squash(printed), labels)
    except AmbiguousLabel as exc:
        options = "”或“".join(exc.labels)
        raise Unreadable(f"{table}中的“{printed}”可能是“{options}”，无法确定") from exc


def one_column(cells: list[tuple[int, str]], table: str, label: str) -> int:
    """The grid column of the one cell among `cells` (index, printed text) headed `label`; two
    cells that could each be it are refused (`_column_runs`)."""
    runs = _column_runs(cells)
    if len(runs) > 1:
        raise Unreadable(f"{table}有两列都可能是“{label}”，无法确定")
    return runs[0][0]


def _column_runs(cells: list[tuple[int, str]]) -> list[list[int]]:
    """Grid columns (index, printed text) grouped into the cells they are: a merged cell
    repeats its text in neighbouring columns (one run); another text, or a gap, is another
    cell."""
    runs: list[list[int]] = []
    texts: list[str] = []
    for i, text in sorted(set(cells)):
        if runs and i == runs[-1][-1] + 1 and text == texts[-1]:
            runs[-1].append(i)
        else:
            runs.append([i])
            texts.append(text)
    return runs
