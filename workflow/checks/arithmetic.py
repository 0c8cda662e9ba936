"""Errors 2–5: the sums of sections 三 and 四, taken as data from `form.SUM_RULES`.

Each equation is checked on its own and reported with both sides and the difference, so the
agency sees which total to fix. An equation with an operand that could not be read is skipped:
that cell already has its own error, and a sum over a guessed value would only add noise.
"""

from __future__ import annotations

from collections.abc import Iterator

from workflow.checks._common import field_labels, where
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.form import SUM_RULES, SumRule
from workflow.core.submission import Submission

__all__ = ["check_arithmetic", "check_sum_rule"]


def _labels(rule: SumRule) -> tuple[str, str]:
    """Row and column labels of an equation, from its first left-hand field.

    The balance relates four rows of one column, so its "row" is the equation itself.
    """
    row_label, column_label = field_labels(rule.left[0])
    if rule.rule == "sum.balance":
        row_label = f"{rule.left_label}={rule.right_label}"
    return row_label, column_label


def check_sum_rule(sub: Submission, rule: SumRule) -> Finding | None:
    """The finding for one equation, or None when it holds or cannot be evaluated."""
    keys = rule.left + rule.right
    numbers = {key: sub.number(key) for key in keys}
    if any(number is None for number in numbers.values()):
        return None
    left = sum(numbers[key] for key in rule.left)  # type: ignore[misc]
    right = sum(numbers[key] for key in rule.right)  # type: ignore[misc]
    if left == right:
        return None
    row_label, column_label = _labels(rule)
    return finding(
        rule.rule,
        **where(sub, keys),
        row_label=row_label,
        column_label=column_label,
        expected=right,
        actual=left,
        scope=rule.scope,
        left_label=rule.left_label,
        right_label=rule.right_label,
        advice=rule.advice,
        left=left,
        right=right,
        diff=abs(left - right),
    )


def check_arithmetic(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Every equation of `SUM_RULES`, in the form's order."""
    for rule in SUM_RULES:
        result = check_sum_rule(sub, rule)
        if result is not None:
            yield result
