"""The checks of a `Submission`, one module per family, each a generator of `Finding`s.

    values          error 1: what was typed could not be read as a number
    identity        error 6: agency name, report year, required prose (agency name: warning)
    topics          warning: a topic of 一、总体情况 a published report never covers
    arithmetic      errors 2–5: the equations of `form.SUM_RULES`
    amounts         warning: 行政事业性收费 that looks typed in 元
    self_reference  warning: a town that says 我局, a department that says 我镇
    signature       warning: a report signed by another body (a renamed body's old name)
    applications    warning: the prose's count of applications against the table
    prose_figures   warning: other numbers of the prose against the cells they stand for
    fees            warnings: 信息处理费 said both ways; not mentioned in 六
    years           warning: years that are neither the report year nor the next
    wording         warning: wording of the 2019 format
    history         warnings: figures that must carry over from last year's report
    copied          warnings: figures or prose copied unchanged from last year's report
    registry        warning: an agency name not in the office's registry
    source          warnings: what the reader of a published report had to interpret

`run_checks` runs them all in that order and returns errors first; the order is deterministic
(the form's order within each check), so two runs on the same file say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from workflow.checks.amounts import check_amounts
from workflow.checks.applications import check_applications_statement
from workflow.checks.arithmetic import check_arithmetic
from workflow.checks.context import (
    CheckContext,
    PreviousReport,
    context_from_config,
    infer_agency_kind,
    normalise_kind,
)
from workflow.checks.copied import check_copied
from workflow.checks.fees import check_fee_statement
from workflow.checks.history import check_history
from workflow.checks.identity import check_identity
from workflow.checks.prose_figures import check_prose_figures
from workflow.checks.registry import check_registry
from workflow.checks.self_reference import check_self_reference
from workflow.checks.signature import check_signature
from workflow.checks.source import check_source_notes
from workflow.checks.topics import check_overview_topics
from workflow.checks.value_format import check_values
from workflow.checks.wording import check_old_format
from workflow.checks.years import check_years
from workflow.core.findings import Finding, sort_findings
from workflow.core.submission import Submission

__all__ = [
    "ALL_CHECKS",
    "Check",
    "CheckContext",
    "PreviousReport",
    "check_amounts",
    "check_applications_statement",
    "check_arithmetic",
    "check_copied",
    "check_fee_statement",
    "check_history",
    "check_identity",
    "check_old_format",
    "check_overview_topics",
    "check_prose_figures",
    "check_registry",
    "check_self_reference",
    "check_signature",
    "check_source_notes",
    "check_values",
    "check_years",
    "context_from_config",
    "infer_agency_kind",
    "normalise_kind",
    "run_checks",
]

Check = Callable[[Submission, CheckContext], Iterator[Finding]]

ALL_CHECKS: tuple[Check, ...] = (
    check_values,
    check_identity,
    check_overview_topics,
    check_arithmetic,
    check_amounts,
    check_self_reference,
    check_signature,
    check_applications_statement,
    check_prose_figures,
    check_fee_statement,
    check_years,
    check_old_format,
    check_history,
    check_copied,
    check_registry,
    check_source_notes,
)


def run_checks(
    sub: Submission, ctx: CheckContext | None = None, checks: Iterable[Check] = ALL_CHECKS
) -> list[Finding]:
    """Every finding about `sub`, errors first, each group in the order it was found."""
    ctx = ctx or CheckContext()
    findings: list[Finding] = []
    for check in checks:
        findings.extend(check(sub, ctx))
    return sort_findings(findings)
