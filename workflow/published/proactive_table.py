"""表二 (主动公开政府信息情况) read by its row and column labels.

Four blocks, each headed by its article (第二十条第（一）项 …) and a header row (信息内容 |
本年制发件数 …). A header printed a character or two off (先行有效件数, 本年废址件数) is read as
the column of its block it stands for; a row label likewise, among the rows of its block. A body
that makes no 规章 prints only the 规范性文件 row: a row left out is not reported (0), noted.

The 2019 layout (国办公开办函〔2019〕60号) has other columns in the first block (本年新制作数量
…): its six cells are not read, with a note.
"""

from __future__ import annotations

import re

from workflow.core.form import FEE_COLUMN, SECTION2_BLOCKS, Section2Block
from workflow.published.document import squash
from workflow.published.tables import (
    TABLE_NAMES,
    Cells,
    Unreadable,
    match_label,
    one_column,
)

__all__ = ["read_proactive"]

_S2_WORDS = {
    "本年制发件数": "制发",
    "本年废止件数": "废止",
    "现行有效件数": "现行有效",
    "本年处理决定数量": "处理决定",
    FEE_COLUMN: "收费金额",
}
_S2_2019 = ("新制作", "上一年项目数量", "本年增", "新公开")
_ARTICLES = {squash(block.article): b for b, block in enumerate(SECTION2_BLOCKS)}
_SHORT_NAMES = {"规范性文件": "行政规范性文件"}
"""Names offices print for a row that are not slips: read silently."""
_LABEL_HEADER = "信息内容"


def _article(row: list[str]) -> int | None:
    for cell in row:
        flat = squash(cell)
        for article, b in _ARTICLES.items():
            if article in flat:
                return b
    return None


class _Reader:
    def __init__(self, rows: list[list[str]]) -> None:
        self.rows = rows
        self.table = TABLE_NAMES["proactive"]
        self.out = Cells()
        self.is_2019 = any(w in squash(c) for row in rows for c in row for w in _S2_2019)
        self.block: int | None = None
        self.header: dict[str, int] = {}
        self.seen: set[tuple[int, int]] = set()
        self.skipped: dict[str, list[str]] = {}
        self.unknown: list[tuple[int | None, str]] = []
        """(block, label) of rows with numbers whose label is no row of the format."""

    def header_row(self, row: list[str]) -> dict[str, int] | None:
        """Column word → grid index when `row` is a block's header row, else None."""
        flats = [squash(c) for c in row]
        found = {
            word: i
            for i in reversed(range(len(row)))
            for word in _S2_WORDS.values()
            if word in flats[i]
        }
        if not found and _LABEL_HEADER not in flats:
            return None
        if self.is_2019:
            return found
        blocks = [SECTION2_BLOCKS[self.block]] if self.block is not None else SECTION2_BLOCKS
        wanted = [c for block in blocks for c in block.columns if _S2_WORDS[c] not in found]
        used = set(found.values())
        hits: dict[str, list[tuple[int, str]]] = {}
        for i, flat in enumerate(flats):
            if i in used or not flat or flat == _LABEL_HEADER:
                continue
            label = match_label(row[i], wanted, self.table)
            if label is not None:
                hits.setdefault(label, []).append((i, flats[i]))
        for label, indexes in hits.items():
            column = one_column(indexes, self.table, label)
            found[_S2_WORDS[label]] = column
            self.out.slip(self.table, row[column], label)
        return found

    def place(self, printed: str) -> tuple[int, int] | None:
        """(block, row) of the form's row whose label `printed` is."""
        flat = _SHORT_NAMES.get(squash(printed), squash(printed))
        for b, block in enumerate(SECTION2_BLOCKS):
            for r, row in enumerate(block.rows):
                if flat == row.label:
                    return b, r
        candidates = {
            row.label: (b, r)
            for b, block in enumerate(SECTION2_BLOCKS)
            if self.block is None or b == self.block
            for r, row in enumerate(block.rows)
            if (b, r) not in self.seen
        }
        label = match_label(printed, list(candidates), self.table)
        if label is None:
            return None
        self.out.slip(self.table, printed, label)
        return candidates[label]

    def data_row(self, row: list[str]) -> None:
        label_at = next((i for i, c in enumerate(row) if c.strip()), None)
        if label_at is None:
            return
        place = self.place(row[label_at])
        if place is None:
            if any(re.search(r"\d", c) for c in row[label_at + 1 :]):
                self.unknown.append((self.block, "".join(row[label_at].split())))
            return
        block = SECTION2_BLOCKS[place[0]]
        form_row = block.rows[place[1]]
        self.seen.add(place)
        for column, key in zip(block.columns, form_row.keys, strict=True):
            index = self.header.get(_S2_WORDS[column])
            if index is None or index <= label_at:
                if self.is_2019:
                    self.skipped.setdefault(block.article, []).append(f"{form_row.label}·{column}")
                    continue
                raise Unreadable(f"{self.table}“{form_row.label}”行上方找不到“{column}”列")
            self.out.put(key, row[index], self.table, form_row.label, column)

    def read(self) -> Cells:
        for row in self.rows:
            article = _article(row)
            if article is not None:
                self.block = article
                continue
            header = self.header_row(row)
            if header is not None or any(w in squash(c) for c in row for w in _S2_2019):
                self.header = header or {}
                continue
            self.data_row(row)
        if not self.seen:
            raise Unreadable(f"{self.table}中找不到格式中的任何一行（规章、行政许可……）")
        self.left_out()
        for name, cells in self.skipped.items():
            labels = "、".join(dict.fromkeys(c.split("·")[0] for c in cells))
            self.out.notes.append(
                f"{self.table}{name}为 2019 年格式，没有“{cells[0].split('·')[1]}”等列，"
                f"{labels}的 {len(cells)} 个数未读取（不作推测）"
            )
        return self.out

    def left_out(self) -> None:
        """Rows the report leaves out are not reported (0) — unless a row of numbers the
        format does not have stands where one is missing: that number may be the missing
        row's, and placing it either way is a guess."""
        missing: list[str] = []
        for b, block in enumerate(SECTION2_BLOCKS):
            absent = [r for r in range(len(block.rows)) if (b, r) not in self.seen]
            stray = [label for at, label in self.unknown if at in (b, None)]
            if absent and stray:
                raise Unreadable(
                    f"{self.table}中“{stray[0]}”不是格式中的行，"
                    f"找不到“{block.rows[absent[0]].label}”行"
                )
            for r in absent:
                form_row = block.rows[r]
                missing.append(form_row.label)
                _absent(self.out, block, form_row.keys, form_row.label, self.table)
        self.out.left_out(self.table, missing)
        for _, label in [] if self.is_2019 else self.unknown:
            self.out.notes.append(f"{self.table}中“{label}”行不是格式中的行，未读取")


def _absent(out: Cells, block: Section2Block, keys: tuple[str, ...], row: str, table: str) -> None:
    for column, key in zip(block.columns, keys, strict=True):
        out.absent(key, table, row, column)


def read_proactive(rows: list[list[str]]) -> Cells:
    return _Reader(rows).read()
