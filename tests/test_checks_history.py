"""Warnings across years: 上年结转 and 现行有效件数 against last year's accepted report."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, PreviousReport, check_history
from workflow.example import seed_values


def last_year(year: int = 2020, **values: object) -> PreviousReport:
    return PreviousReport(values={**seed_values(), **values}, source="后河镇2020.xlsx", year=year)


def history(previous: PreviousReport | None, **overrides: object) -> list:
    sub = make_submission(overrides)
    return [(f.rule, f.fields) for f in check_history(sub, CheckContext(previous=previous))]


def test_nothing_to_compare_without_last_year() -> None:
    assert history(None, apply_carried_in_natural=3) == []


def test_matching_last_year_passes() -> None:
    prev = last_year(apply_carried_out_natural=2, apply_carried_out_total="2", rules_in_force=4)
    assert (
        history(
            prev,
            apply_carried_in_natural=2,
            apply_carried_in_total=2,
            rules_issued=2,
            rules_repealed=1,
            rules_in_force=5,
        )
        == []
    )


def test_carried_in_differs_per_column() -> None:
    prev = last_year(apply_carried_out_social=1, apply_carried_out_total=1)
    findings = list(check_history(make_submission(), CheckContext(previous=prev)))
    assert [(f.rule, f.fields, f.cells) for f in findings] == [
        ("history.carried_in_mismatch", (k,), (cell(k),))
        for k in ("apply_carried_in_social", "apply_carried_in_total")
    ]
    assert (findings[0].expected, findings[0].actual) == ("1", "0")
    assert "后河镇2020.xlsx" in findings[0].message and "结转下年度" in findings[0].message


@pytest.mark.parametrize(
    ("row", "previous", "now", "expected"),
    [
        ("rules", 5, 5, 6),
        ("normative", 10, 12, 9),
    ],
)
def test_in_force_must_carry_over(row: str, previous: int, now: int, expected: int) -> None:
    prev = last_year(**{f"{row}_in_force": previous})
    sub = make_submission(
        {
            f"{row}_issued": 1 if row == "rules" else 0,
            f"{row}_repealed": 0 if row == "rules" else 1,
            f"{row}_in_force": now,
        }
    )
    (f,) = check_history(sub, CheckContext(previous=prev))
    keys = (f"{row}_in_force", f"{row}_issued", f"{row}_repealed")
    assert (f.rule, f.fields, f.expected, f.actual) == (
        "history.in_force_mismatch",
        keys,
        str(expected),
        str(now),
    )
    assert f"上年现行有效{previous}" in f.message


def test_only_the_year_before_is_compared() -> None:
    prev = last_year(year=2019, apply_carried_out_natural=2, apply_carried_out_total=2)
    assert history(prev) == []


def test_unreadable_figures_are_skipped() -> None:
    values = dict(last_year(apply_carried_out_natural="两件", rules_in_force=None).values)
    del values["normative_in_force"]
    prev = PreviousReport(values, "后河镇2020.xlsx", 2020)
    assert (
        history(prev, apply_carried_in_natural="三", rules_in_force=7, normative_in_force=7) == []
    )
