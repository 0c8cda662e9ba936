"""Error 6: whose report this is, for which year, and whether the required prose is there.

The workbook was issued to one agency for one year (`Submission.issued_agency`/`issued_year`,
recorded in the template). A different 报告年度 is an error, since the report would be filed
under the wrong year; a different agency name is only a warning, because agencies are renamed
and merged and the clerk knows when. A prose part that holds nothing but spaces or punctuation
("/", "——") counts as empty: the format requires each of those parts to say something.
A published report's parts of 一、总体情况 are not cells: their sub-headings are worded freely,
so `topics` judges that section by what it covers (a warning), and only 五 and 六 are required
here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import field_label, field_labels, where
from workflow.checks.context import CheckContext
from workflow.core.cell_values import display_raw
from workflow.core.findings import Finding, finding
from workflow.core.form import PROSE_PARTS, SECTION_TITLES
from workflow.core.names import agency_key
from workflow.core.submission import Submission

__all__ = ["check_identity", "is_blank_text", "same_agency"]

_WORD = re.compile(r"\w")


def is_blank_text(value: object) -> bool:
    """True when a text cell says nothing: empty, spaces, or punctuation only."""
    return not isinstance(value, str) or not _WORD.search(value)


def same_agency(a: str, b: str) -> bool:
    """Names equal up to spaces and full-width/half-width forms."""
    return agency_key(a) == agency_key(b)


def _agency(sub: Submission) -> Iterator[Finding]:
    name = sub.values.get("agency_name")
    if is_blank_text(name):
        yield finding(
            "meta.agency_missing",
            **where(sub, ("agency_name",)),
            row_label=field_labels("agency_name")[0],
            expected=sub.issued_agency or None,
            actual="",
        )
        return
    assert isinstance(name, str)
    if sub.issued_agency and not same_agency(name, sub.issued_agency):
        yield finding(
            "meta.agency_mismatch",
            **where(sub, ("agency_name",)),
            row_label=field_labels("agency_name")[0],
            expected=sub.issued_agency,
            actual=name.strip(),
        )


def _year(sub: Submission) -> Iterator[Finding]:
    year = sub.values.get("report_year")
    row_label = field_labels("report_year")[0]
    if not isinstance(year, int):
        if not display_raw(sub.raw.get("report_year")).strip():
            yield finding(
                "text.required_missing",
                **where(sub, ("report_year",)),
                row_label=row_label,
                expected=sub.issued_year,
                actual="",
                label=field_label("report_year"),
            )
        return  # a typed value that is not a year: reported by check_values
    if sub.issued_year is not None and year != sub.issued_year:
        yield finding(
            "meta.year_mismatch",
            **where(sub, ("report_year",)),
            row_label=row_label,
            expected=sub.issued_year,
            actual=display_raw(sub.raw.get("report_year", year)).strip() or year,
        )


def _prose(sub: Submission) -> Iterator[Finding]:
    for part in PROSE_PARTS:
        if sub.published and part.section == SECTION_TITLES["overview"]:
            continue  # sub-headings worded freely: judged by topic (`checks.topics`)
        if part.required and is_blank_text(sub.values.get(part.key)):
            yield finding(
                "text.required_missing",
                **where(sub, (part.key,)),
                row_label=field_labels(part.key)[0],
                actual=display_raw(sub.raw.get(part.key)).strip(),
                label=field_label(part.key),
            )


def check_identity(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Agency name, report year, then the required prose parts in the form's order."""
    yield from _agency(sub)
    yield from _year(sub)
    yield from _prose(sub)
