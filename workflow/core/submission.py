"""`Submission`: what the reader got out of one agency workbook, by field key.

The reader fills it; the checks, the Word report, the error workbook and the ledger only read
it. Values are already parsed (`values`), the text exactly as typed is kept (`raw`) so that a
message can quote it, and `problems` holds, per key, why a typed value could not be parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

__all__ = ["CellRef", "PrintedSection", "Submission", "Value"]

Value = int | Decimal | str | None


@dataclass(frozen=True, slots=True)
class CellRef:
    sheet: str
    coordinate: str
    """'B5' without dollar signs."""

    def __str__(self) -> str:
        return f"{self.sheet}!{self.coordinate}"


@dataclass(frozen=True, slots=True)
class PrintedSection:
    """One top-level section of a published report as printed (一、… to 十、…).

    Offices word and number their sections freely (五、信息处理费收取情况 added, the rest
    renumbered), so checks find a section by `roles` — what its heading's words say it is —
    never by its number.
    """

    number: str
    """'一' … '十'; '' when Word's list numbering drew the number (not in the text)."""
    heading: str
    """The heading as printed: '五、存在的主要问题及明年工作计划'."""
    roles: tuple[str, ...]
    """What the heading's words say: 'overview', 'proactive', 'applications', 'litigation',
    'problems', 'other' (the keys of `form.SECTION_TITLES`) or 'fees' (信息处理费收取情况);
    two when a heading merges two ('五、存在的问题及其他需要报告的事项'); () when its words say
    none of these."""
    text: str
    """Its paragraphs outside tables, in order, joined by '\n' (sub-headings included)."""
    extra_tables: tuple[tuple[tuple[str, ...], ...], ...] = ()
    """Rows of cell text of tables in it that are none of 表二–表四 (a 信息处理费 table)."""


@dataclass(slots=True)
class Submission:
    values: dict[str, Value]
    """Parsed values by key: int for counts and the year, Decimal for the fee, str for text.
    A blank count is 0; a count that could not be parsed is None (see `problems`)."""
    raw: dict[str, object] = field(default_factory=dict)
    """What the cell held, before parsing (for quoting in messages)."""
    cells: dict[str, CellRef] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    """key -> rule code of `workflow.core.cell_values` for values that could not be parsed."""
    formulas: dict[str, str] = field(default_factory=dict)
    """key -> formula text, for cells that held a formula (read by their cached value)."""
    source: Path | None = None
    template_version: str | None = None
    issued_agency: str | None = None
    issued_year: int | None = None
    notes: list[str] = field(default_factory=list)
    """What a reader had to interpret to get the values (a published report in the 2019
    layout, a table split at a page break); each becomes a ``source.note`` warning."""
    published: bool = False
    """Read from a published report (.docx, .html), not from our workbook. Its headings are
    worded freely, so the checks judge the parts of 一、总体情况 by the topics the section
    covers (`checks.topics`), not by which sub-heading holds the text."""
    section_text: dict[str, str] = field(default_factory=dict)
    """Prose a published report prints inside 二、三、四, before or after their tables, by
    section key ('proactive', 'applications', 'litigation'); the checks read its figures and
    years like the prose parts'. Empty for a workbook, which has no such place."""
    printed: list[PrintedSection] = field(default_factory=list)
    """A published report's top-level sections in reading order, each with its roles; empty
    for a workbook (whose prose sits in its fixed cells). See `printed_text`."""

    @property
    def agency(self) -> str:
        name = self.values.get("agency_name")
        return (
            name.strip() if isinstance(name, str) and name.strip() else (self.issued_agency or "")
        )

    @property
    def year(self) -> int | None:
        year = self.values.get("report_year")
        return year if isinstance(year, int) else self.issued_year

    def cell(self, key: str) -> str:
        ref = self.cells.get(key)
        return str(ref) if ref else ""

    def cells_of(self, keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return tuple(str(self.cells[k]) for k in keys if k in self.cells)

    def number(self, key: str) -> int | Decimal | None:
        value = self.values.get(key)
        return value if isinstance(value, int | Decimal) else None

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return value if isinstance(value, str) else ""

    def printed_text(self, role: str) -> str:
        """The whole text of every printed section with this role ('overview' for 一、总体情况
        with all its sub-parts, however they are headed), joined by '\n'; '' when none."""
        return "\n".join(s.text for s in self.printed if role in s.roles and s.text)

    def sections_with(self, role: str) -> list[PrintedSection]:
        return [s for s in self.printed if role in s.roles]
