"""Warning: a year in the prose that is neither the report year nor the year after it.

The mistake this catches is last year's text pasted into this year's report ("2020年，我局…"
in a 2021 report). Years that are normal in a report are not flagged:

- inside a cited title 《2019年政务公开工作要点》, the note after it 《条例》（2019年修订）, or a
  document number 〔2019〕 [2019] （2019）, since citing the 2019 Regulations or an older notice
  is normal; so is the date a law was revised or took effect ("2019年5月15日起施行");
- in a span of years ("2016-2020年", "2021至2025年": the 十三五 / 十四五 periods);
- as a point of comparison or a starting point ("较2020年", "与2020年相比", "自2019年以来");
- as a target ("到2025年", "2035年远景目标");
- when something still in use began ("2022年7月正式开通……公众号", "2019年建立");
- last year's 决算 and last year's annual report, which are published in the report year
  ("公开2021年预算和2020年决算", "发布2020年度政府信息公开工作年度报告");
- in 五、存在的主要问题及改进情况, last year when the sentence is about fixing last year's
  problems ("针对2020年度报告指出的问题…整改"), which the format asks that part to report.

Only years written with 年 count ("2019年", "2020年度"); bare numbers are too often not years.
The year compared against is the year the workbook was issued for (or, failing that, the
report year typed), so that a wrong 报告年度 does not turn every correct year into a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._text import TITLE, mask, normalise, passages, sentence_span
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["check_years"]

_YEAR = re.compile(r"(?<![0-9.])(?P<year>(?:19|20)[0-9]{2})\s*年度?")
_SPAN = re.compile(r"(?:19|20)[0-9]{2}\s*年?度?\s*[-—–~至到]+\s*(?:19|20)[0-9]{2}\s*年?度?")
_DOC_NUMBER = re.compile(r"[〔\[【(]\s*(?:19|20)[0-9]{2}\s*[〕\]】)]")
_TITLE_NOTE = re.compile(r"(?<=》)\s*\([^()\n]{0,30}\)")
_LAW_DATE_AFTER = re.compile(
    r"\s*(?:[0-9]{1,2}\s*月)?\s*(?:[0-9]{1,2}\s*日)?\s*(?:起)?(?:修订|修正|施行|颁布)"
)

_COMPARED_BEFORE = re.compile(r"(?:较|比|与|同|自|从|对比)\s*$")
_COMPARED_AFTER = re.compile(r"^\s*(?:以来|起|开始|相比|同期|至今)")
_TARGET_BEFORE = re.compile(r"(?:到|至|截至|截止)\s*$")
_TARGET_AFTER = re.compile(r"^\s*(?:前|底前|远景|目标)")
_FIXING_LAST_YEAR = re.compile("整改|指出|针对|反馈|改进")
_LAST_YEARS_CYCLE = re.compile(
    r"[^,;。!?\n:]{0,20}?(?:决算|绩效评价|绩效自评|政府信息公开工作年度报告|信息公开年度报告"
    r"|工作年度报告|年报|(?:建议|提案)[^,;。!?\n:]{0,6}办理)"
)
"""What a report publishes in its year about the year before: 决算 and 绩效评价 (公开2021年预算
和2020年决算), the annual report (发布2020年度政府信息公开工作年度报告), how last year's 人大代表
建议 and 政协提案 were handled."""
_STARTED = re.compile(
    r"\s*度?\s*(?:[0-9]{1,2}\s*月)?\s*(?:[0-9]{1,2}\s*日)?\s*(?:起|份)?[^,;。!?\n:]{0,6}?"
    r"(?:开通|上线|成立|启动|建立|设立|开设|创建|组建|投入使用|正式运行)"
)
"""When something the report still uses began: "2022年7月正式开通……公众号" in a 2023 report."""


def _allowed(searched: str, match: re.Match[str], report_year: int, key: str) -> bool:
    year = int(match["year"])
    if year in (report_year, report_year + 1):
        return True
    before = searched[max(0, match.start() - 3) : match.start()]
    after = searched[match.end() : match.end() + 4]
    if _COMPARED_BEFORE.search(before) or _COMPARED_AFTER.search(after):
        return True
    if _LAW_DATE_AFTER.match(searched, match.end(), match.end() + 16):
        return True
    if year > report_year and (_TARGET_BEFORE.search(before) or _TARGET_AFTER.search(after)):
        return True
    if year == report_year - 1 and _LAST_YEARS_CYCLE.match(searched, match.end()):
        return True
    if year < report_year and _STARTED.match(searched, match.end()):
        return True
    if key == "text_problems" and year == report_year - 1:
        s, e = sentence_span(searched, match.start(), match.end())
        return _FIXING_LAST_YEAR.search(searched, s, e) is not None
    return False


def check_years(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Each out-of-range year once per prose part, quoted as typed, in order of appearance."""
    report_year = sub.issued_year or sub.year
    if report_year is None:
        return
    for passage in passages(sub):
        text = passage.text
        searched = mask(normalise(text), _TITLE_NOTE, TITLE, _DOC_NUMBER, _SPAN)
        seen: set[int] = set()
        for match in _YEAR.finditer(searched):
            year = int(match["year"])
            if year in seen or _allowed(searched, match, report_year, passage.key):
                continue
            seen.add(year)
            yield finding(
                "text.year_out_of_range",
                **passage.where(sub),
                row_label=passage.label,
                expected=report_year,
                actual=text[match.start() : match.end()],
                label=passage.label,
            )
