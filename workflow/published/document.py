"""The neutral form of a published report: its paragraphs and tables, in reading order.

Both sources (Word, HTML) become a `Document`; nothing after this knows which it was. A table
is a rectangle of cell text with every merged cell repeated in each grid position it covers, so
a row label merged over eight rows (（三）不予公开) is found in each of them and a header merged
over three columns (本年处理决定数量) names each of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = [
    "REPORT_TABLE_WORDS",
    "Document",
    "Paragraph",
    "Table",
    "clean",
    "is_layout",
    "padded",
    "squash",
]

_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
REPORT_TABLE_WORDS = ("第二十条", "申请人情况", "自然人", "结果维持", "尚未审结")
"""Words only the report's own tables (表二–表四) hold: a table that holds a table with them
is the page's (or document's) layout, not a report table."""

_LAYOUT_COLUMNS = 3
"""At most this many cells a row: a table holding tables is the page's or document's layout
(nav | body | sidebar, a frame), not a report table (表二 has four columns, 表三 nine, 表四
fifteen)."""

_Nested = TypeVar("_Nested")


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(slots=True)
class Table:
    rows: list[list[str]]
    """Cell text by row and grid column; merged cells repeated; short rows padded with ''."""

    def __post_init__(self) -> None:
        self.rows = padded(self.rows)


@dataclass(slots=True)
class Document:
    blocks: list[Paragraph | Table] = field(default_factory=list)
    title_hint: str = ""
    """The HTML <title> (or the Word document's title property): where the page keeps the
    report's title when its body does not."""


def padded(rows: list[list[str]]) -> list[list[str]]:
    """`rows` all as wide as the widest, short rows padded with '' (new lists)."""
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def is_layout(
    nested: Sequence[_Nested], widths: Iterable[int], text: Callable[[_Nested], str]
) -> bool:
    """Whether a table is a layout table, read as blocks, given the tables nested in it, the
    number of cells in each of its own rows, and how to read a nested table's text.

    It is one when it holds tables and is narrow (a few cells a row), or when a table inside it
    is one of the report's; a report table with a small table nested in a cell stays a table.
    `widths` and `text` are only used when needed.
    """
    if not nested:
        return False
    if max(widths, default=0) <= _LAYOUT_COLUMNS:
        return True
    return any(any(w in squash(text(t)) for w in REPORT_TABLE_WORDS) for t in nested)


def clean(text: str) -> str:
    """Text as read: runs of white space (nbsp, ideographic, zero-width) as one space, trimmed."""
    return _SPACES.sub(" ", text).strip()


def squash(text: str) -> str:
    """Text for matching labels: NFKC (full-width digits and brackets half-width), no spaces,
    brackets and quotes of one kind: '（三）不予公开' and '(三) 不予公开' become the same."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    return text.translate(_FOLD)


_FOLD = str.maketrans({"(": "（", ")": "）", "“": "", "”": "", '"': "", "．": ".", "、": "、"})
