"""Warning: a 行政事业性收费 that looks typed in 元."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, check_amounts


def amounts(fee: object, threshold: float = 10000.0) -> list:
    return list(check_amounts(make_submission(fees_amount=fee), CheckContext(threshold)))


@pytest.mark.parametrize("fee", [0, "0.0500", 10000, Decimal("9999.9999"), "三万", -5])
def test_plausible_or_unreadable_fee_is_not_flagged(fee: object) -> None:
    assert amounts(fee) == []


def test_fee_typed_in_yuan_is_flagged() -> None:
    (f,) = amounts(12345)
    assert (f.rule, f.fields, f.cells, f.is_error) == (
        "value.fee_in_yuan",
        ("fees_amount",),
        (cell("fees_amount"),),
        False,
    )
    assert (f.actual, f.expected) == ("12345", "1.2345")
    assert "12345万元" in f.message and "123450000元" in f.message and "1.2345万元" in f.message


def test_threshold_comes_from_the_context() -> None:
    assert [f.rule for f in amounts("600.5", threshold=500)] == ["value.fee_in_yuan"]
    assert amounts("400.5", threshold=500) == []
