"""Warnings: 信息处理费 said both ways in the prose; 六 silent about it."""

from __future__ import annotations

import pytest

from tests.checks_helpers import fixed_seed, make_submission
from workflow.checks import CheckContext, check_fee_statement

CTX = CheckContext()


def fees(other: str, elsewhere: str = "", **overrides: object) -> list:
    sub = make_submission(
        base=fixed_seed(),
        text_other=other,
        **overrides,
        **({"text_on_request": elsewhere} if elsewhere else {}),
    )
    return [(f.rule, f.fields, f.actual) for f in check_fee_statement(sub, CTX)]


def test_fee_said_both_ways() -> None:
    assert fees("2021年本单位未收取信息处理费。", "全年收取信息处理费200元。") == [
        (
            "text.fee_contradiction",
            ("text_other", "text_on_request"),
            "2021年本单位未收取信息处理费",
        )
    ]
    assert fees("本年度收取信息处理费共计150.5元。", "我镇未收取任何信息处理费。") == [
        ("text.fee_contradiction", ("text_on_request", "text_other"), "我镇未收取任何信息处理费")
    ]
    (f,) = check_fee_statement(
        make_submission(base=fixed_seed(), text_other="信息处理费0元；收取信息处理费20元。"), CTX
    )
    assert f.fields == ("text_other",)
    assert "又写有“收取信息处理费20元”" in f.message


@pytest.mark.parametrize(
    ("other", "elsewhere"),
    [
        ("2021年本单位未收取信息处理费。", ""),
        ("本年度共收取信息处理费2笔，合计300元。", ""),
        ("2020年收取信息处理费100元，2021年未收取信息处理费。", ""),
    ],
)
def test_fee_said_one_way(other: str, elsewhere: str) -> None:
    assert fees(other, elsewhere) == []


def test_administrative_fees_are_not_information_processing_fees() -> None:
    # 行政事业性收费 (二) is another charge: "未收取信息处理费" does not contradict it.
    assert fees("2021年本单位未收取信息处理费。", fees_amount="12.5") == []


@pytest.mark.parametrize(
    "other",
    ["无。", "本年度无其他需要报告的事项。", "严格执行《政府信息公开信息处理费管理办法》。"],
)
def test_other_matters_silent_about_the_fee(other: str) -> None:
    assert fees(other) == [("text.no_fee_statement", ("text_other",), other)]


@pytest.mark.parametrize(
    "other",
    [
        "本年度未收取任何费用。",
        "本年度没有发生需要收取信息处理费的情形。",
        "按照《政府信息公开信息处理费管理办法》，本年度未收取信息处理费。",
    ],
)
def test_other_matters_saying_something_about_the_fee(other: str) -> None:
    assert fees(other) == []


def test_empty_other_matters_is_only_the_identity_error() -> None:
    assert fees("") == []


def test_a_published_report_that_says_it_elsewhere_has_said_it() -> None:
    """Published reports often say it under 三 or in 一（二）; a workbook must say it in 六."""
    sub = make_submission(
        base=fixed_seed(),
        text_other="无其他需要报告的事项。",
        text_on_request="本年度未收取信息处理费。",
    )
    assert [f.rule for f in check_fee_statement(sub, CTX)] == ["text.no_fee_statement"]
    sub.published = True
    assert list(check_fee_statement(sub, CTX)) == []
    sub.values["text_on_request"] = "均按时答复。"
    sub.section_text = {"applications": "本年度未收取信息处理费。"}
    assert list(check_fee_statement(sub, CTX)) == []


def test_no_charge_in_other_words_is_a_fee_statement() -> None:
    assert fees("2025年度我局无向申请人收取政府信息公开费用的情况，无被追责问责的情况。") == []
    assert [r for r, _, _ in fees("无被追责问责的情况。")] == ["text.no_fee_statement"]
