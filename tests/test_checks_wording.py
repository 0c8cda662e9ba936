"""Warning: prose in the wording of the 2019 report format."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, fixed_seed, make_submission
from workflow.checks import CheckContext, check_old_format

CTX = CheckContext()


def old(text: str) -> list[tuple[str | None, str | None]]:
    sub = make_submission(base=fixed_seed(), text_proactive=text)
    return [(f.actual, f.expected) for f in check_old_format(sub, CTX)]


def test_seed_uses_the_2021_wording() -> None:
    assert list(check_old_format(make_submission(), CTX)) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        (
            "规章本年新制作数量0件，对外公开总数量0件。",
            [("本年新制作数量", "本年制发件数"), ("对外公开总数量", "现行有效件数")],
        ),
        (
            "第二十条第（九）项政府集中采购：采购总金额0万元。",
            [("第二十条第（九）项", None), ("采购总金额", None)],
        ),
        ("第二十条第(九)项", [("第二十条第(九)项", None)]),
        ("行政许可上一年项目数量3，本年增/减0。", [("上一年项目数量", None), ("本年增/减", None)]),
        (
            "按照国办公开办函〔2019〕60号格式编制。",
            [("国办公开办函〔2019〕60号", "国办公开办函〔2021〕30号")],
        ),
    ],
)
def test_old_labels_are_flagged(text: str, flagged: list) -> None:
    assert old(text) == flagged


@pytest.mark.parametrize(
    "text",
    [
        "对规范性文件等印发前的征求意见进行明确规定。",
        "及时公开政府集中采购项目信息。",
        "第二十条第（八）项行政事业性收费，第十九条第（九）项。",
        "按照国办公开办函〔2021〕30号格式编制，本年制发件数2件。",
    ],
)
def test_ordinary_prose_is_not_flagged(text: str) -> None:
    assert old(text) == []


def test_finding_names_the_part_and_says_what_to_write() -> None:
    (f,) = check_old_format(make_submission(base=fixed_seed(), text_other="本年新公开数量"), CTX)
    assert (f.rule, f.fields, f.cells, f.is_error) == (
        "text.old_format",
        ("text_other",),
        (cell("text_other"),),
        False,
    )
    assert "“本年新公开数量”" in f.message and "2021年格式为“本年制发件数”" in f.message
