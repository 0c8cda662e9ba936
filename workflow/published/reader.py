"""A published report (.docx, .html, .htm) → `Submission`, like a workbook.

The values are parsed exactly as a workbook's (`core.cell_values`: blank is 0, "1,234" and
full-width digits are numbers, "三件" is a problem for `check_values` to report); each key's
`CellRef` names the table, row and column label ("表三!“（一）予以公开”行“自然人”列") or the
prose heading, so findings point at what a clerk can find in the document. Notes on what was
interpreted (a 2019 layout) go to `Submission.notes`; a table that cannot be read rejects the
file with ``file.published_unreadable``, naming the table and why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workflow.core.cell_values import Parsed, parse_count, parse_fee
from workflow.core.errors import RejectedFile
from workflow.core.form import FIELDS_BY_KEY, PROSE_PARTS, SECTION_TITLES, TABLE_SECTIONS, FieldType
from workflow.core.submission import CellRef, Submission
from workflow.published.applications_table import read_applications
from workflow.published.document import Document, squash
from workflow.published.docx_source import read_docx
from workflow.published.headings import parse_title
from workflow.published.html_source import read_html
from workflow.published.litigation_table import read_litigation
from workflow.published.proactive_table import read_proactive
from workflow.published.sections import cut
from workflow.published.tables import TABLE_NAMES, Cells, Unreadable

__all__ = ["PUBLISHED_SUFFIXES", "is_published", "read_published"]

PUBLISHED_SUFFIXES = (".docx", ".html", ".htm")
_READERS: dict[str, Callable[[Path, str], Document]] = {
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}
_TABLES: dict[str, Callable[[list[list[str]]], Cells]] = {
    "proactive": read_proactive,
    "applications": read_applications,
    "litigation": read_litigation,
}
_PARSERS: dict[FieldType, Callable[[object], Parsed]] = {
    FieldType.COUNT: parse_count,
    FieldType.WAN_YUAN: lambda raw: parse_fee(raw, places=None),
}


def is_published(path: Path) -> bool:
    return path.suffix.lower() in PUBLISHED_SUFFIXES


def read_published(path: Path, display_name: str | None = None) -> Submission:
    """Read one published report; raise `RejectedFile` if it cannot be read as one."""
    name = display_name or path.name
    if path.stat().st_size == 0:
        raise RejectedFile("file.empty", name)
    document = _READERS[path.suffix.lower()](path, name)
    sections = cut(document)
    agency, year = parse_title(sections.title_lines, document.title_hint)
    sub = Submission(values={}, source=path, published=True)
    sub.values["agency_name"] = agency
    sub.raw["agency_name"] = agency
    sub.cells["agency_name"] = CellRef("标题", "单位名称")
    sub.values["report_year"] = year
    sub.raw["report_year"] = year
    sub.cells["report_year"] = CellRef("标题", "年度")
    if year is None:
        sub.problems["report_year"] = "value.not_number"
    for part in PROSE_PARTS:
        sub.values[part.key] = "\n".join(sections.prose.get(part.key, []))
        sub.cells[part.key] = CellRef("正文", squash(part.heading or part.section))
    sub.printed = sections.printed()
    sub.section_text = {
        role: text for role in TABLE_SECTIONS if (text := sub.printed_text(role).strip())
    }
    for section, read in _TABLES.items():
        rows = sections.rows.get(section)
        if not rows:
            raise RejectedFile(
                "file.published_unreadable",
                name,
                f"找不到{TABLE_NAMES[section]}（“{SECTION_TITLES[section]}”标题下没有表格）",
            )
        try:
            if section in sections.misaligned:
                raise Unreadable(
                    f"{TABLE_NAMES[section]}由几个列数不同的表格组成（如跨页断开），各列无法对齐"
                )
            cells = read(rows)
        except Unreadable as exc:
            raise RejectedFile("file.published_unreadable", name, str(exc)) from exc
        for key, text in cells.text.items():
            _store(sub, key, text)
        sub.cells.update(cells.where)
        sub.notes.extend(cells.notes)
        if sections.tables.get(section, 0) > 1:
            count = sections.tables[section]
            sub.notes.append(
                f"{TABLE_NAMES[section]}由 {count} 个表格组成（如跨页断开），已合并读取"
            )
    sub.notes.extend(sections.notes)
    return sub


def _store(sub: Submission, key: str, text: str) -> None:
    raw = text.strip()
    sub.raw[key] = raw
    parsed = _PARSERS[FIELDS_BY_KEY[key].type](raw)
    sub.values[key] = parsed.value
    if parsed.problem:
        sub.problems[key] = parsed.problem
