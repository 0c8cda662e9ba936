"""A `Document` cut at the report's top-level headings (`headings`): the title lines, the
sections as printed with their roles, each table's rows, the prose of each part.

Tables are known by what they hold (第二十条 / 自然人 / 结果维持 …), so a table under a heading
worded oddly is still found, and a 信息处理费 table printed after table 四 never merges into it.
A table holding none of these words continues the table of its section only when it lines up
with it (the rest of a table split at a page break); parts of one table that do not line up are
marked `misaligned` (which column is which would be a guess). A web page's furniture after the
report (版权所有, 扫一扫, 附件下载 …) ends the last section's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.core.form import TABLE_SECTIONS
from workflow.core.submission import PrintedSection
from workflow.published.document import Document, Table, padded, squash
from workflow.published.headings import (
    CANONICAL,
    NUMERALS,
    Heading,
    subheading,
    table_heading,
    top_heading,
)

__all__ = ["Sections", "cut"]

_TABLE_SIGNS: dict[str, tuple[str, ...]] = {
    "proactive": ("第二十条", "制发件数", "现行有效", "处理决定数量", "规范性文件", "事业性收费"),
    "applications": (
        *("申请人情况", "自然人", "本年新收", "上年结转", "予以公开", "不予公开"),
        *("无法提供", "不予处理", "结转下年度"),
    ),
    "litigation": ("结果维持", "结果纠正", "尚未审结", "复议后起诉", "直接起诉"),
    "fees": ("信息处理费",),
}
"""Words only that table holds: how a table is known whatever its heading says."""
_PAGE_END = re.compile(
    r"版权所有|Copyright|ICP备|网站标识码|主办单位|承办单位：|打印本页|关闭窗口|【打印】|【关闭】"
    r"|分享到|上一篇|下一篇|相关链接|扫一扫|网站地图|联系我们|附件下载|责任编辑|我要纠错|【字体",
    re.IGNORECASE,
)
"""A web page's furniture after the report: where the last section's text stops."""
_PAGE_END_MAX = 80


@dataclass(slots=True)
class _Part:
    number: str
    heading: str
    roles: tuple[str, ...]
    paragraphs: list[str] = field(default_factory=list)
    extra_tables: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)

    def printed(self) -> PrintedSection:
        return PrintedSection(
            self.number,
            self.heading,
            self.roles,
            "\n".join(self.paragraphs),
            tuple(self.extra_tables),
        )


@dataclass(slots=True)
class Sections:
    title_lines: list[str] = field(default_factory=list)
    prose: dict[str, list[str]] = field(default_factory=dict)
    """Prose key → paragraphs."""
    rows: dict[str, list[list[str]]] = field(default_factory=dict)
    """'proactive' / 'applications' / 'litigation' → rows of the section's table(s)."""
    tables: dict[str, int] = field(default_factory=dict)
    """How many tables each section's rows came from."""
    parts: list[_Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was unusual in the layout and matters for the figures (a table not read)."""
    misaligned: set[str] = field(default_factory=set)
    """Table roles whose parts (a table split at a page break) have different numbers of
    columns: which column of one is which of the other would be a guess."""

    def printed(self) -> list[PrintedSection]:
        return [p.printed() for p in self.parts]


def _table_role(rows: list[list[str]]) -> str | None:
    """Which table these rows are by what they hold; None when they hold nothing telling."""
    texts = {squash(c) for row in rows for c in row if c.strip()}
    scores = {
        role: sum(any(s in t for s in signs) for t in texts) for role, signs in _TABLE_SIGNS.items()
    }
    best = max(scores.values())
    winners = [r for r, s in scores.items() if s == best]
    return winners[0] if best and len(winners) == 1 else None


class _Cutter:
    def __init__(self) -> None:
        self.out = Sections()
        self.part: _Part | None = None
        self.last = 0
        self.prose_keys: tuple[str, ...] = ()
        self.ended = False

    def start(self, heading: Heading, text: str) -> None:
        """A new section headed by `text` (its words and any paragraph run into it)."""
        rest = _tail(text, heading.rest) if heading.rest else ""
        printed = text[: len(text) - len(rest)].strip() if rest else text.strip()
        self.part = _Part(heading.number, printed, heading.roles)
        self.out.parts.append(self.part)
        if heading.number:
            self.last = NUMERALS.index(heading.number) + 1
        else:
            self.last = max(self.last, CANONICAL.get(heading.roles[0], self.last))
        keys = {"overview": "text_overview", "problems": "text_problems", "other": "text_other"}
        keys["fees"] = "text_other"
        self.prose_keys = tuple(dict.fromkeys(keys[r] for r in heading.roles if r in keys))
        if rest:
            self.paragraph(rest)

    def table(self, rows: list[list[str]]) -> None:
        if rows and (heading := table_heading(rows[0], self.last)):
            self.start(heading, next(c for c in rows[0] if c.strip()))
            rows = rows[1:]
        if not rows or self.ended:
            return
        role = _table_role(rows)
        if role in TABLE_SECTIONS and not _aligned(self.out.rows.get(role, rows), rows):
            self.out.misaligned.add(role)  # known by its words, but its columns differ
        if role is None and self.part is not None:
            own = [r for r in self.part.roles if r in TABLE_SECTIONS]
            if own and _aligned(self.out.rows.get(own[0], rows), rows):
                role = own[0]  # no telling words: the rest of its section's table
            elif own and any(_has_number(row) for row in rows):
                self.out.notes.append(
                    f"“{self.part.heading}”下有一个不属于表二至表四的表格，未读取"
                )
        if role in TABLE_SECTIONS:
            self.out.rows[role] = padded([*self.out.rows.get(role, []), *rows])
            self.out.tables[role] = self.out.tables.get(role, 0) + 1
        elif self.part is not None:
            self.part.extra_tables.append(tuple(tuple(row) for row in rows))

    def paragraph(self, text: str) -> None:
        if not text.strip() or self.ended:
            return
        if self.part is not None and len(text) <= _PAGE_END_MAX and _PAGE_END.search(text):
            self.ended = True
            return
        past_tables = "litigation" in self.out.rows
        if (heading := top_heading(text, self.last, past_tables)) is not None:
            self.start(heading, text)
            return
        if self.part is None:
            self.out.title_lines.append(text)
            return
        self.part.paragraphs.append(text)
        if "overview" in self.part.roles and (sub := subheading(text)) is not None:
            key, rest = sub
            self.prose_keys = (key,)
            if key == "text_overview":
                self.out.prose.setdefault(key, []).append(text)
            elif rest:
                self.out.prose.setdefault(key, []).append(_tail(text, rest))
            return
        for key in self.prose_keys:
            self.out.prose.setdefault(key, []).append(text)


def _tail(text: str, rest: str) -> str:
    """The end of `text` as printed whose squashed form is `rest` (spaces and full-width
    characters kept as printed)."""
    for i in range(max(0, len(text) - len(rest)), -1, -1):
        if squash(text[i:]) == rest:
            return text[i:].strip()
    return rest


def _aligned(above: list[list[str]], below: list[list[str]]) -> bool:
    """Whether the rows of a table's next part line up with those before it: as many columns,
    or more only where every cell is empty (a trailing column of the layout)."""
    narrow = min(len(above[0]), len(below[0]))
    return not any(c.strip() for row in (*above, *below) for c in row[narrow:])


def _has_number(row: list[str]) -> bool:
    return any(re.search(r"\d", c) for c in row)


def cut(document: Document) -> Sections:
    cutter = _Cutter()
    for block in document.blocks:
        if isinstance(block, Table):
            cutter.table(block.rows)
        else:
            cutter.paragraph(block.text)
    return cutter.out
