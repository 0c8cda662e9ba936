"""`Submission`: what the reader got out of one agency workbook, by field key.

The reader fills it; the checks, the Word report, the error workbook and the ledger only read
it. Values are already parsed (`values`), the text exactly as typed is kept (`raw`) so that a
message can quote it, and `problems` holds, per key, why a typed value could not be parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

__all__ = ["CellRef", "Submission", "Value"]

Value = int | Decimal | str | None


@dataclass(frozen=True, slots=True)
class CellRef:
    sheet: str
    coordinate: str
    """'B5' without dollar signs."""

    def __str__(self) -> str:
        return f"{self.sheet}!{self.coordinate}"


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
