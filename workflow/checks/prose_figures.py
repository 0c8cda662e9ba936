"""Warning: a number the prose ties to a table cell that differs from the cell.

Published reports contradict their own tables: "行政复议案件134件，行政诉讼案件57件" where
the tables total 170 and 77 (134 and 57 are the concluded cases, the totals less 尚未审结);
"收到申请75件" where 本年新收 is 74 (75 is 新收 + 上年结转). `_figures.claims` finds the numbers
and what they are about; this module reads the table for each topic and warns where the
number is neither the cell nor a reading the words allow, naming the prose part and the table
key (the finding's `fields`: the text key first). Where the number equals another reading of
the table (the total less 尚未审结, 新收 + 上年结转, 予以公开 + 部分公开 …), the message says so:
that is usually how the mistake was made.

Rule-based, no model: each topic below is one line of what it means in the tables. The
received count of applications is `applications.py`'s (text.applications_contradiction, which
accepts 新收 + 上年结转 for every verb); here only "收到 … 75件" = 新收 + 上年结转 is warned, since
收到 is this year's 新收. 主动公开信息 N条 has no cell in the tables and is not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from workflow.checks._common import field_label, format_number
from workflow.checks._figures import Claim, claims
from workflow.checks._text import passages, quote
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.form import APPLICATION_ROWS, FIELDS_BY_KEY, LITIGATION_GROUPS, row_total_name
from workflow.core.submission import Submission

__all__ = ["TOPICS", "Topic", "check_prose_figures"]

Reading = Callable[[Submission], Decimal | None]


def _sum(*keys: str) -> Reading:
    def read(sub: Submission) -> Decimal | None:
        values = [sub.number(k) for k in keys]
        if any(v is None for v in values):
            return None
        return Decimal(sum(v for v in values if v is not None))

    return read


def _less(a: Reading, b: Reading) -> Reading:
    def read(sub: Submission) -> Decimal | None:
        x, y = a(sub), b(sub)
        return None if x is None or y is None else x - y

    return read


def _total(stem: str) -> str:
    return f"apply_{stem}_total"


def _group(prefix: str) -> tuple[str, ...]:
    return tuple(r.key("total") for r in APPLICATION_ROWS if r.stem.startswith(prefix + "_"))


def _group_name(prefix: str) -> str:
    """'表三“（三）不予公开”各项总计之和', the group's heading from the form."""
    group = next(r.group for r in APPLICATION_ROWS if r.stem.startswith(prefix + "_"))
    return f"表三“{group}”各项总计之和"


def _cell_name(key: str) -> str:
    """'表二“行政许可”本年处理决定数量', the cell's row and column label from the form."""
    field = FIELDS_BY_KEY[key]
    return f"表二“{field.row_label}”{field.column_label}"


_SUITS = tuple(g for g in LITIGATION_GROUPS if g.prefix != "review")
_NEW = _sum(_total("new"))
_NEW_CARRIED = _sum(_total("new"), _total("carried_in"))


@dataclass(frozen=True)
class Topic:
    keys: tuple[str, ...]
    """The cells the prose number stands for (their sum); the first is named in messages."""
    what: str
    """The table's reading, in Chinese: '表四“行政复议”总计'."""
    agrees: tuple[Reading, ...] = ()
    """Other readings the words allow (受理 may count 上年结转 too)."""
    others: tuple[tuple[str, Reading], ...] = ()
    """Readings that explain a mismatch: ('总计减尚未审结（已审结）', reading)."""


def _review(suffix: str) -> str:
    return f"review_{suffix}"


def _suits(suffix: str) -> tuple[str, ...]:
    return tuple(g.key(suffix) for g in _SUITS)


