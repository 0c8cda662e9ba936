"""Warning: the prose calls the agency by another kind of body's self-reference."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, fixed_seed, make_submission, neutral_seed
from workflow.checks import CheckContext, check_self_reference
from workflow.checks.self_reference import proper_self_reference

TOWN = "后河镇人民政府"
BUREAU = "卫辉市公安局"


def selfref(text: str, agency: str = TOWN, kind: str = "", key: str = "text_on_request") -> list:
    sub = make_submission(
        {key: text}, base=neutral_seed(), agency_name=agency, issued_agency=agency
    )
    return [
        (f.rule, f.fields, f.actual)
        for f in check_self_reference(sub, CheckContext(agency_kind=kind))
    ]


def test_seed_town_saying_wo_ju() -> None:
    findings = list(check_self_reference(make_submission(), CheckContext(agency_kind="镇")))
    assert [(f.rule, f.fields, f.cells, f.actual, f.expected) for f in findings] == [
        ("text.self_reference", ("text_on_request",), (cell("text_on_request"),), "我局", "我镇")
    ]
    assert findings[0].message == (
        "“一、总体情况 / （二）依申请公开情况”中出现“我局”，但后河镇人民政府为镇级单位，"
        "应自称“我镇”或“本镇”（也可用“本机关”“本单位”）。"
    )


def test_seed_corrected_is_clean() -> None:
    assert list(check_self_reference(make_submission(base=fixed_seed()), CheckContext())) == []


@pytest.mark.parametrize(
    ("agency", "text", "wrong"),
    [
        (TOWN, "本局严格落实制度，我委、我厅亦然。", ["本局", "我委", "我厅"]),
        (TOWN, "我乡完善了制度。", ["我乡"]),
        (TOWN, "本街道完善了制度。", ["本街道"]),
        (TOWN, "本委员会完善了制度。", ["本委员会"]),
        ("城关乡人民政府", "我镇完善了制度。", ["我镇"]),
        ("城关街道办事处", "我镇、我局完善了制度。", ["我镇", "我局"]),
        (BUREAU, "我镇完善了制度，本镇群众满意。", ["我镇", "本镇"]),
        (BUREAU, "我街道、我乡完善了制度。", ["我街道", "我乡"]),
        ("卫辉市人民政府", "我局完善了制度。", ["我局"]),
        ("县发展和改革委员会", "本镇完善了制度。", ["本镇"]),
    ],
)
def test_wrong_self_reference_is_flagged(agency: str, text: str, wrong: list[str]) -> None:
    assert selfref(text, agency) == [
        ("text.self_reference", ("text_on_request",), w) for w in wrong
    ]


@pytest.mark.parametrize(
    ("agency", "text"),
    [
        (TOWN, "我镇、本镇、本机关、本单位、我单位按要求公开。"),
        (TOWN, "根据《县教育局关于我局政务公开工作的通知》，转发〈我局工作要点〉。"),
        (TOWN, "配合县公安局、县教育局、市委宣传部开展工作。"),
        (TOWN, "本局部信息已公开，基本局面稳定，克服自我局限，接入本局域网。"),
        (TOWN, "我委托第三方评估；本乡镇各村；推进乡村振兴，本乡本土。"),
        (TOWN, "日本局势与本厅堂无关。"),
        ("城关街道办事处", "我街道、本街道、我街、我办按要求公开。"),
        ("城关乡人民政府", "我乡、本乡按要求公开，乡村振兴。"),
        (BUREAU, "我局、本局、我单位按要求公开，指导各乡镇、街道开展工作。"),
        (BUREAU, "推进我乡村振兴，抓好镇街工作，我街区整洁。"),
        ("县乡村振兴局", "我局牵头推进乡村振兴。"),
        ("后河镇卫生院", "我院为我镇群众服务。"),
        ("某某合作社筹备组", "我局、我镇。"),
    ],
)
def test_proper_or_other_words_are_not_flagged(agency: str, text: str) -> None:
    assert selfref(text, agency) == []


def test_each_phrase_once_per_part() -> None:
    sub = make_submission(
        base=fixed_seed(), text_on_request="我局。我局！本局。", text_other="我局未收取信息处理费。"
    )
    assert [(f.fields, f.actual) for f in check_self_reference(sub, CheckContext())] == [
        (("text_on_request",), "我局"),
        (("text_on_request",), "本局"),
        (("text_other",), "我局"),
    ]


def test_registry_kind_wins_over_the_name() -> None:
    # A registry that says 部门 for an oddly named body: its "我镇" is flagged.
    sub = make_submission(base=fixed_seed(), agency_name="后河镇便民服务中心")
    found = {f.actual for f in check_self_reference(sub, CheckContext(agency_kind="部门"))}
    assert found == set()  # its own name contains 镇: the township is the one it serves
    sub = make_submission(base=fixed_seed(), agency_name="县便民服务中心")
    found = {f.actual for f in check_self_reference(sub, CheckContext(agency_kind="部门"))}
    assert found == {"我镇"}


def test_unknown_kind_checks_nothing() -> None:
    assert selfref("我局与我镇", agency="某某筹备组") == []


def test_department_message_names_its_own_form() -> None:
    sub = make_submission(
        base=neutral_seed(),
        agency_name=BUREAU,
        issued_agency=BUREAU,
        text_on_request="我镇按要求公开。",
    )
    (f, *_) = check_self_reference(sub, CheckContext())
    assert f.expected == "我局"
    assert "卫辉市公安局为部门，应自称“我局”或“本局”" in f.message


@pytest.mark.parametrize(
    ("kind", "agency", "names"),
    [
        ("镇", TOWN, ("我镇", "本镇")),
        ("街道", "城关街道办事处", ("我街道", "本街道")),
        ("部门", "县发展和改革委员会", ("我委", "本委")),
        ("部门", "县人民政府办公室", ("我办", "本办")),
        ("部门", "县档案馆", ("本单位", "本机关")),
        ("政府", "卫辉市人民政府", ("我市", "本市")),
        ("政府", "某某人民政府", ("本机关",)),
        ("", "随便", ()),
    ],
)
def test_proper_self_reference(kind: str, agency: str, names: tuple[str, ...]) -> None:
    assert proper_self_reference(kind, agency) == names
