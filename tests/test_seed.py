"""The published 后河镇 2021 report passes; each single mistake fails naming its keys and cells.

Workbooks are made by our own template writer and filled by defined name (tests/conftest.py).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.workbook_cells import cell_of, cells_of
from workflow.config import load_config
from workflow.flow.pipeline import check_file

# The repository's config, its state folder replaced by one that holds no ledger: these tests
# are about one year's report, whatever the developer's own state/ may hold.
CONFIG = replace(
    load_config(Path(__file__).resolve().parents[1] / "config.toml"),
    state=Path(tempfile.mkdtemp(prefix="no-ledger-")) / "state",
)


def test_seed_passes_with_the_warning_its_mistake_deserves(make_workbook: MakeWorkbook) -> None:
    path = make_workbook("seed.xlsx")
    outcome = check_file(path, CONFIG)
    assert outcome.status == "passed"
    assert [(f.rule, f.fields, f.cells) for f in outcome.findings] == [
        ("text.self_reference", ("text_on_request",), (cell_of(path, "text_on_request"),))
    ]
    assert "我局" in outcome.findings[0].message


def test_seed_with_its_mistake_corrected_is_clean(make_workbook: MakeWorkbook) -> None:
    from workflow.example import seed_values

    text = str(seed_values()["text_on_request"]).replace("我局", "我镇")
    outcome = check_file(make_workbook("fixed.xlsx", text_on_request=text), CONFIG)
    assert (outcome.status, outcome.findings) == ("passed", [])


VARIANTS = [
    # one mistake each: overrides, the error rules expected, keys that must be named
    ({"apply_new_natural": 2}, {"sum.applicant_total", "sum.balance"}, {"apply_new_natural"}),
    (
        {"apply_new_natural": 2, "apply_new_total": 2},
        {"sum.balance"},
        {"apply_new_natural", "apply_new_total"},
    ),
    (
        {"apply_granted_business": 1, "apply_granted_total": 1},
        {"sum.results_total"},
        {"apply_handled_total_business", "apply_granted_business"},
    ),
    (
        {"apply_carried_out_social": 1, "apply_carried_out_total": 1},
        {"sum.balance"},
        {"apply_carried_out_social"},
    ),
    ({"suit_direct_upheld": 1}, {"sum.litigation_total"}, {"suit_direct_total"}),
    ({"review_total": 2}, {"sum.litigation_total"}, {"review_total"}),
    ({"penalty_decisions": "三件"}, {"value.not_number"}, {"penalty_decisions"}),
    ({"rules_issued": "约10"}, {"value.not_number"}, {"rules_issued"}),
    ({"licensing_decisions": -1}, {"value.negative"}, {"licensing_decisions"}),
    ({"coercion_decisions": "1.5"}, {"value.not_whole"}, {"coercion_decisions"}),
    ({"fees_amount": "0.1234567"}, {"value.fee_decimals"}, {"fees_amount"}),
    ({"agency_name": None}, {"meta.agency_missing"}, {"agency_name"}),
    ({"text_problems": None}, {"text.required_missing"}, {"text_problems"}),
    ({"text_platforms": "   "}, {"text.required_missing"}, {"text_platforms"}),
]


@pytest.mark.parametrize(("overrides", "rules", "keys"), VARIANTS)
def test_one_mistake_fails_naming_keys_and_cells(
    make_workbook: MakeWorkbook, overrides: dict, rules: set[str], keys: set[str]
) -> None:
    path = make_workbook("variant.xlsx", **overrides)
    outcome = check_file(path, CONFIG)
    errors = [f for f in outcome.findings if f.is_error]
    assert outcome.status == "failed"
    assert {f.rule for f in errors} == rules
    assert keys <= {k for f in errors for k in f.fields}
    where = cells_of(path)
    for f in errors:
        assert f.cells == tuple(where[k] for k in f.fields), f


def test_balance_message_gives_both_sides_and_the_difference(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        "balance.xlsx",
        apply_new_natural=5,
        apply_new_total=5,
        apply_granted_natural=4,
        apply_granted_total=4,
        apply_handled_total_natural=4,
        apply_handled_total_total=4,
    )
    outcome = check_file(path, CONFIG)
    messages = [f.message for f in outcome.findings if f.rule == "sum.balance"]
    assert len(messages) == 2
    assert all("=5" in m and "=4" in m and "相差1" in m for m in messages)


def test_typed_value_is_quoted(make_workbook: MakeWorkbook) -> None:
    outcome = check_file(make_workbook("typed.xlsx", penalty_decisions="三件"), CONFIG)
    assert any("三件" in f.message for f in outcome.findings)


def test_text_typed_numbers_are_read(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        "text-numbers.xlsx",
        penalty_decisions="３",
        apply_new_natural=" 2 ",
        apply_new_total="2.0",
        apply_granted_natural="2",
        apply_granted_total=2,
        apply_handled_total_natural=2,
        apply_handled_total_total=2,
    )
    outcome = check_file(path, CONFIG)
    assert outcome.status == "passed", [f.message for f in outcome.findings]
    assert outcome.submission is not None
    assert outcome.submission.values["penalty_decisions"] == 3


def test_year_other_than_issued_is_an_error(make_workbook: MakeWorkbook) -> None:
    outcome = check_file(make_workbook("year.xlsx", report_year=2020), CONFIG)
    assert [f.rule for f in outcome.findings if f.is_error] == ["meta.year_mismatch"]
