"""Warning: the prose's count of applications against 表三 一、本年新收 总计."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, fixed_seed, make_submission
from workflow.checks import CheckContext, check_applications_statement

CTX = CheckContext()
SAID_NONE = "2021年度我镇没有受理申请公开政府信息申请。"


def applications(text: str, total: int, carried_in: int = 0) -> list[str | None]:
    sub = make_submission(
        base=fixed_seed(),
        text_on_request=text,
        apply_new_total=total,
        apply_carried_in_total=carried_in,
    )
    return [f.actual for f in check_applications_statement(sub, CTX)]


def test_seed_says_none_and_has_none() -> None:
    assert list(check_applications_statement(make_submission(base=fixed_seed()), CTX)) == []


def test_says_none_but_the_table_has_some() -> None:
    sub = make_submission(base=fixed_seed(), text_on_request=SAID_NONE, apply_new_total=2)
    (f,) = check_applications_statement(sub, CTX)
    assert (f.rule, f.fields, f.cells, f.is_error) == (
        "text.applications_contradiction",
        ("text_on_request", "apply_new_total"),
        (cell("text_on_request"), cell("apply_new_total")),
        False,
    )
    assert (f.actual, f.expected) == ("2021年度我镇没有受理申请公开政府信息申请", "2")
    assert "“2021年度我镇没有受理申请公开政府信息申请”" in f.message and "总计为2" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "全年未收到政府信息公开申请。",
        "本年度无依申请公开事项。",
        "政府信息公开申请数量为0。",
        "2021年，全年共收到政府信息公开申请0件。",
        "本年度尚未接到群众的信息公开申请。",
        "我局本年度无政府信息公开申请。",
        "依申请公开数量为零。",
    ],
)
def test_other_ways_of_saying_none(text: str) -> None:
    assert len(applications(text, 1)) == 1
    assert applications(text, 0) == []


@pytest.mark.parametrize(
    ("text", "total", "carried_in"),
    [
        ("本年度共收到政府信息公开申请5件，均已按时答复。", 5, 0),
        ("共收到5件政府信息公开申请。", 5, 0),
        ("全年受理依申请公开申请一共十二件。", 12, 0),
        ("2021年我局共受理政府信息公开申请4件（含上年结转1件）。", 3, 1),
        ("全年共受理申请15件，同比增长50%。", 15, 0),
    ],
)
def test_number_said_agrees(text: str, total: int, carried_in: int) -> None:
    assert applications(text, total, carried_in) == []


@pytest.mark.parametrize(
    ("text", "total", "quoted"),
    [
        ("本年度共收到政府信息公开申请5件，均已按时答复。", 3, "本年度共收到政府信息公开申请5件"),
        ("本年度共收到政府信息公开申请5件，均已按时答复。", 0, "本年度共收到政府信息公开申请5件"),
        ("共收到5件政府信息公开申请。", 4, "共收到5件政府信息公开申请"),
        ("全年受理依申请公开申请一共十二件。", 11, "全年受理依申请公开申请一共十二件"),
    ],
)
def test_number_said_differs(text: str, total: int, quoted: str) -> None:
    assert applications(text, total) == [quoted]


@pytest.mark.parametrize(
    "text",
    [
        "全年未收到因政府信息公开申请引起的行政复议、行政诉讼。",
        "其中自然人申请3件。",
        "通过网站收到申请3件，信函收到申请2件。",
        "2020年，我局收到申请3件。",
        "与上年收到申请3件相比，增加2件。",
        "对未予受理的申请1件，告知理由。",
        "未出现超期答复申请的情况。",
        "无论是否受理申请，均告知。",
        "对无正当理由大量反复申请的，不予处理。",
        "未收到法人或其他组织的申请。",
        "收到申请人补正材料2件。",
        "根据《关于未收到申请的处理办法》执行。",
        # a real report's 政府信息管理 section: “三个一” is a name, not three applications
        "建立第一时间登记受理、第一时间转送承办单位和第一时间回复申请的“三个一”工作机制。",
        "受理申请后落实“两个一”要求。",
    ],
)
def test_sentences_about_something_else_are_not_read_as_counts(text: str) -> None:
    assert applications(text, 5) == []
    assert applications(text, 1) == []


def test_unreadable_total_is_left_to_check_values() -> None:
    sub = make_submission(base=fixed_seed(), text_on_request=SAID_NONE, apply_new_total="两件")
    assert list(check_applications_statement(sub, CTX)) == []
