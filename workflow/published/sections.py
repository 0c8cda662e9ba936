"""A `Document` cut at the report's headings: the title, the sections as printed, each table's
rows.

Headings are found by their numbering and words, not by style (offices bold them, number them
"一、" or "一．", put them in a table's first row, or run them into the paragraph: "（一）主动公开
情况。我局……"). Section boundaries are any 一…十 heading at the top level, whatever its words:
some provinces add 五、信息处理费收取情况 and renumber the rest (六、存在的主要问题…, 七、其他…),
so what a section is comes from its heading's words (`roles`), never its number. A line numbered
like a heading counts as one only in sequence: a number above the last heading's, with words that
say what it is; a heading whose words say nothing known only right after the tables' sections
(where offices add their own) — so "二、强化平台建设" in a list inside 一、总体情况 stays prose.

Tables are known by what they hold (第二十条 / 自然人 / 结果维持 …), so a table under a heading
worded oddly is still found, and a 信息处理费 table printed after table 四 never merges into it.
A table holding none of these words continues the table of its section only when it is as wide
(the rest of a table split at a page break); two tables under one heading are then one table's
rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.core.form import PROSE_PARTS, REPORT_TITLE_SUFFIX, SECTION_TITLES
from workflow.core.submission import PrintedSection
from workflow.published.document import Document, Table, squash

__all__ = ["SECTION_HEADINGS", "TABLE_ROLES", "Sections", "cut", "parse_title"]

TABLE_ROLES = ("proactive", "applications", "litigation")
SECTION_HEADINGS = {key: SECTION_TITLES[key] for key in SECTION_TITLES}
_NUMERALS = "一二三四五六七八九十"
_TOP = re.compile(r"^([一二三四五六七八九十])[、.，,](.*)$", re.DOTALL)
_HEADING_MAX = 40
"""Characters a top-level heading's words may run to (squashed); a longer line is prose."""
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fees", ("信息处理费", "收费")),
    ("overview", ("总体情况", "基本情况", "概述", "概况", "总体")),
    ("proactive", ("主动公开",)),
    ("applications", ("收到和处理", "依申请", "申请情况", "申请公开")),
    ("litigation", ("复议", "诉讼")),
    ("problems", ("问题", "不足", "改进", "整改", "下一步", "工作计划", "工作打算", "工作思路")),
    ("other", ("其他", "其它")),
)
_CANONICAL = {"overview": 1, "proactive": 2, "applications": 3, "litigation": 4}
"""The number below which a section cannot be: table 三 never comes before 二."""
_TAIL_ROLES = frozenset({"problems", "other", "fees"})
_BARE_HEADINGS = {squash(title)[2:]: key for key, title in SECTION_TITLES.items()}
"""'总体情况' → 'overview': a heading whose number Word's list numbering draws (not in the text)."""
_RUN_IN = tuple(squash(title)[2:] for title in SECTION_TITLES.values())
"""A top heading's official words, which may run into its first paragraph."""
_SUB = re.compile(r"^（([一二三四五六七八九十])）(.*)$", re.DOTALL)
_TOPIC_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("text_proactive", ("主动公开",)),
    ("text_on_request", ("依申请",)),
    ("text_management", ("信息管理", "管理情况")),
    ("text_platforms", ("平台",)),
    ("text_oversight", ("监督", "保障")),
)
"""Words of a sub-heading of 一 → the part it heads: （一）主动公开方面 as （一）主动公开情况."""
_BARE_SUBHEADINGS = {squash(p.heading)[3:]: p.key for p in PROSE_PARTS if p.heading}
_SUB_MAX = 30
"""Characters a sub-heading of 一 may run to before the 。 or ： that ends it."""
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
_TITLE = re.compile(r"(.*?)(\d{4})年度?(?:政府信息公开|政务公开|信息公开)[^\n]{0,6}年度?报告")


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


def _roles(words: str) -> tuple[str, ...]:
    found = [role for role, signs in _ROLE_WORDS if any(s in words for s in signs)]
    tables = [r for r in found if r in TABLE_ROLES]
    return tuple(r for r in found if r not in TABLE_ROLES or r == tables[0])


@dataclass(frozen=True, slots=True)
class _Heading:
    number: str
    roles: tuple[str, ...]
    rest: str
    """Text run into the heading's paragraph after its words ('' when none)."""


def _heading(text: str, last: int, past_tables: bool = False) -> _Heading | None:
    """The top-level heading `text` is, given the number of the last one (0 before any) and
    whether table 四 has been read (the sections after the tables come after it)."""
    flat = squash(text)
    if flat in _BARE_HEADINGS:
        return _Heading("", (_BARE_HEADINGS[flat],), "")
    match = _TOP.match(flat)
    if match is None:
        return None
    number, words = match.group(1), match.group(2)
    rest = ""
    official = next((w for w in _RUN_IN if words.startswith(w)), None)
    if official is not None and "。" in words[len(official) :]:  # a sentence runs on
        words, rest = official, words[len(official) :].lstrip("。.:：，,")
    elif len(words) > _HEADING_MAX:
        return None
    n = _NUMERALS.index(number) + 1
    roles = _roles(words)
    if roles:
        if n <= last or any(n < _CANONICAL.get(r, 5) for r in roles):
            return None
        if set(roles) <= _TAIL_ROLES and last < 4 and not past_tables:
            return None
        return _Heading(number, roles, rest)
    if n == last + 1 and (last == 0 or last >= 4 or past_tables):
        return _Heading(number, ("overview",) if n == 1 else (), rest)
    return None


