"""A published report's 一、总体情况 is judged by the topics it covers, not its sub-headings.

A workbook keeps its rule (an empty required part is an error, `test_checks_identity.py`); a
published report whose sub-headings are worded freely is read whole: a topic none of its words
touch is a warning naming the topic, never an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_helpers import fixed_seed, make_submission
from tests.published_docs import PROSE, PublishedReport
from workflow.checks import CheckContext, check_overview_topics, run_checks
from workflow.checks.topics import OVERVIEW_TOPICS
from workflow.core.submission import Submission
from workflow.published import read_published

PARTS = tuple(key for key, _topic, _words in OVERVIEW_TOPICS)
ALL_IN_THE_OVERVIEW = (
    "2022年，本机关主动公开政府信息235条，收到政府信息公开申请7件，均按时答复。"
    "开展规范性文件清理，动态更新公开目录。持续完善政府网站和政务新媒体。"
    "将政务公开纳入绩效考核，组织业务培训2次。"
)


def published(overview: str, **parts: str) -> Submission:
    """The seed as a published report would come: everything said under 一's first heading."""
    blank = dict.fromkeys(PARTS, "")
    sub = make_submission({**blank, "text_overview": overview, **parts}, base=fixed_seed())
    sub.published = True
    return sub


def test_every_topic_said_anywhere_in_the_section_is_no_finding() -> None:
    sub = published(ALL_IN_THE_OVERVIEW)
    rules = {f.rule for f in run_checks(sub, CheckContext())}
    assert "text.required_missing" not in rules and "text.topic_missing" not in rules


@pytest.mark.parametrize(
    ("left_out", "key", "topic"),
    [
        ("开展规范性文件清理，动态更新公开目录。", "text_management", "政府信息管理"),
        ("持续完善政府网站和政务新媒体。", "text_platforms", "平台建设"),
        ("将政务公开纳入绩效考核，组织业务培训2次。", "text_oversight", "监督保障"),
        ("收到政府信息公开申请7件，均按时答复。", "text_on_request", "依申请公开"),
    ],
)
def test_a_topic_never_covered_is_a_warning_naming_it(left_out: str, key: str, topic: str) -> None:
    sub = published(ALL_IN_THE_OVERVIEW.replace(left_out, ""))
    found = list(check_overview_topics(sub, CheckContext()))
    assert [(f.rule, f.fields, f.is_error) for f in found] == [
        ("text.topic_missing", (key,), False)
    ]
    assert f"“{topic}”" in found[0].message
    errors = [f.rule for f in run_checks(sub, CheckContext()) if f.is_error]
    assert "text.required_missing" not in errors


def test_staffing_is_oversight_and_support() -> None:
    """A real 监督保障 part: staff and review, none of 考核 / 培训 / 监督."""
    overview = ALL_IN_THE_OVERVIEW.replace("将政务公开纳入绩效考核，组织业务培训2次。", "")
    sub = published(overview + "配备专职政务信息工作人员，严把信息推送发布的入口关。")
    assert list(check_overview_topics(sub, CheckContext())) == []


def test_a_topic_under_another_parts_heading_is_covered() -> None:
    # （四） holds the 监督 sentence and （五） the 平台 one: both topics are covered
    sub = published(
        "",
        text_proactive="主动公开政府信息235条。",
        text_on_request="收到政府信息公开申请7件。",
        text_management="规范性文件动态更新。",
        text_platforms="组织业务培训2次，接受社会评议。",
        text_oversight="完善政府网站。",
    )
    assert list(check_overview_topics(sub, CheckContext())) == []


def test_a_workbook_keeps_its_required_cells() -> None:
    sub = published(ALL_IN_THE_OVERVIEW.replace("持续完善政府网站和政务新媒体。", ""))
    sub.published = False
    assert list(check_overview_topics(sub, CheckContext())) == []
    errors = [(f.rule, f.fields) for f in run_checks(sub, CheckContext()) if f.is_error]
    assert errors == [("text.required_missing", (key,)) for key in PARTS]


def test_a_published_report_still_needs_sections_five_and_six() -> None:
    sub = published(ALL_IN_THE_OVERVIEW, text_problems="")
    errors = [(f.rule, f.fields) for f in run_checks(sub, CheckContext()) if f.is_error]
    assert errors == [("text.required_missing", ("text_problems",))]


