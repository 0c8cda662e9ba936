"""The checks on real workbooks: made by our template, filled by defined name, read by the
reader. Cells in findings must be where the workbook's defined names point."""

from __future__ import annotations

from pathlib import Path

from tests.checks_helpers import fixed_seed, neutral_seed
from tests.conftest import MakeWorkbook
from workflow.checks import context_from_config, run_checks
from workflow.config import parse_config
from workflow.core.findings import Finding
from workflow.workbook import reader

CONFIG = parse_config(
    {"agencies": [{"name": "后河镇人民政府", "kind": "镇"}, {"name": "卫辉市公安局"}]}, Path(".")
)


def check(path: Path) -> list[Finding]:
    sub = reader.read_workbook(path)
    return run_checks(sub, context_from_config(CONFIG, sub.agency))


def located(path: Path, findings: list[Finding]) -> list[tuple[str, tuple[str, ...], bool]]:
    """(rule, fields, cells are the defined names' cells) for each finding."""
    from tests.workbook_cells import cells_of

    where = cells_of(path)
    return [(f.rule, f.fields, f.cells == tuple(where[k] for k in f.fields)) for f in findings]


def test_seed_workbook_gives_only_its_self_reference(make_workbook: MakeWorkbook) -> None:
    path = make_workbook("seed.xlsx")
    findings = check(path)
    assert located(path, findings) == [("text.self_reference", ("text_on_request",), True)]
    assert findings[0].actual == "我局"


def test_fixed_seed_workbook_is_clean(make_workbook: MakeWorkbook) -> None:
    assert check(make_workbook("fixed.xlsx", base=fixed_seed())) == []


def test_typed_values_are_quoted(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        "typed.xlsx",
        base=fixed_seed(),
        penalty_decisions="三件",
        rules_issued="约10",
        licensing_decisions=-1,
        coercion_decisions="1.5",
        fees_amount="0.1234567",
        review_upheld="=1+1",
    )
    findings = check(path)
    assert [(f.rule, f.actual) for f in findings] == [
        ("value.not_number", "约10"),
        ("value.negative", "-1"),
        ("value.not_number", "三件"),
        ("value.not_whole", "1.5"),
        ("value.fee_decimals", "0.1234567"),
        ("value.formula_no_value", "=1+1"),
    ]
    assert all(ok for _, _, ok in located(path, findings))


def test_broken_balance_names_the_workbook_cells(make_workbook: MakeWorkbook) -> None:
    path = make_workbook("balance.xlsx", base=fixed_seed(), apply_new_social=1, apply_new_total=1)
    assert located(path, check(path)) == [
        (
            "sum.balance",
            (
                "apply_new_social",
                "apply_carried_in_social",
                "apply_handled_total_social",
                "apply_carried_out_social",
            ),
            True,
        ),
        (
            "sum.balance",
            (
                "apply_new_total",
                "apply_carried_in_total",
                "apply_handled_total_total",
                "apply_carried_out_total",
            ),
            True,
        ),
        ("text.applications_contradiction", ("text_on_request", "apply_new_total"), True),
    ]


def test_department_workbook_saying_wo_zhen(make_workbook: MakeWorkbook) -> None:
    base = neutral_seed()
    base["agency_name"] = "卫辉市公安局"
    base["text_platforms"] = "我镇开设了多个平台。"
    path = make_workbook("bureau.xlsx", agency="卫辉市公安局", base=base)
    assert located(path, check(path)) == [("text.self_reference", ("text_platforms",), True)]
