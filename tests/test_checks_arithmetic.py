"""Errors 2–5: every equation of form.SUM_RULES, with both sides and the difference."""

from __future__ import annotations

import pytest

from tests.checks_helpers import CELLS, make_submission
from workflow.checks import CheckContext, check_arithmetic
from workflow.core.form import APPLICANT_COLUMNS, APPLICATION_ROWS_BY_STEM, SUM_RULES, SumRule

CTX = CheckContext()
ROWS = APPLICATION_ROWS_BY_STEM
PART_COLUMNS = [c.suffix for c in APPLICANT_COLUMNS if c.suffix != "total"]


def sums(**overrides: object) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.fields) for f in check_arithmetic(make_submission(overrides), CTX)]


def balance_keys(column: str) -> tuple[str, ...]:
    return tuple(ROWS[s].key(column) for s in ("new", "carried_in", "handled_total", "carried_out"))


def test_there_are_42_equations_in_four_families() -> None:
    families = [r.rule for r in SUM_RULES]
    assert len(SUM_RULES) == 42
    assert {f: families.count(f) for f in set(families)} == {
        "sum.applicant_total": 25,
        "sum.results_total": 7,
        "sum.balance": 7,
        "sum.litigation_total": 3,
    }


def test_seed_holds_every_equation() -> None:
    assert sums() == []


def test_a_full_consistent_table_holds() -> None:
    table: dict[str, object] = {}
    # 自然人 5 new + 1 carried in = 3 granted + 1 secret (=4 handled) + 2 carried out;
    # 商业企业 2 new = 1 partial + 1 not held.
    people = {
        "new": 5,
        "carried_in": 1,
        "granted": 3,
        "denied_secret": 1,
        "handled_total": 4,
        "carried_out": 2,
    }
    firms = {"new": 2, "partial": 1, "unable_not_held": 1, "handled_total": 2}
    for stem, n in people.items():
        table[ROWS[stem].key("natural")] = n
    for stem, n in firms.items():
        table[ROWS[stem].key("business")] = n
    for stem in set(people) | set(firms):
        table[ROWS[stem].key("total")] = people.get(stem, 0) + firms.get(stem, 0)
    table.update(
        suit_after_review_corrected=1, suit_after_review_pending=2, suit_after_review_total=3
    )
    assert sums(**table) == []


@pytest.mark.parametrize("rule", SUM_RULES, ids=lambda r: f"{r.rule}:{r.left[0]}")
def test_each_equation_fails_alone_naming_its_keys_and_cells(rule: SumRule) -> None:
    sub = make_submission({rule.left[0]: 1})
    findings = [f for f in check_arithmetic(sub, CTX) if f.fields == rule.left + rule.right]
    assert [(f.rule, f.fields) for f in findings] == [(rule.rule, rule.left + rule.right)]
    (f,) = findings
    assert f.cells == tuple(str(CELLS[k]) for k in f.fields)
    assert (f.actual, f.expected) == ("1", "0")
    assert f.message.startswith(f"{rule.scope}：")
    assert ("=1，" if rule.rule == "sum.balance" else "填写为1，") in f.message
    assert "相差1" in f.message and f.is_error
    assert f.row_label and f.column_label


@pytest.mark.parametrize("column", PART_COLUMNS)
def test_balance_broken_in_one_column(column: str) -> None:
    findings = sums(**{ROWS["new"].key(column): 1, ROWS["new"].key("total"): 1})
    assert findings == [
        ("sum.balance", balance_keys(column)),
        ("sum.balance", balance_keys("total")),
    ]


def test_balance_message_gives_both_sides_and_the_difference() -> None:
    (f,) = [
        f
        for f in check_arithmetic(
            make_submission(
                apply_new_natural=5,
                apply_granted_natural=4,
                apply_handled_total_natural=4,
                apply_new_total=5,
                apply_granted_total=4,
                apply_handled_total_total=4,
            ),
            CTX,
        )
        if f.column_label == "自然人"
    ]
    assert f.message.startswith("“自然人”列：一+二=5，但（七）总计+四=4，相差1")
    assert (f.row_label, f.expected, f.actual) == ("一+二=（七）总计+四", "4", "5")


def test_applicant_total_labels_name_the_row() -> None:
    (f,) = [
        f
        for f in check_arithmetic(make_submission(apply_unable_unclear_total=2), CTX)
        if f.rule == "sum.applicant_total"
    ]
    assert (f.row_label, f.column_label) == ("3.补正后申请内容仍不明确", "总计")
    assert "总计填写为2" in f.message and "之和为0" in f.message and "相差2" in f.message


def test_litigation_total() -> None:
    assert sums(suit_direct_upheld=1) == [
        (
            "sum.litigation_total",
            (
                "suit_direct_total",
                "suit_direct_upheld",
                "suit_direct_corrected",
                "suit_direct_other",
                "suit_direct_pending",
            ),
        )
    ]
    (f,) = check_arithmetic(make_submission(review_total=2), CTX)
    assert (f.row_label, f.column_label) == ("行政复议", "总计")


def test_an_unreadable_operand_skips_its_equations() -> None:
    # apply_new_natural is in the 一 row sum and the 自然人 balance: both skipped; the other
    # equations still run, and the unreadable value has its own error in check_values.
    assert sums(apply_new_natural="三件") == []
    assert sums(apply_new_natural="三件", review_total=1) == [
        (
            "sum.litigation_total",
            ("review_total", "review_upheld", "review_corrected", "review_other", "review_pending"),
        )
    ]
