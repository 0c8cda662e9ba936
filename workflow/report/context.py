"""Submission + findings -> the variables of the Word template.

The template (`templates/report.docx`, built by `tools/build_report_template.py`) uses the field
keys of `form.FIELDS` directly as top-level variables, one per value cell, plus the helpers
named in `KNOWN_HELPERS`. Everything here is plain data: the agency's text exactly as typed,
minus what cannot live in a Word file; escaping for XML is the renderer's job.

How values are shown:

* counts as whole numbers; a blank count is 0;
* the fee (万元) as "0" when nothing was charged (the published tables write 0), otherwise with
  exactly four decimal places, the precision the office asks for (one yuan): 1.5 -> "1.5000";
* a value that could not be read (only possible in a draft) as the agency typed it, so that the
  draft shows what must be corrected rather than a made-up 0;
* prose split into paragraphs at every line break, blank lines dropped, leading and trailing
  spaces (including the full-width spaces agencies type to indent) removed, since the style
  indents every paragraph by two characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from workflow.core import form
from workflow.core.cell_values import FEE_PLACES, decimal_places, display_raw
from workflow.core.findings import Finding, count_errors
from workflow.core.submission import Submission
from workflow.core.text import clean_xml_text, text_units

__all__ = [
    "KNOWN_HELPERS",
    "build_context",
    "format_value",
    "report_title",
    "split_paragraphs",
]

KNOWN_HELPERS: tuple[str, ...] = (
    "title",
    "agency",
    "year",
    "draft",
    "error_count",
    "warning_count",
    "paragraphs",
)
"""Template variables besides the field keys: `title` (the report title, broken before the year
when it would not fit on one line), `agency`, `year` (text), `draft` (bool), `error_count`,
`warning_count`, `paragraphs` (prose key -> list of paragraph strings)."""

TITLE_LINE_CHARS = 20
"""Full-width characters of 二号 (22 pt) that fit in the 156 mm type area."""


def _one_line(text: str) -> str:
    return " ".join(clean_xml_text(text).split())


def split_paragraphs(text: str) -> list[str]:
    """One string per non-blank line, trimmed; any line-break character separates."""
    lines = (clean_xml_text(line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def report_title(agency: str, year: int | None) -> str:
    """'后河镇人民政府2021年政府信息公开工作年度报告' on one line."""
    return f"{_one_line(agency)}{year or ''}{form.REPORT_TITLE_SUFFIX}"


def _display_title(agency: str, year: int | None) -> str:
    """The title as set in the document: broken after the agency when it would wrap anyway,
    so that a long title reads '后河镇人民政府 / 2021年政府信息公开工作年度报告' rather than
    leaving '报告' alone on the second line."""
    agency = _one_line(agency)
    title = report_title(agency, year)
    if agency and text_units(title) > 2 * TITLE_LINE_CHARS:
        return f"{agency}\n{year or ''}{form.REPORT_TITLE_SUFFIX}"
    return title


def _format_fee(value: Decimal) -> str:
    if value == 0:
        return "0"
    # never fewer places than the value has ([checks] fee_decimals may allow more than 4)
    return f"{value:.{max(FEE_PLACES, decimal_places(value))}f}"


def format_value(sub: Submission, key: str) -> str:
    """The text of one value cell (see the module docstring for the rules)."""
    field = form.FIELDS_BY_KEY[key]
    if key not in sub.values:
        return "0" if field.is_numeric else ""
    value = sub.values[key]
    if value is None:
        return _one_line(display_raw(sub.raw.get(key)))
    if isinstance(value, bool):
        return str(int(value))
    if field.type is form.FieldType.WAN_YUAN and isinstance(value, int | Decimal):
        return _format_fee(Decimal(value))
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value, "f")
    if field.type is form.FieldType.TEXT and isinstance(value, str):
        return "\n".join(split_paragraphs(value)) if key.startswith("text_") else _one_line(value)
    return _one_line(str(value))


def build_context(
    sub: Submission, findings: Sequence[Finding], *, draft: bool
) -> dict[str, object]:
    """Every field key (as shown text) plus the helpers of `KNOWN_HELPERS`."""
    context: dict[str, object] = {f.key: format_value(sub, f.key) for f in form.FIELDS}
    errors = count_errors(findings)
    context.update(
        title=_display_title(sub.agency, sub.year),
        agency=_one_line(sub.agency),
        year=str(sub.year or ""),
        draft=bool(draft),
        error_count=errors,
        warning_count=len(findings) - errors,
        paragraphs={p.key: split_paragraphs(sub.text(p.key)) for p in form.PROSE_PARTS},
    )
    return context
