"""What a line of a published report is: its title, a top-level heading (and what its words say
the section is), a sub-heading of 一、总体情况 (and which part it heads).

Headings are found by their numbering and words, not by style (offices bold them, number them
"一、" or "一．", put them in a table's first row, or run them into the paragraph: "（一）主动公开
情况。我局……"). Any 一…十 heading at the top level is a section boundary, whatever its words:
some provinces add 五、信息处理费收取情况 and renumber the rest (六、存在的主要问题…, 七、其他…),
so what a section is comes from its heading's words (`roles`), never its number. A line numbered
like a heading counts as one only in sequence: a number above the last heading's, with words that
say what it is; a heading whose words say nothing known only as the first, or after the tables'
sections (where offices add their own) — so "二、强化平台建设" in a list inside 一、总体情况 stays
prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.core.form import PROSE_PARTS, REPORT_TITLE_SUFFIX, SECTION_TITLES, TABLE_SECTIONS
from workflow.published.document import squash

__all__ = [
    "CANONICAL",
    "NUMERALS",
    "Heading",
    "parse_title",
    "subheading",
    "table_heading",
    "top_heading",
]

NUMERALS = "一二三四五六七八九十"
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
CANONICAL = {"overview": 1, "proactive": 2, "applications": 3, "litigation": 4}
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
_TITLE = re.compile(r"(.*?)(\d{4})年度?(?:政府信息公开|政务公开|信息公开)[^\n]{0,6}年度?报告")


def _roles(words: str) -> tuple[str, ...]:
    found = [role for role, signs in _ROLE_WORDS if any(s in words for s in signs)]
    tables = [r for r in found if r in TABLE_SECTIONS]
    return tuple(r for r in found if r not in TABLE_SECTIONS or r == tables[0])


@dataclass(frozen=True, slots=True)
class Heading:
    number: str
    roles: tuple[str, ...]
    rest: str
    """Text run into the heading's paragraph after its words ('' when none)."""


def top_heading(text: str, last: int, past_tables: bool = False) -> Heading | None:
    """The top-level heading `text` is, given the number of the last one (0 before any) and
    whether table 四 has been read (the sections after the tables come after it)."""
    flat = squash(text)
    if flat in _BARE_HEADINGS:
        return Heading("", (_BARE_HEADINGS[flat],), "")
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
    n = NUMERALS.index(number) + 1
    roles = _roles(words)
    if roles:
        after_tables = 1 if past_tables else 5  # 五 at the earliest, unless 四 is read
        if n <= last or any(n < CANONICAL.get(r, after_tables) for r in roles):
            return None
        if set(roles) <= _TAIL_ROLES and last < 4 and not past_tables:
            return None
        return Heading(number, roles, rest)
    if n == last + 1 and (last == 0 or last >= 4 or past_tables):
        return Heading(number, ("overview",) if n == 1 else (), rest)
    return None


def subheading(text: str) -> tuple[str, str] | None:
    """(prose key, the paragraph's text after its heading) when `text` starts a sub-part of
    一: a （一）…（五） heading — its words say which part; none known: the general text — or
    a part's official words alone.

    The heading ends at its official words (（一）主动公开情况全年主动公开38条), or at a space,
    。 or ： within its first 30 characters (（一）主动公开方面 本机关……), or is the whole
    paragraph when that is no longer; a heading running into its text with no mark between
    ends nowhere certain, and the whole paragraph is the part's text."""
    flat = squash(text)
    if flat in _BARE_SUBHEADINGS:
        return _BARE_SUBHEADINGS[flat], ""
    match = _SUB.match(flat)
    if match is None:
        return None
    body = match.group(2)
    official = next((w for w in _BARE_SUBHEADINGS if body.startswith(w)), None)
    marks = [(i, 1) for i in (body.find("。"), body.find("："), body.find(":")) if i >= 0]
    if (space := _space_after_heading(text)) is not None:
        marks.append((space, 0))
    stop = min((m for m in marks if 0 < m[0] < _SUB_MAX), default=None)
    if official is not None:
        head, rest = official, body[len(official) :].lstrip("。.:：，,")
    elif stop is not None:
        head, rest = body[: stop[0]], body[stop[0] + stop[1] :]
    elif len(body) <= _SUB_MAX:
        head, rest = body, ""
    else:
        head, rest = body[:_SUB_MAX], flat
    for key, words in _TOPIC_WORDS:
        if any(w in head for w in words):
            return key, rest
    return "text_overview", ""


_SUB_NUMBER = re.compile(r"\s*[（(]\s*[一二三四五六七八九十]\s*[）)]\s*")
_SPACE = re.compile(r"[\s\u00a0\u3000]")


def _space_after_heading(text: str) -> int | None:
    """Where the first space after a sub-heading's words falls in the squashed body (a heading
    set off from its text by a space, which squashing drops); None when there is none."""
    number = _SUB_NUMBER.match(text)
    if number is None:
        return None
    after = text[number.end() :]
    space = _SPACE.search(after)
    return len(squash(after[: space.start()])) if space else None


def table_heading(row: list[str], last: int) -> Heading | None:
    cells = {c for c in row if c.strip()}
    return top_heading(next(iter(cells)), last) if len(cells) == 1 else None


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
