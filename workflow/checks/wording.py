"""Warning: the prose uses the wording of the 2019 report format.

The 2019 format (国办公开办函〔2019〕60号, used for the 2019 and 2020 reports) had other columns
in section 二 and an extra 第二十条第（九）项 政府集中采购 block. Text that still uses those
labels was copied from an old report or made from the old form. The list is kept to labels that
exist only in the old table, so that ordinary prose is never flagged: "规范性文件" and "政府集中
采购" are everyday words in a report, while "本年新制作数量" and "采购总金额" are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from workflow.checks._common import prose_label, where
from workflow.checks._text import normalise, prose_parts
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["OLD_WORDING", "OldWording", "check_old_format"]


@dataclass(frozen=True, slots=True)
class OldWording:
    pattern: re.Pattern[str]
    """Searched in the normalised text (half-width brackets)."""
    replacement: str
    """What the 2021 format says instead; '' when it has no such item."""


def _old(pattern: str, replacement: str = "") -> OldWording:
    return OldWording(re.compile(pattern), replacement)


OLD_WORDING: tuple[OldWording, ...] = (
    _old("本年新制作数量", "本年制发件数"),
    _old("本年新公开数量", "本年制发件数"),
    _old("对外公开总数量", "现行有效件数"),
    _old("上一年项目数量"),
    _old(r"本年增\s*/\s*减"),
    _old("其他对外管理服务事项"),
    _old(r"第二十条第\s*\(\s*九\s*\)\s*项"),
    _old("采购总金额"),
    _old("采购项目数量"),
    _old(r"国办公开办函\s*[〔\[【(]\s*2019\s*[〕\]】)]\s*60\s*号", "国办公开办函〔2021〕30号"),
)
"""Labels of the 2019 table that the 2021 format does not have."""


def _advice(wording: OldWording) -> str:
    if wording.replacement:
        return f"2021年格式为“{wording.replacement}”，请按2021年格式修改。"
    return "2021年格式已无此项，请按公开办下发的2021年格式填写。"


def check_old_format(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Each old label once per prose part, quoted as typed."""
    for part, text in prose_parts(sub):
        searched = normalise(text)
        for wording in OLD_WORDING:
            match = wording.pattern.search(searched)
            if match is None:
                continue
            yield finding(
                "text.old_format",
                **where(sub, (part.key,)),
                row_label=prose_label(part.key),
                expected=wording.replacement or None,
                actual=text[match.start() : match.end()],
                label=prose_label(part.key),
                advice=_advice(wording),
            )
