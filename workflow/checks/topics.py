"""Warning: a topic of 一、总体情况 that a published report never covers.

The format asks 一、总体情况 to report five things: 主动公开, 依申请公开, 政府信息管理, 平台建设
and 监督保障. Our workbook has a cell for each, and an empty cell is an error (`identity`).
A published report words and orders its sub-headings freely ("（一）突出重点，落实公开责任",
"一是……二是……", two topics under one heading), so the reader cannot always tell which paragraph
is which part. Here a published report is judged by what the whole section says, wherever it
says it: a topic none of its words touch is a warning naming the topic, never an error (the
report is already published; the office can only point it out).

Each topic is recognised by words a report on it cannot avoid; the lists are deliberately
generous, since a missed warning costs less than a false one:

    主动公开      主动公开, 公开…信息 / 信息…公开, 发布信息, 政策解读, 预决算, 重点领域
    依申请公开    依申请, 申请公开, 公开申请, 收到/受理…申请, 申请…件
    政府信息管理  规范性文件, 公文公开属性 / 公开属性, 信息管理, 动态更新, 保密审查, 发布审核,
                  清理, 公开目录, 公开指南, 源头
    平台建设      网站, 门户, 政务新媒体 / 新媒体, 公众号, 微信, 微博, 平台, 专栏, 公开栏, 专区,
                  政务服务中心, 查阅点
    监督保障      考核 / 考评, 培训, 监督, 社会评议 / 评议, 责任追究 / 问责, 督查, 督导, 检查,
                  自查, 测评, 通报, 领导小组, 组织领导, 保障, 专职 / 工作人员 / 队伍 (staffing)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import prose_label, where
from workflow.checks._text import TITLE, mask, normalise
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.form import PROSE_PARTS, SECTION_TITLES
from workflow.core.submission import Submission

__all__ = ["OVERVIEW_TOPICS", "check_overview_topics", "missing_topics"]

OVERVIEW_TOPICS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "text_proactive",
        "主动公开",
        re.compile(
            r"主动公开|公开[^,;。]{0,10}信息|信息[^,;。]{0,10}公开|发布[^,;。]{0,10}信息"
            r"|政策解读|预决算|预算|决算|重点领域"
        ),
    ),
    (
        "text_on_request",
        "依申请公开",
        re.compile(
            r"依申请|申请公开|公开申请|(?:收到|受理|接收|办理|答复)[^。;]{0,20}申请|申请[^。;]{0,10}件"
        ),
    ),
    (
        "text_management",
        "政府信息管理",
        re.compile(
            r"规范性文件|公开属性|信息管理|动态更新|动态调整|保密审查|发布审核|审核|清理"
            r"|公开目录|公开指南|源头"
        ),
    ),
    (
        "text_platforms",
        "平台建设",
        re.compile(r"网站|门户|新媒体|公众号|微信|微博|平台|专栏|公开栏|专区|服务中心|查阅点"),
    ),
    (
        "text_oversight",
        "监督保障",
        re.compile(
            r"考核|考评|培训|监督|评议|责任追究|问责|督查|督导|检查|自查|测评|通报|领导小组"
            r"|组织领导|保障|专职|工作人员|队伍"
        ),
    ),
)
"""(the part's key, the topic's name, the words that cover it) in the form's order."""

_OVERVIEW_KEYS = tuple(p.key for p in PROSE_PARTS if p.section == SECTION_TITLES["overview"])


def missing_topics(sub: Submission) -> list[tuple[str, str]]:
    """(part key, topic) of each topic the whole of 一、总体情况 never covers."""
    parts = "\n".join(sub.text(k) for k in _OVERVIEW_KEYS)
    # The section as printed keeps its sub-headings: a part headed （五）监督保障方面 covers
    # its topic even when its sentences use none of the topic's words.
    said = mask(normalise(parts + "\n" + sub.printed_text("overview")), TITLE)
    return [(key, topic) for key, topic, words in OVERVIEW_TOPICS if not words.search(said)]


def check_overview_topics(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """For a published report only (a workbook's empty cell is `identity`'s error)."""
    if not sub.published:
        return
    for key, topic in missing_topics(sub):
        yield finding(
            "text.topic_missing",
            **where(sub, (key,)),
            row_label=prose_label(key),
            label=SECTION_TITLES["overview"],
            topic=topic,
            heading=prose_label(key),
        )
