"""Warnings on 信息处理费: said both ways in the prose; not mentioned in 六.

The spec asks for a warning when "the prose says no 信息处理费 was charged while the table or
the text says otherwise". The table has no 信息处理费 field: 行政事业性收费 (二, 第二十条第（八）项)
is a different charge, and 表三 （六）2 counts applications dropped because a fee notice went
unpaid, which shows a fee was asked for, not that one was charged. So only the text can say
otherwise: a "not charged" sentence ("未收取信息处理费", "信息处理费0元") and a "charged" one
with an amount ("收取信息处理费200元", "收取信息处理费2笔") in the same report. A sentence about
another year ("2020年收取信息处理费100元") is not this year's statement.

Separately, 六、其他需要报告的事项 must say whether 信息处理费 was charged (the format and
《政府信息公开信息处理费管理办法》 require it); any mention of 处理费 there, or "未收取任何费用",
counts as saying it. Citing the 办法's title alone does not. A published report that says it
elsewhere (under 三, beside its table, or in 一（二）) has said it: it cannot be moved any more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import prose_label, where
from workflow.checks._text import (
    CLAUSE,
    TITLE,
    Passage,
    clause_span,
    dated_elsewhere,
    find_all,
    mask,
    normalise,
    passages,
    quote,
)
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["check_fee_statement", "fee_claims"]

B = CLAUSE
_NOT_CHARGED = (
    re.compile(
        f"(?:(?:没有|未曾|尚未|暂未|并未|均未|从未|未|不存在){B}{{0,6}}?"
        f"(?:收取|征收|收|产生|发生|涉及)|不收取|不收|免收|免于收取|免除){B}{{0,12}}?处理费"
    ),
    re.compile(f"(?:无|没有|未有|不涉及|未涉及){B}{{0,6}}?处理费"),
    re.compile(
        r"处理费[^,;。!?\n:0-9.]{0,6}?"
        r"(?:(?:为|是|共|共计|合计|金额)\s*(?:0|零)(?:\.0+)?\s*(?:元|万元)?"
        r"|(?:0|零)(?:\.0+)?\s*(?:元|万元))(?![0-9.])"
    ),
)
_CHARGED = (
    re.compile(
        f"(?:收取|征收|收){B}{{0,12}}?处理费{B}{{0,8}}?"
        r"(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?:元|万元|笔|次|件)"
    ),
    re.compile(
        r"处理费(?:收入)?(?:共计|合计|共|总计|金额|为)*\s*"
        r"(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?:元|万元)"
    ),
)
_NEGATION = re.compile("没有|未|无|不|免")
_ANY_FEE_STATEMENT = re.compile(
    r"处理费|(?:未|没有|不|免|无)[^,;。!?\n]{0,10}?收取?[^,;。!?\n]{0,12}?费"
)
"""Any statement on charging: 处理费, or no charge in other words ("未收取任何费用",
"无向申请人收取政府信息公开费用的情况")."""


def fee_claims(sub: Submission, charged: bool) -> Iterator[tuple[Passage, str]]:
    """(passage, quoted clause) of each "charged" (or, with charged=False, "not charged")
    statement about the report year, in the report's order."""
    year = sub.issued_year or sub.year
    for passage in passages(sub):
        text = passage.text
        searched = mask(normalise(text), TITLE)
        for match in find_all(searched, _CHARGED if charged else _NOT_CHARGED):
            c, e = clause_span(searched, match.start(), match.end())
            if charged and (
                float(match["amount"]) == 0 or _NEGATION.search(searched, c, match.start())
            ):
                continue
            if dated_elsewhere(searched, match.start(), year):
                continue
            yield passage, quote(text, c, e)


def _said_elsewhere(sub: Submission) -> bool:
    """A published report that says it outside 六 (often under 三, or in 一（二）)."""
    return sub.published and any(
        _ANY_FEE_STATEMENT.search(mask(normalise(p.text), TITLE)) for p in passages(sub)
    )


def check_fee_statement(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """At most one contradiction (the first of each side), then 六's silence."""
    denial = next(fee_claims(sub, charged=False), None)
    charge = next(fee_claims(sub, charged=True), None)
    if denial and charge:
        passage, said = denial
        other, other_said = charge
        keys = tuple(k for k in (passage.key, other.key) if k)
        yield finding(
            "text.fee_contradiction",
            **where(sub, keys),
            row_label=passage.label,
            actual=said,
            label=passage.label,
            detail=f"“{other.label}”又写有“{other_said}”",
        )
    other_text = sub.text("text_other")
    said = mask(normalise(other_text), TITLE)
    if other_text.strip() and not _ANY_FEE_STATEMENT.search(said) and not _said_elsewhere(sub):
        yield finding(
            "text.no_fee_statement",
            **where(sub, ("text_other",)),
            row_label=prose_label("text_other"),
            label=prose_label("text_other"),
            expected="本年度是否收取信息处理费",
            actual=quote(other_text, 0, len(other_text)),
        )
