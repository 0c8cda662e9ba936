"""Warning: a 行政事业性收费 that looks typed in 元."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, PreviousReport, check_amounts


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


def _with_history(fee: object, earlier: object, threshold: float = 10000.0) -> list:
    previous = PreviousReport({"fees_amount": earlier}, "2020年报告.docx", 2020)
    ctx = CheckContext(threshold, previous=previous)
    return list(check_amounts(make_submission(fees_amount=fee), ctx))


def test_a_large_fee_is_left_alone_when_the_agency_history_says_wan_yuan() -> None:
    """18651.06 万元 is above the threshold, but last year's 17320.5 万元 shows that this
    agency's fees run that large: nothing to say."""
    assert amounts("18651.06") != []  # without history: above the threshold
    assert _with_history("18651.06", "17320.5") == []


def test_a_fee_with_places_below_the_fen_is_in_wan_yuan_whatever_its_size() -> None:
    """24252.311082: a sum of 元 stops at the 分, so this one is 万元 (as published)."""
    assert amounts("24252.311082") == []
    assert [f.rule for f in amounts("24252.31")] == ["value.fee_in_yuan"]


def test_a_fee_ten_thousand_times_last_year_is_flagged_below_the_threshold() -> None:
    (f,) = _with_history(3500, "0.35")
    assert (f.rule, f.expected, f.actual) == ("value.fee_in_yuan", "0.35", "3500")
    assert "2020年报告（2020年报告.docx）0.35万元的约10000倍" in f.message
    assert "数额异常大" not in f.message


def test_history_without_a_fee_falls_back_to_the_threshold() -> None:
    assert [f.rule for f in _with_history(12345, "0")] == ["value.fee_in_yuan"]
    assert "数额异常大" in _with_history(12345, None)[0].message
    assert _with_history(500, "0") == []


def test_a_large_fee_the_prose_gives_in_wan_yuan_is_meant_in_wan_yuan() -> None:
    text = "全年收取行政事业性收费16220.85万元。"
    sub = make_submission(fees_amount="16220.85", text_proactive=text)
    assert list(check_amounts(sub, CheckContext())) == []
    sub = make_submission(fees_amount="16220.85", text_proactive=text.replace("万元", "元"))
    assert [f.rule for f in check_amounts(sub, CheckContext())] == ["value.fee_in_yuan"]
