"""Warning: what the prose says about applications, against 表三 一、本年新收 总计.

A sentence that says none were received ("2021年度我局没有受理申请公开政府信息申请",
"申请数量为0", "无依申请公开事项", "无政府信息公开申请") contradicts a table whose 一、本年新收
总计 is above 0; a sentence that gives their number ("共收到政府信息公开申请5件", "收到5件…申请")
contradicts a different total, including a total of 0. A number equal to 新收 + 上年结转 is
accepted, since many agencies count both as 受理.

Real reports are full of sentences that look like these and are about something else, so a
clause is not read as a statement about this year's applications when it is about

- another thing that is also "applied for" or follows from an application: 行政复议, 诉讼,
  投诉, 举报, 信访, 争议 "引起" by an application, 补正, 撤回;
- a part of them: 其中, 自然人, 法人, 企业 …, or a channel (网上, 信函, 当面 …);
- another time: 上年, 去年, 同期, or a year other than the report year earlier in the sentence;
- how applications were handled: 未予受理 (refused), 未按时 / 超期 答复, "无论是否受理";
- a cited title 《…》;
- a name made of numerals: the “三个一” 工作机制 of "第一时间登记受理、…和第一时间回复申请的
  “三个一”工作机制" is no count (a numeral after the unit, or a quote mark before the number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._text import (
    CLAUSE,
    TITLE,
    chinese_number,
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
from workflow.core.form import row_total_name
from workflow.core.submission import Submission

__all__ = ["application_claims", "check_applications_statement"]

B = CLAUSE
_APPLICATION = "申请(?![人费表书材])"
_NUM = "(?P<n>[0-9]+|[零〇一二两三四五六七八九十百]+)"
_UNIT = r"\s*(?:件|条|个|份|宗|起|次)(?![零〇一二两三四五六七八九十百0-9])"
"""A count's unit; a numeral right after it makes a name, not a count ("三个一", "两个一批")."""
_RECEIVED = "(?:收到|接到|接收|受理|新收)"

_SAYS_NONE = (
    re.compile(
        f"(?:没有|未曾|尚未|暂未|并未|均未|从未|未|无)(?P<gap>{B}{{0,4}}?)"
        f"(?:收到|接到|接收|受理|产生|发生|出现)(?!的)(?P<tail>{B}{{0,20}}?){_APPLICATION}"
    ),
    re.compile(
        "(?:没有|未有|无|暂无|尚无|未发生|未产生|未收到)(?:任何)?(?:政府信息公开)?依申请公开"
    ),
    re.compile(f"(?:没有|未有|无|暂无|尚无)(?:任何)?(?:政府)?信息公开{_APPLICATION}"),
    re.compile(
        r"(?:申请|依申请公开)(?:数量|件数|数|事项)?\s*(?:为|是|共|共计|合计|总计)?\s*"
        r"(?:0|零(?![星散碎])|〇)\s*(?:件|条|个|份|宗|起)?(?![0-9.])"
    ),
)
_BAD_GAP = re.compile("予|时|期|依法|按|论|需|须")
_BAD_TAIL = re.compile("答复|超期|逾期|违规|不按|错误|泄密")

_SAYS_COUNT = (
    re.compile(
        f"{_RECEIVED}(?!的){B}{{0,20}}?{_APPLICATION}"
        f'[^,;。!?\\n:0-9零〇一二两三四五六七八九十百“”"「」]{{0,6}}?'
        f"(?:一共|共计|合计|总计|共|为)?\\s*{_NUM}{_UNIT}"
    ),
    re.compile(f"{_RECEIVED}{B}{{0,6}}?{_NUM}{_UNIT}{B}{{0,12}}?{_APPLICATION}"),
)
_NEGATION = re.compile("没有|未|无|不")

_OTHER_MATTER = re.compile("复议|诉讼|投诉|举报|信访|争议|纠纷|引起|引发|导致|补正|撤回")
_SUBSET = re.compile(
    "其中|自然人|法人|企业|组织|机构|个人|公民|网上|网络|网站|信函|当面|现场|邮|传真|电话"
)


def _found(searched: str) -> list[tuple[int, int, int]]:
    """(start, end, number) of every statement; "none received" is number 0."""
    found: list[tuple[int, int, int]] = []
    for match in find_all(searched, _SAYS_NONE):
        if match.re is _SAYS_NONE[0] and (
            _BAD_GAP.search(match["gap"]) or _BAD_TAIL.search(match["tail"])
        ):
            continue
        found.append((match.start(), match.end(), 0))
    for match in find_all(searched, _SAYS_COUNT):
        number = chinese_number(match["n"])
        c, _ = clause_span(searched, match.start(), match.end())
        if number is not None and not _NEGATION.search(searched, c, match.start()):
            found.append((match.start(), match.end(), number))
    return sorted(found)


def application_claims(text: str, report_year: int | None) -> Iterator[tuple[str, int]]:
    """(quoted clause, number) for each statement about this year's applications, once per
    clause, in the order of the text."""
    searched = mask(normalise(text), TITLE)
    seen: set[tuple[int, int]] = set()
    for start, end, number in _found(searched):
        c, e = clause_span(searched, start, end)
        clause = searched[c:e]
        if (c, e) in seen or _OTHER_MATTER.search(clause) or _SUBSET.search(clause):
            continue
        if dated_elsewhere(searched, start, report_year):
            continue
        seen.add((c, e))
        yield quote(text, c, e), number


def check_applications_statement(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Each prose statement whose count differs from 一、本年新收 总计 (and 新收 + 上年结转)."""
    total = sub.number("apply_new_total")
    if not isinstance(total, int):
        return  # unreadable: check_values has said so
    carried = sub.number("apply_carried_in_total")
    accepted = {total} | ({total + carried} if isinstance(carried, int) else set())
    year = sub.issued_year or sub.year
    for passage in passages(sub):
        for said, number in application_claims(passage.text, year):
            if number in accepted:
                continue
            yield finding(
                "text.applications_contradiction",
                **passage.where(sub, ("apply_new_total",)),
                row_label=passage.label,
                expected=total,
                actual=said,
                label=passage.label,
                table_row=row_total_name("new"),
            )
