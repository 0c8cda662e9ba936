"""Error 1: what was typed could not be read as a number; the message quotes it."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, make_submission
from tests.conftest import MakeWorkbook
from workflow.checks import CheckContext, check_values
from workflow.workbook.reader import read_workbook

CTX = CheckContext()


def value_findings(**overrides: object) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [(f.rule, f.fields, f.actual) for f in check_values(make_submission(overrides), CTX)]


def test_seed_has_no_value_errors() -> None:
    assert value_findings() == []


@pytest.mark.parametrize(
    ("key", "typed", "rule"),
    [
        ("penalty_decisions", "三件", "value.not_number"),
        ("rules_issued", "约10", "value.not_number"),
        ("licensing_decisions", "-1", "value.negative"),
        ("licensing_decisions", -1, "value.negative"),
        ("coercion_decisions", "1.5", "value.not_whole"),
        ("apply_new_natural", "3人", "value.not_number"),
        ("review_total", "－2", "value.negative"),
        ("fees_amount", "0.1234567", "value.fee_decimals"),
        ("fees_amount", "-0.5", "value.negative"),
        ("fees_amount", "五百元", "value.not_number"),
        ("report_year", "二〇二一年", "value.not_year"),
    ],
)
def test_unreadable_value_is_an_error_quoting_it(key: str, typed: object, rule: str) -> None:
    findings = list(check_values(make_submission({key: typed}), CTX))
    assert [(f.rule, f.fields, f.cells) for f in findings] == [(rule, (key,), (cell(key),))]
    shown = str(typed)
    assert findings[0].actual == shown
    assert f"“{shown}”" in findings[0].message
    assert findings[0].is_error


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("penalty_decisions", "３"),
        ("penalty_decisions", " 3 "),
        ("penalty_decisions", "3.0"),
        ("penalty_decisions", None),
        ("apply_new_natural", "1,234"),
        ("fees_amount", "1.2345"),
        ("fees_amount", 0.1),
        ("report_year", "2021年"),
    ],
)
def test_unambiguous_value_is_read(key: str, typed: object) -> None:
    assert value_findings(**{key: typed}) == []


def test_blank_year_is_left_to_the_identity_check() -> None:
    assert value_findings(report_year=None) == []


def test_labels_and_expected_name_the_field() -> None:
    (f,) = check_values(make_submission(fees_amount="0.1234567"), CTX)
    assert (f.row_label, f.column_label) == ("行政事业性收费", "本年收费金额（单位：万元）")
    assert "6 位小数" in f.message and "第二十条第（八）项" in f.message
    assert f.expected is not None and "6 位小数" in f.expected


def test_findings_follow_the_form_order() -> None:
    sub = make_submission(review_total="x", rules_issued="y", apply_new_natural="z")
    assert [f.fields[0] for f in check_values(sub, CTX)] == [
        "rules_issued",
        "apply_new_natural",
        "review_total",
    ]


def test_formula_without_saved_value_quotes_the_formula() -> None:
    # As the reader records it: the formula text as raw, and the problem code.
    sub = make_submission()
    sub.values["penalty_decisions"] = None
    sub.raw["penalty_decisions"] = "=SUM(B3:B4)"
    sub.formulas["penalty_decisions"] = "=SUM(B3:B4)"
    sub.problems["penalty_decisions"] = "value.formula_no_value"
    (f,) = check_values(sub, CTX)
    assert (f.rule, f.fields, f.actual) == (
        "value.formula_no_value",
        ("penalty_decisions",),
        "=SUM(B3:B4)",
    )
    assert "=SUM(B3:B4)" in f.message


def test_formula_read_as_blank_is_still_reported() -> None:
    sub = make_submission(penalty_decisions=None, formulas={"penalty_decisions": "=B3+B4"})
    assert [(f.rule, f.actual) for f in check_values(sub, CTX)] == [
        ("value.formula_no_value", "=B3+B4")
    ]


def test_formula_with_saved_value_is_fine() -> None:
    sub = make_submission(penalty_decisions=3, formulas={"penalty_decisions": "=1+2"})
    assert list(check_values(sub, CTX)) == []


def test_unknown_problem_code_is_reported_as_not_a_number() -> None:
    sub = make_submission(penalty_decisions="??")
    sub.problems["penalty_decisions"] = "value.something_new"
    assert [f.rule for f in check_values(sub, CTX)] == ["value.not_number"]


@pytest.mark.parametrize(
    ("typed", "places", "rules"),
    [
        ("0.123456", 6, []),
        ("0.123456", 4, ["value.fee_decimals"]),
        ("0.1234567", 6, ["value.fee_decimals"]),
        ("0.1234", 4, []),
        ("12", 0, []),
        ("0.5", 0, ["value.fee_decimals"]),
    ],
)
def test_fee_decimals_is_the_office_setting(
    make_workbook: MakeWorkbook, typed: str, places: int, rules: list[str]
) -> None:
    sub = read_workbook(make_workbook(fees_amount=typed))
    findings = list(check_values(sub, CheckContext(fee_decimals=places)))
    assert [f.rule for f in findings] == rules
    for f in findings:
        assert f.is_error and f"最多保留 {places} 位小数" in f.message and typed in f.message
