"""Warnings across years, against the same agency's accepted report of the year before.

Two figures must carry over from one report to the next: the applications still open
(last year's 四、结转下年度继续办理 are this year's 二、上年结转, column by column), and the
documents in force (this year's 现行有效件数 = last year's + 本年制发件数 − 本年废止件数, for
规章 and for 行政规范性文件). Only a report of exactly the year before is compared: across a gap
year the figures need not carry over. A figure missing or unreadable on either side is skipped,
since the reader or last year's check has said so already.
"""

from __future__ import annotations

from collections.abc import Iterator

from workflow.checks._common import field_label, field_labels, where
from workflow.checks.context import CheckContext, PreviousReport
from workflow.core.findings import Finding, finding
from workflow.core.form import APPLICANT_COLUMNS, APPLICATION_ROWS_BY_STEM
from workflow.core.submission import Submission

__all__ = ["IN_FORCE_ROWS", "check_history"]

IN_FORCE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("rules_in_force", "rules_issued", "rules_repealed"),
    ("normative_in_force", "normative_issued", "normative_repealed"),
)
"""(现行有效件数, 本年制发件数, 本年废止件数) keys of the two rows of 第二十条第（一）项."""


def _this_year(sub: Submission, key: str) -> int | None:
    value = sub.number(key)
    return value if isinstance(value, int) else None


def _carried_in(sub: Submission, previous: PreviousReport) -> Iterator[Finding]:
    carried_in = APPLICATION_ROWS_BY_STEM["carried_in"]
    carried_out = APPLICATION_ROWS_BY_STEM["carried_out"]
    for column in APPLICANT_COLUMNS:
        key = carried_in.key(column)
        now = _this_year(sub, key)
        before = previous.number(carried_out.key(column))
        if now is None or before is None or now == before:
            continue
        row_label, column_label = field_labels(key)
        yield finding(
            "history.carried_in_mismatch",
            **where(sub, (key,)),
            row_label=row_label,
            column_label=column_label,
            expected=before,
            actual=now,
            label=field_label(key),
            source=previous.cited,
            previous_row=carried_out.label,
        )


def _in_force(sub: Submission, previous: PreviousReport) -> Iterator[Finding]:
    for in_force, issued, repealed in IN_FORCE_ROWS:
        now = _this_year(sub, in_force)
        added = _this_year(sub, issued)
        removed = _this_year(sub, repealed)
        before = previous.number(in_force)
        if now is None or added is None or removed is None or before is None:
            continue
        expected = before + added - removed
        if now == expected:
            continue
        row_label, column_label = field_labels(in_force)
        yield finding(
            "history.in_force_mismatch",
            **where(sub, (in_force, issued, repealed)),
            row_label=row_label,
            column_label=column_label,
            expected=expected,
            actual=now,
            label=field_label(in_force),
            source=previous.cited,
            previous=before,
            issued=added,
            repealed=removed,
        )


def check_history(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Nothing without last year's report, or when it is not of the year before."""
    previous = ctx.previous_for(sub.issued_year or sub.year)
    if previous is None:
        return
    yield from _carried_in(sub, previous)
    yield from _in_force(sub, previous)
