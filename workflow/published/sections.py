"""A `Document` cut at the report's headings: the title, the prose parts, each table's rows.

Headings are found by their numbering and words, not by style (offices bold them, number them
"一、" or "一．", put them in a table's first row, or run them into the paragraph: "（一）主动公开
情况。我局……"). A table belongs to the section whose heading came last before it, or whose
heading is its own first row; two tables under one heading (a table split at a page break) are
one table's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.core.form import PROSE_PARTS, REPORT_TITLE_SUFFIX, SECTION_TITLES
from workflow.published.document import Document, Table, squash

__all__ = ["SECTION_HEADINGS", "Sections", "cut", "parse_title"]

_TOP = re.compile(r"^([一二三四五六])[、.，,]?(.{0,30})$")
_TOP_WORDS = {
    "一": ("总体情况",),
    "二": ("主动公开",),
    "三": ("收到和处理", "申请情况", "依申请"),
    "四": ("复议", "诉讼"),
    "五": ("存在的主要问题", "问题及改进", "存在问题", "突出问题", "改进举措", "改进措施"),
    "六": ("其他需要报告", "其他需报告", "其他事项", "其他需要说明"),
}
_SECTION_KEY = {
    "一": "overview",
    "二": "proactive",
    "三": "applications",
    "四": "litigation",
    "五": "problems",
    "六": "other",
}
SECTION_HEADINGS = {key: SECTION_TITLES[key] for key in _SECTION_KEY.values()}
_SUBHEADINGS = tuple(
    (part.key, squash(part.heading)[:3], squash(part.heading)[3:])
    for part in PROSE_PARTS
    if part.heading
)
"""(key, '（一）', '主动公开情况') of the parts of section 一."""
_PAGE_END = re.compile(
    r"版权所有|Copyright|ICP备|网站标识码|主办单位|承办单位：|打印本页|关闭窗口|【打印】|【关闭】"
    r"|分享到|上一篇|下一篇|相关链接|扫一扫|网站地图|联系我们",
    re.IGNORECASE,
)
"""A web page's furniture after the report: where the last section's text stops."""
_TITLE = re.compile(r"(.*?)(\d{4})年度?(?:政府信息公开|政务公开|信息公开)[^\n]{0,6}年度?报告")


@dataclass(slots=True)
class Sections:
    title_lines: list[str] = field(default_factory=list)
    prose: dict[str, list[str]] = field(default_factory=dict)
    """Prose key → paragraphs; 'proactive' / 'applications' / 'litigation' → the paragraphs
    around the tables of 二、三、四."""
    rows: dict[str, list[list[str]]] = field(default_factory=dict)
    """'proactive' / 'applications' / 'litigation' → rows of the section's table(s)."""
    tables: dict[str, int] = field(default_factory=dict)
    """How many tables each section's rows came from."""


_BARE_HEADINGS = {squash(title)[2:]: key for key, title in SECTION_TITLES.items()}
"""'总体情况' → 'overview': a heading whose number Word's list numbering draws (not in the text)."""


def _heading(text: str) -> str | None:
    """The section key when `text` is one of the six headings."""
    flat = squash(text)
    match = _TOP.match(flat)
    if match and any(w in match.group(2) for w in _TOP_WORDS[match.group(1)]):
        return _SECTION_KEY[match.group(1)]
    return _BARE_HEADINGS.get(flat)


def _subheading(text: str) -> tuple[str, str] | None:
    """(prose key, the rest of the paragraph) when `text` starts with a heading of 一 (or is
    one without its number)."""
    flat = squash(text)
    for key, number, words in _SUBHEADINGS:
        if flat == words:
            return key, ""
        if flat.startswith(number) and flat[3 : 3 + 4] == words[:4]:
            if flat[3:].startswith(words):
                rest = flat[3 + len(words) :]
            else:  # "（一）主动公开方面 平潭综合实验区……": the heading runs into its text
                rest = flat[3:] if len(flat) > 3 + 20 else ""
            return key, rest.lstrip("。.:：，,")
    return None


def _tail(text: str, rest: str) -> str:
    """The end of `text` whose squashed form is `rest`, as printed. Squashing drops spaces and
    quotes, so `rest` is shorter than what it stands for wherever the text has them inside
    ("2024年政府信息主动公开38条，其中 政策类 2条"): count squashed characters, not printed ones."""
    drop = len(squash(text)) - len(rest)
    seen = 0
    for i, ch in enumerate(text):
        if seen >= drop:
            return text[i:].lstrip(" \u3000\u00a0\t。.:：，,")
        seen += len(squash(ch))
    return ""


_TABLE_SECTIONS = ("proactive", "applications", "litigation")


def _prose_key(section: str) -> str:
    """Where a section's paragraphs go: its prose part, or, in 二–四, the section's own key
    (the words around a table, read for their figures by the checks)."""
    parts = {"overview": "text_overview", "problems": "text_problems", "other": "text_other"}
    return parts.get(section, section if section in _TABLE_SECTIONS else "")


def _table_heading(row: list[str]) -> str | None:
    cells = {c for c in row if c.strip()}
    return _heading(next(iter(cells))) if len(cells) == 1 else None


def cut(document: Document) -> Sections:
    out = Sections()
    section = ""
    prose_key = ""
    for block in document.blocks:
        if isinstance(block, Table):
            rows = block.rows
            if rows and (key := _table_heading(rows[0])):
                section, rows = key, rows[1:]
                prose_key = _prose_key(section)
            if section in ("proactive", "applications", "litigation"):
                out.rows.setdefault(section, []).extend(rows)
                out.tables[section] = out.tables.get(section, 0) + 1
            continue
        text = block.text
        if not text.strip():
            continue
        if section and _PAGE_END.search(text):
            section, prose_key = "end", ""
            continue
        if (key := _heading(text)) is not None:
            section = key
            prose_key = _prose_key(key)
            continue
        if not section:
            out.title_lines.append(text)
            continue
        if section == "overview" and (sub := _subheading(text)) is not None:
            prose_key, rest = sub
            if rest:
                out.prose.setdefault(prose_key, []).append(_tail(text, rest))
            continue
        if prose_key:
            out.prose.setdefault(prose_key, []).append(text)
    return out


def parse_title(lines: list[str], hint: str = "") -> tuple[str, int | None]:
    """(agency, year) from the title lines before 一、总体情况, else from the page's title."""
    pairs = ["".join(lines[i : i + 2]) for i in range(len(lines))]
    for candidate in (*lines, *pairs, hint):
        flat = squash(candidate).replace(REPORT_TITLE_SUFFIX, "年政府信息公开工作年度报告")
        match = _TITLE.search(flat)
        if match:
            return match.group(1).strip("-_|·—"), int(match.group(2))
    return "", None
