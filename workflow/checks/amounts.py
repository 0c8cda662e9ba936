"""Warning: a 行政事业性收费 that looks typed in 元, not 万元.

The column is in 万元 (with four decimals, one yuan); an agency that types the yuan amount
makes its fees ten thousand times too large. Anything above the office's threshold
(`CheckContext.fee_yuan_threshold`, 10000 万元 = 1亿元 by default, `[checks]` in config.toml)
is implausible for a county body, so the message gives the amount as 元 and the 万元 figure
it would be if it was meant in 元.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from workflow.checks._common import field_label, field_labels, format_number, where
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["FEE_KEY", "check_amounts"]

FEE_KEY = "fees_amount"
_WAN = Decimal(10000)


def check_amounts(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """At most one warning, for the fee."""
    amount = sub.number(FEE_KEY)
    if amount is None or Decimal(amount) <= Decimal(str(ctx.fee_yuan_threshold)):
        return
    amount = Decimal(amount)
    as_yuan = (amount / _WAN).quantize(Decimal("0.0001"))
    row_label, column_label = field_labels(FEE_KEY)
    yield finding(
        "value.fee_in_yuan",
        **where(sub, (FEE_KEY,)),
        row_label=row_label,
        column_label=column_label,
        expected=format_number(as_yuan),
        actual=format_number(amount),
        label=field_label(FEE_KEY),
        yuan=format_number(amount * _WAN),
    )
