"""run_checks, the context it runs in, and the agency kinds (the package's public API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_helpers import cell, fixed_seed, flat, make_submission, neutral_seed, rules
from workflow.checks import (
    CheckContext,
    PreviousReport,
    context_from_config,
    infer_agency_kind,
    normalise_kind,
    run_checks,
)
from workflow.config import parse_config
from workflow.example import seed_values

CONFIG = parse_config(
    {
        "checks": {"fee_yuan_threshold": 500},
        "agencies": [
            {"name": "后河镇人民政府", "kind": "镇"},
            {"name": "卫辉市公安局"},
            {"name": "城关便民服务站", "kind": "街道办事处"},
        ],
    },
    Path("."),
)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("后河镇人民政府", "镇"),
        ("后河镇政府", "镇"),
        ("后河镇", "镇"),
        ("城关回族乡人民政府", "乡"),
        ("城关街道办事处", "街道"),
        ("城关街道", "街道"),
        ("卫辉市公安局", "部门"),
        ("县发展和改革委员会", "部门"),
        ("县人民政府办公室", "部门"),
        ("县政务服务中心", "部门"),
        ("县乡村振兴局", "部门"),
        ("后河镇卫生院", "部门"),
        ("卫辉市人民政府", "政府"),
        ("某某县人民政府", "政府"),
        ("后河镇人民政府（盖章）", "镇"),
        ("", ""),
        ("某某", ""),
    ],
)
def test_infer_agency_kind(name: str, kind: str) -> None:
    assert infer_agency_kind(name) == kind


@pytest.mark.parametrize(
    ("kind", "normal"),
    [
        ("镇", "镇"),
        ("街道办事处", "街道"),
        ("民族乡", "乡"),
        ("县直部门", "部门"),
        ("局", "部门"),
        ("县政府", "政府"),
        ("", ""),
        ("其他", ""),
    ],
)
def test_normalise_kind(kind: str, normal: str) -> None:
    assert normalise_kind(kind) == normal


def test_context_from_config() -> None:
    previous = PreviousReport(seed_values(), "last.xlsx", 2020)
    assert context_from_config(CONFIG, "后河镇人民政府", previous) == CheckContext(
        fee_yuan_threshold=500.0,
        agency_kind="镇",
        registry=("后河镇人民政府", "卫辉市公安局", "城关便民服务站"),
        previous=previous,
    )
    assert context_from_config(CONFIG, "卫辉市公安局").agency_kind == "部门"  # from the name
    assert context_from_config(CONFIG, " 城关便民服务站 ").agency_kind == "街道"  # registry wins
    assert context_from_config(CONFIG, "不在名录").agency_kind == ""


def test_seed_gives_exactly_the_warning_its_mistake_deserves() -> None:
    findings = run_checks(make_submission(), context_from_config(CONFIG, "后河镇人民政府"))
    assert [(f.rule, f.fields, f.cells, f.actual) for f in findings] == [
        ("text.self_reference", ("text_on_request",), (cell("text_on_request"),), "我局")
    ]
    assert run_checks(make_submission()) == findings  # the default context infers 镇


def test_seed_with_its_mistake_fixed_is_clean() -> None:
    assert (
        rules(make_submission(base=fixed_seed()), context_from_config(CONFIG, "后河镇人民政府"))
        == []
    )


def test_department_saying_wo_zhen() -> None:
    base = neutral_seed()
    base["text_on_request"] = "我镇完善了依申请公开制度。2021年度没有收到政府信息公开申请。"
    sub = make_submission(base=base, agency_name="卫辉市公安局", issued_agency="卫辉市公安局")
    assert rules(sub, context_from_config(CONFIG, "卫辉市公安局")) == [
        ("text.self_reference", ("text_on_request",))
    ]


def test_errors_come_first_in_a_stable_order() -> None:
    sub = make_submission(
        base=fixed_seed(),
        text_on_request="全年未收到政府信息公开申请。",
        apply_new_natural=1,
        apply_new_total=1,
        penalty_decisions="三件",
        text_other="无。",
        agency_name="后河镇政府",
    )
    findings = run_checks(sub, context_from_config(CONFIG, "后河镇政府"))
    assert flat(findings) == [
        ("value.not_number", ("penalty_decisions",)),
        (
            "sum.balance",
            (
                "apply_new_natural",
                "apply_carried_in_natural",
                "apply_handled_total_natural",
                "apply_carried_out_natural",
            ),
        ),
        (
            "sum.balance",
            (
                "apply_new_total",
                "apply_carried_in_total",
                "apply_handled_total_total",
                "apply_carried_out_total",
            ),
        ),
        ("meta.agency_mismatch", ("agency_name",)),
        ("text.applications_contradiction", ("text_on_request", "apply_new_total")),
        ("text.no_fee_statement", ("text_other",)),
        ("registry.unknown_agency", ("agency_name",)),
    ]
    assert run_checks(sub, context_from_config(CONFIG, "后河镇政府")) == findings


def test_every_finding_has_a_known_rule_cells_and_a_chinese_message() -> None:
    previous = PreviousReport({**seed_values(), "apply_carried_out_total": 4}, "last.xlsx", 2020)
    sub = make_submission(
        text_proactive="2019年本年新制作数量",
        fees_amount=123456,
        apply_new_total="约10",
        review_total=1,
        text_problems=None,
    )
    findings = run_checks(sub, CheckContext(registry=("别的单位",), previous=previous))
    assert {f.rule for f in findings} == {
        "value.not_number",
        "sum.litigation_total",
        "text.required_missing",
        "value.fee_in_yuan",
        "text.self_reference",
        "text.year_out_of_range",
        "text.old_format",
        "history.carried_in_mismatch",
        "copy.text_unchanged",  # the prose parts not overridden are last year's, word for word
        "registry.unknown_agency",
    }
    for f in findings:
        assert f.fields and len(f.cells) == len(f.fields), f
        assert f.message and "{" not in f.message, f
