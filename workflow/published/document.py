"""The neutral form of a published report: its paragraphs and tables, in reading order.

Both sources (Word, HTML) become a `Document`; nothing after this knows which it was. A table
is a rectangle of cell text with every merged cell repeated in each grid position it covers, so
a row label merged over eight rows (（三）不予公开) is found in each of them and a header merged
over three columns (本年处理决定数量) names each of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["REPORT_TABLE_WORDS", "Document", "Paragraph", "Table", "clean", "squash"]

_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
REPORT_TABLE_WORDS = ("第二十条", "申请人情况", "自然人", "结果维持", "尚未审结")
"""Words only the report's own tables (表二–表四) hold: a table that holds a table with them
is the page's (or document's) layout, not a report table."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(slots=True)
class Table:
    rows: list[list[str]]
    """Cell text by row and grid column; merged cells repeated; short rows padded with ''."""

    def __post_init__(self) -> None:
        width = max((len(r) for r in self.rows), default=0)
        self.rows = [r + [""] * (width - len(r)) for r in self.rows]


@dataclass(slots=True)
class Document:
    blocks: list[Paragraph | Table] = field(default_factory=list)
    title_hint: str = ""
    """The HTML <title> (or the Word document's title property): where the page keeps the
    report's title when its body does not."""


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
