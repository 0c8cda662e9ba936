"""How one finding reads in the error workbook's list: where it is, what should be there, what is.

A clerk reads the list beside the workbook. 工作表 and 位置 name the sheet and the row as the
table prints it (“三、依申请公开”, “（一）予以公开 · 自然人（D7）”), never a bare
`三、依申请公开!D7`.
应为 / 实为 are filled only where they are a value a clerk can compare, phrased for the rule:

- a total against its parts: 应为 “总计 = 10（各项之和）”, 实为 “总计 = 0”;
- the balance 一+二 = （七）总计+四, where neither side is "the right one": 应为 the equation,
  实为 both sides with their numbers;
- a value that could not be read: what the cell takes, and what was typed;
- a text warning: the short word or year to look for (“我局” → “我镇”, “2019年”), never a quoted
  sentence, which the message already quotes in context; long values are left out.
"""

from __future__ import annotations

from workflow.core.findings import Finding
from workflow.core.form import FIELDS_BY_KEY, SUM_RULES, SumRule

__all__ = ["expected_actual", "location"]

SHORT = 20
"""Characters a text value may have to be shown in 应为 / 实为; longer ones are sentences."""
_SENTENCE_RULES = frozenset(
    {"text.fee_contradiction", "text.no_fee_statement", "text.applications_contradiction"}
)
"""Warnings whose values are quotes from the prose: the message says it all."""


def _split(ref: str) -> tuple[str, str]:
    sheet, _, coordinate = ref.rpartition("!")
    return sheet.strip("'"), coordinate.replace("$", "")


def _row_text(f: Finding) -> str:
    if f.row_label or f.column_label:
        return " · ".join(p for p in (f.row_label, f.column_label) if p)
    labels = [FIELDS_BY_KEY[k].label for k in f.fields[:3] if k in FIELDS_BY_KEY]
    more = f" 等{len(f.fields)}项" if len(f.fields) > 3 else ""
    return "；".join(labels) + more


def location(f: Finding) -> tuple[str, str]:
    """(工作表, 位置): the sheet, and the row's label (and column) with the cell.

    A finding about several cells names the first (the one its link opens) and how many more.
    The sheet is a cell of its own: it carries the link, and LibreOffice does not wrap a link.
    """
    label = _row_text(f)
    if not f.cells:
        return "", label or "整个工作簿"
    sheet, coordinate = _split(f.cells[0])
    more = f" 等 {len(f.cells)} 格" if len(f.cells) > 1 else ""
    return sheet, f"{label}（{coordinate}{more}）" if label else f"{coordinate}{more}"


def _sum_rule(f: Finding) -> SumRule | None:
    keys = set(f.fields)
    return next(
        (r for r in SUM_RULES if r.rule == f.rule and set(r.left + r.right) == keys),
        None,
    )


def _short(value: str | None) -> str:
    text = " ".join((value or "").split())
    return text if len(text) <= SHORT else ""


def expected_actual(f: Finding) -> tuple[str, str]:
    """(应为, 实为) for the list, phrased for the rule; '' where nothing meaningful is shown."""
    if f.rule.startswith("sum."):
        rule = _sum_rule(f)
        if rule is None or f.expected is None or f.actual is None:
            return "", ""
        if rule.rule == "sum.balance":
            return (
                f"{rule.left_label} = {rule.right_label}",
                f"{rule.left_label} = {f.actual}\n{rule.right_label} = {f.expected}",
            )
        return f"{rule.left_label} = {f.expected}（各项之和）", f"{rule.left_label} = {f.actual}"
    if f.rule in _SENTENCE_RULES:
        return "", ""
    if f.rule == "value.fee_in_yuan":
        return f"{f.expected} 万元", f"{f.actual} 万元"
    expected, actual = _short(f.expected), _short(f.actual)
    if f.rule == "text.year_out_of_range" and expected.isdigit():
        expected += "年"
    if f.rule.startswith("value.") and f.actual is not None and not actual:
        actual = (f.actual[: SHORT - 1] + "…") if f.actual else ""
    return expected, actual
