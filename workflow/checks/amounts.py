"""Warning: a 行政事业性收费 that looks typed in 元, not 万元.

The column is in 万元; an agency that types the yuan amount makes its fees ten thousand times
too large. What is "too large" is first the agency's own history: when the ledger holds its
report of an earlier year (`CheckContext.previous`) with a fee above 0, this year's fee is
compared with that one. A fee a thousand times last year's or more looks typed in 元 (whatever
its size); a fee of the same order as last year's is how this agency's fees run, and nothing is
said even when it is large (a city bureau collecting 18651.064104 万元 year after year). Without
such history, anything above the office's threshold (`CheckContext.fee_yuan_threshold`, 10000
万元 = 1亿元 by default, `[checks]` in config.toml) is implausible for a county body, unless
the prose gives the same amount in 万元. A fee
with more than two places (24252.311082) is 万元 whatever its size: 元 go no further than the
分. The
message gives the amount as 元, the 万元 figure it would be if it was meant in 元, and which
of the two reasons it rests on.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from workflow.checks._common import field_label, field_labels, format_number, where
from workflow.checks._figures import claims
from workflow.checks._text import passages
from workflow.checks.context import CheckContext, PreviousReport
from workflow.core.cell_values import decimal_places
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["FEE_KEY", "YUAN_RATIO", "check_amounts"]

FEE_KEY = "fees_amount"
_WAN = Decimal(10000)
_YUAN_PLACES = 2
YUAN_RATIO = Decimal(1000)
"""This year's fee at least this many times an earlier year's looks typed in 元 (10000 times
exactly, give or take a year's change)."""


def _earlier_fee(sub: Submission, ctx: CheckContext) -> tuple[Decimal, PreviousReport] | None:
    """The agency's fee of an earlier year from the ledger, when there is one above 0."""
    previous = ctx.previous
    year = sub.issued_year or sub.year
    if previous is None or (year is not None and previous.year >= year):
        return None
    fee = previous.number(FEE_KEY)
    return (Decimal(fee), previous) if fee is not None and fee > 0 else None


def _why(amount: Decimal, sub: Submission, ctx: CheckContext) -> str | None:
    """Why `amount` looks typed in 元, in Chinese; None when it does not."""
    if decimal_places(amount) > _YUAN_PLACES:
        return None  # 24252.311082: no sum of 元 has places below the 分
    earlier = _earlier_fee(sub, ctx)
    if earlier is not None:
        fee, previous = earlier
        if amount < fee * YUAN_RATIO:
            return None  # the agency's own history says 万元
        times = format_number((amount / fee).quantize(Decimal(1)))
        return f"是{previous.year}年报告（{previous.cited}）{format_number(fee)}万元的约{times}倍"
    if amount <= Decimal(str(ctx.fee_yuan_threshold)) or _said_in_wan_yuan(amount, sub):
        return None
    return "数额异常大"


def _said_in_wan_yuan(amount: Decimal, sub: Submission) -> bool:
    """The prose gives the same amount in 万元 ("收取行政事业性收费16220.85万元"): the agency
    meant 万元, however large."""
    year = sub.issued_year or sub.year
    return any(
        c.topic == "fees" and c.unit == "万元" and c.number == amount
        for p in passages(sub)
        for c in claims(p.text, year)
    )


def check_amounts(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """At most one warning, for the fee."""
    amount = sub.number(FEE_KEY)
    if amount is None or amount <= 0:
        return
    amount = Decimal(amount)
    why = _why(amount, sub, ctx)
    if why is None:
        return
    as_yuan = (amount / _WAN).quantize(Decimal("0.000001")).normalize()
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
        why=why,
    )