TOPICS: dict[str, Topic] = {
    "review": Topic(
        (_review("total"),),
        "表四“行政复议”总计",
        others=(
            (
                "总计减尚未审结（已审结的案件）",
                _less(_sum(_review("total")), _sum(_review("pending"))),
            ),
            ("结果纠正", _sum(_review("corrected"))),
        ),
    ),
    "litigation": Topic(
        _suits("total"),
        "表四“行政诉讼”两类总计之和",
        others=(
            (
                "总计减尚未审结（已审结的案件）",
                _less(_sum(*_suits("total")), _sum(*_suits("pending"))),
            ),
            ("“未经复议直接起诉”总计", _sum(_SUITS[0].key("total"))),
            ("“复议后起诉”总计", _sum(_SUITS[1].key("total"))),
        ),
    ),
    "received": Topic(
        (_total("new"),),
        row_total_name("new"),
        others=(("本年新收加上年结转", _NEW_CARRIED),),
    ),
    "handled": Topic(
        (_total("handled_total"),),
        row_total_name("handled_total"),
        others=(("本年新收加上年结转", _NEW_CARRIED), ("本年新收", _NEW)),
    ),
    "handled_any": Topic(
        (_total("handled_total"),),
        row_total_name("handled_total"),
        agrees=(_NEW_CARRIED,),
        others=(("本年新收", _NEW),),
    ),
    "granted": Topic(
        (_total("granted"),),
        row_total_name("granted"),
        others=(("予以公开加部分公开", _sum(_total("granted"), _total("partial"))),),
    ),
    "partial": Topic((_total("partial"),), row_total_name("partial")),
    "denied": Topic(_group("denied"), _group_name("denied")),
    "unable": Topic(_group("unable"), _group_name("unable")),
    "rejected": Topic(_group("rejected"), _group_name("rejected")),
    "carried_in": Topic((_total("carried_in"),), row_total_name("carried_in")),
    "carried_out": Topic((_total("carried_out"),), row_total_name("carried_out")),
    "licensing": Topic(("licensing_decisions",), _cell_name("licensing_decisions")),
    "penalty": Topic(("penalty_decisions",), _cell_name("penalty_decisions")),
    "coercion": Topic(("coercion_decisions",), _cell_name("coercion_decisions")),
    "fees": Topic(("fees_amount",), _cell_name("fees_amount")),
}
for _doc, _label in (("rules", "规章"), ("normative", "行政规范性文件")):
    TOPICS[f"{_doc}_issued"] = Topic(
        (f"{_doc}_issued",),
        _cell_name(f"{_doc}_issued"),
        others=(("现行有效件数", _sum(f"{_doc}_in_force")),),
    )
    TOPICS[f"{_doc}_repealed"] = Topic((f"{_doc}_repealed",), _cell_name(f"{_doc}_repealed"))
    TOPICS[f"{_doc}_in_force"] = Topic(
        (f"{_doc}_in_force",),
        f"表二“{_label}”现行有效件数",
        others=(("本年制发件数", _sum(f"{_doc}_issued")),),
    )


def _said(claim: Claim) -> Decimal:
    """The claim in the table's unit: 元 written in the prose become 万元."""
    return claim.number / 10000 if claim.unit == "元" else claim.number


def _agrees(claim: Claim, topic: Topic, sub: Submission, main: Decimal) -> bool:
    said = _said(claim)
    if said == main or any(r(sub) == said for r in topic.agrees):
        return True
    if claim.topic == "received":  # text.applications_contradiction has the rest
        counted = "上年结转" in claim.context or "含结转" in claim.context or claim.qualified
        return said != _NEW_CARRIED(sub) or counted or main == _NEW_CARRIED(sub)
    return claim.qualified  # "办结10件（含…）": what it holds is its own; not certain


def check_prose_figures(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """One warning per number in the prose that its table contradicts."""
    year = sub.issued_year or sub.year
    for passage in passages(sub):
        text = passage.text
        for claim in claims(text, year):
            topic = TOPICS.get(claim.topic)
            main = _sum(*topic.keys)(sub) if topic else None
            if topic is None or main is None or _agrees(claim, topic, sub, main):
                continue
            said = _said(claim)
            if claim.topic != "fees" and said != said.to_integral_value():
                continue  # "1.5件" is no count: a typing matter, not a contradiction
            # a reading explains the number only where the numbers fit it: a 0 fits any empty
            # cell by chance ("复议案件0件" is not 结果纠正 0 mistaken for the total)
            explained = [name for name, read in topic.others if said and read(sub) == said]
            note = (
                f"文中的{format_number(said)}等于表格的“{explained[0]}”，可能把它当成了这一项"
                if explained
                else "请核对文字与表格是否一致"
            )
            yield finding(
                "text.figure_mismatch",
                **passage.where(sub, topic.keys),
                row_label=passage.label,
                column_label=field_label(topic.keys[0]),
                expected=format_number(main),
                actual=quote(text, *claim.said),
                label=passage.label,
                what=topic.what,
                note=note,
            )