def _subheading(text: str) -> tuple[str, str] | None:
    """(prose key, the paragraph's text after its heading) when `text` starts a sub-part of
    一: a （一）…（五） heading — its words say which part; none known: the general text — or
    a part's official words alone.

    The heading ends at its official words (（一）主动公开情况全年主动公开38条), or at a 。 or ：
    within its first 30 characters, or is the whole paragraph when that is no longer; a
    heading running into its text with no mark between ends nowhere certain, and the whole
    paragraph is the part's text."""
    flat = squash(text)
    if flat in _BARE_SUBHEADINGS:
        return _BARE_SUBHEADINGS[flat], ""
    match = _SUB.match(flat)
    if match is None:
        return None
    body = match.group(2)
    official = next((w for w in _BARE_SUBHEADINGS if body.startswith(w)), None)
    stops = [i for i in (body.find("。"), body.find("："), body.find(":")) if 0 <= i < _SUB_MAX]
    if official is not None:
        head, rest = official, body[len(official) :].lstrip("。.:：，,")
    elif stops:
        head, rest = body[: min(stops)], body[min(stops) + 1 :]
    elif len(body) <= _SUB_MAX:
        head, rest = body, ""
    else:
        head, rest = body[:_SUB_MAX], flat
    for key, words in _TOPIC_WORDS:
        if any(w in head for w in words):
            return key, rest
    return "text_overview", ""


def _table_heading(row: list[str], last: int) -> _Heading | None:
    cells = {c for c in row if c.strip()}
    return _heading(next(iter(cells)), last) if len(cells) == 1 else None


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

    def start(self, heading: _Heading, text: str) -> None:
        """A new section headed by `text` (its words and any paragraph run into it)."""
        rest = _tail(text, heading.rest) if heading.rest else ""
        printed = text[: len(text) - len(rest)].strip() if rest else text.strip()
        self.part = _Part(heading.number, printed, heading.roles)
        self.out.parts.append(self.part)
        if heading.number:
            self.last = _NUMERALS.index(heading.number) + 1
        else:
            self.last = max(self.last, _CANONICAL.get(heading.roles[0], self.last))
        keys = {"overview": "text_overview", "problems": "text_problems", "other": "text_other"}
        keys["fees"] = "text_other"
        self.prose_keys = tuple(dict.fromkeys(keys[r] for r in heading.roles if r in keys))
        if rest:
            self.paragraph(rest)

    def table(self, rows: list[list[str]]) -> None:
        if rows and (heading := _table_heading(rows[0], self.last)):
            self.start(heading, next(c for c in rows[0] if c.strip()))
            rows = rows[1:]
        if not rows or self.ended:
            return
        role = _table_role(rows)
        if role is None and self.part is not None:
            own = [r for r in self.part.roles if r in TABLE_ROLES]
            if own and _aligned(self.out.rows.get(own[0], rows), rows):
                role = own[0]
            elif own and any(_has_number(row) for row in rows):
                self.out.notes.append(
                    f"“{self.part.heading}”下有一个不属于表二至表四的表格，未读取"
                )
        if role in TABLE_ROLES:
            if not _aligned(self.out.rows.get(role, rows), rows):
                self.out.misaligned.add(role)
            self.out.rows[role] = _padded([*self.out.rows.get(role, []), *rows])
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
        if (heading := _heading(text, self.last, past_tables)) is not None:
            self.start(heading, text)
            return
        if self.part is None:
            self.out.title_lines.append(text)
            return
        self.part.paragraphs.append(text)
        if "overview" in self.part.roles and (sub := _subheading(text)) is not None:
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


def _padded(rows: list[list[str]]) -> list[list[str]]:
    """Rows of tables read as one, all as wide as the widest (short rows padded with '')."""
    width = max(len(row) for row in rows)
    return [row + [""] * (width - len(row)) for row in rows]


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


def parse_title(lines: list[str], hint: str = "") -> tuple[str, int | None]:
    """(agency, year) from the title lines before 一、总体情况, else from the page's title.

    A page's side bar or 相关文章 list may name other reports before this one's title: where
    the page's <title> (or the document's title property) names a report, the line that agrees
    with it is taken."""
    pairs = ["".join(lines[i : i + 2]) for i in range(len(lines))]
    found = [t for t in (_title(c) for c in (*lines, *pairs)) if t is not None]
    said = _title(hint)
    if said is None:
        return found[0] if found else ("", None)
    agreeing = [
        t for t in found if t[0] and t[1] == said[1] and (t[0] in said[0] or said[0] in t[0])
    ]
    return agreeing[0] if agreeing else said


def _title(text: str) -> tuple[str, int] | None:
    flat = squash(text).replace(REPORT_TITLE_SUFFIX, "年政府信息公开工作年度报告")
    match = _TITLE.search(flat)
    return (match.group(1).strip("-_|·—"), int(match.group(2))) if match else None