def test_free_sub_headings_of_a_real_page_raise_no_error(tmp_path: Path) -> None:
    """（一）突出重点，落实公开责任 …: none is the format's wording; all five topics are there."""
    free = {
        "（一）主动公开情况": "（一）突出重点，落实公开责任",
        "（二）依申请公开情况": "（二）规范办理，依申请公开有序开展",
        "（三）政府信息管理情况": "（三）健全机制",
        "（四）政府信息公开平台建设情况": "（四）平台建设与监督保障",
        "（五）监督保障情况": "（五）强化监督",
    }
    assert set(free) == set(PROSE)  # every sub-heading of the format reworded
    prose = {free[heading]: text for heading, text in PROSE.items()}
    page = PublishedReport(prose=prose).write_html(tmp_path / "r.html")
    found = run_checks(read_published(page))
    assert [f.rule for f in found if f.is_error] == []
    assert "text.topic_missing" not in [f.rule for f in found]


def test_a_sub_heading_run_into_its_paragraph_keeps_the_paragraph(tmp_path: Path) -> None:
    """“（一）主动公开方面 本机关……” on one line: its words are the section's, not dropped."""
    page = PublishedReport().write_html(tmp_path / "r.html")
    old = "<p><b>（四）政府信息公开平台建设情况</b></p><div><span>持续完善政府网站。</span></div>"
    assert old in page.read_text("utf-8")
    html = page.read_text("utf-8").replace(
        old, "<p>（四）政府信息管理方面 持续完善政府网站，优化信息公开专栏设置。</p>"
    )
    page.write_text(html, "utf-8")
    sub = read_published(page)
    assert "持续完善政府网站，优化信息公开专栏设置。" in "".join(
        sub.text(k) for k in ("text_overview", *PARTS)
    )
    assert "text.topic_missing" not in [f.rule for f in run_checks(sub)]


@pytest.mark.parametrize(
    ("problems", "other"),
    [
        ("五、当前存在的突出问题和下一步改进举措", "六、其他需报告的事项"),
        ("五、存在的主要问题及明年工作计划", "六、其他需要报告的事项"),
    ],
)
def test_five_and_six_under_other_headings_are_not_missing(
    tmp_path: Path, problems: str, other: str
) -> None:
    closing = ((problems, "信息公开的深度还不够。"), (other, "本年度未收取信息处理费。"))
    page = PublishedReport(closing=closing).write_html(tmp_path / "r.html")
    sub = read_published(page)
    assert (sub.text("text_problems"), sub.text("text_other")) == (
        "信息公开的深度还不够。",
        "本年度未收取信息处理费。",
    )
    assert [f.rule for f in run_checks(sub) if f.is_error] == []


def test_a_sub_heading_run_into_text_with_spaces_keeps_every_character(tmp_path: Path) -> None:
    """Spaces inside the paragraph must not cost characters at its start ("2024年" → "年")."""
    page = PublishedReport().write_html(tmp_path / "r.html")
    old = "<div><span>2022年，我镇主动公开政府信息235条。</span></div>"
    assert old in page.read_text("utf-8")
    page.write_text(
        page.read_text("utf-8").replace(
            "<p><b>（一）主动公开情况</b></p>" + old,
            "<p>（一）主动公开情况 2022年政府信息主动公开235条，其中 政策类 2条、 其他 3条。</p>",
        ),
        "utf-8",
    )
    sub = read_published(page)
    assert sub.text("text_proactive") == "2022年政府信息主动公开235条，其中 政策类 2条、 其他 3条。"


def test_a_sub_heading_naming_the_topic_covers_it(tmp_path: Path) -> None:
    """（五）监督保障方面 over sentences that use none of the topic's words (pt-zhz-2024)."""
    prose = {
        "（一）主动公开情况": "2022年，我镇主动公开政府信息235条。",
        "（二）依申请公开情况": "2022年，我镇共收到政府信息公开申请7件，均按时答复。",
        "（三）政府信息管理情况": "严格落实信息发布审核制度。",
        "（四）政府信息公开平台建设情况": "持续完善政府网站。",
        "（五）监督保障方面": "明确各单位的职责和任务分工，及时发现并整改存在的问题。",
    }
    page = PublishedReport(prose=prose).write_html(tmp_path / "r.html")
    assert "text.topic_missing" not in [f.rule for f in run_checks(read_published(page))]
