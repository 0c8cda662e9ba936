"""The office's one workbook for the year: who has reported, who must act, and the county totals.

The clerk should not open fifty folders. This module turns what the ledger knows about each
agency (an `AgencyState`, fed in by the ledger's owner: nothing here reads the ledger or the
outbox) into:

- `states_for_year`: every agency of the registry, plus anyone who submitted without being in
  it, ordered so that whoever must act comes first (未通过/退回, then 未提交, then 已通过);
- `county_totals`: the sum, key by key, of the latest *passed* report of every agency that has
  one. A report that failed is never summed; an agency whose newest file failed still counts
  with the report it passed earlier, which is the one that stands until a corrected one passes;
- `write_summary`: the summary workbook (see `summary_sheets`, `summary_charts`,
  `summary_totals` for its sheets), written atomically.

The status words, colours and action hints are defined here once, so the workbook and the
terminal table (`status_table`) say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xlsxwriter.workbook import Workbook

from .atomic import atomic_path
from .config import Agency
from .form import FIELDS_BY_KEY, FieldType, numeric_keys
from .names import agency_key

__all__ = [
    "STATUSES",
    "STATUS_LABELS",
    "AgencyState",
    "action_note",
    "count_line",
    "county_totals",
    "sort_states",
    "states_for_year",
    "status_counts",
    "summary_filename",
    "write_summary",
]

PASSED, FAILED, REJECTED, MISSING = "passed", "failed", "rejected", "missing"
STATUSES: tuple[str, ...] = (FAILED, REJECTED, MISSING, PASSED)
"""Every status, in the order a clerk deals with them."""
STATUS_LABELS: Mapping[str, str] = {
    PASSED: "已通过",
    FAILED: "未通过",
    REJECTED: "退回",
    MISSING: "未提交",
}
UNREGISTERED_LABEL = "不在名录"
_RANK = {FAILED: 0, REJECTED: 0, MISSING: 1, PASSED: 2}
"""未通过 and 退回 are one group (both must be sent back to the agency), sorted by name together."""
_ACTIONS = {
    FAILED: "按校验结果工作簿修改后重新提交",
    REJECTED: "文件无法读取，须用下发的工作簿重新填报",
    MISSING: "尚未提交，请催报",
    PASSED: "",
}
_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
"""Agency text is data: never a formula, a link or a number, whatever it looks like."""


@dataclass(frozen=True)
class AgencyState:
    """Where one agency stands this year, as the ledger knows it.

    `passed_values` are the values by key of the agency's latest *passed* submission (ints for
    counts, Decimal or its string for `fees_amount`), or None if nothing of it has passed;
    with status "failed" it may still be set, from an earlier passed file.
    """

    agency: str
    status: str
    registered: bool
    received_at: datetime | None
    error_count: int = 0
    warning_count: int = 0
    files: tuple[str, ...] = ()
    passed_values: Mapping[str, object] | None = None
    kind: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABELS:
            raise ValueError(f"unknown status {self.status!r} for {self.agency!r}")

    @property
    def label(self) -> str:
        """The status as the clerk reads it: 已通过 / 未通过 / 退回 / 未提交."""
        return STATUS_LABELS[self.status]

    @property
    def needs_action(self) -> bool:
        return self.status != PASSED or not self.registered


def sort_states(states: Sequence[AgencyState]) -> list[AgencyState]:
    """未通过/退回 first, then 未提交, then 已通过; by name (code point order) within a group."""
    return sorted(states, key=lambda s: (_RANK[s.status], s.agency))


def states_for_year(
    registry: Sequence[Agency], submissions: Sequence[AgencyState]
) -> list[AgencyState]:
    """Every registered agency (未提交 if it sent nothing) and every other submitter, sorted.

    A submission is matched to the registry by name up to spaces and full-/half-width forms; a
    match takes the registry's spelling and kind. Submitters not in the registry are kept with
    `registered=False`: the clerk must see them (a typo in a name, or an agency to add).
    """
    by_key: dict[str, AgencyState] = {}
    for sub in submissions:
        if sub.status == MISSING:
            continue
        key = agency_key(sub.agency)
        if key in by_key:
            raise ValueError(f"two states for one agency: {sub.agency!r}")
        by_key[key] = sub
    merged: list[AgencyState] = []
    for agency in registry:
        sub = by_key.pop(agency_key(agency.name), None)
        if sub is None:
            merged.append(AgencyState(agency.name, MISSING, True, None, kind=agency.kind))
        else:
            kind = agency.kind or sub.kind
            merged.append(replace(sub, agency=agency.name, registered=True, kind=kind))
    merged.extend(replace(sub, registered=False) for sub in by_key.values())
    return sort_states(merged)


def status_counts(states: Sequence[AgencyState]) -> dict[str, int]:
    """How many *registered* agencies are in each status; they add up to 应交."""
    counts = dict.fromkeys(STATUSES, 0)
    for state in states:
        if state.registered:
            counts[state.status] += 1
    return counts


def count_line(states: Sequence[AgencyState]) -> str:
    """'应交 N 个单位，已通过 a，未通过 b，退回 c，未提交 d', then any submitters not registered."""
    counts = status_counts(states)
    parts = [f"{STATUS_LABELS[s]} {counts[s]}" for s in (PASSED, FAILED, REJECTED, MISSING)]
    line = f"应交 {sum(counts.values())} 个单位，" + "，".join(parts)
    outsiders = sum(1 for s in states if not s.registered)
    return line + (f"；另有 {outsiders} 个不在名录的单位提交" if outsiders else "")


def action_note(state: AgencyState) -> str:
    """What the clerk has to do about this agency, in one line ('' when nothing)."""
    notes = [] if state.registered else [f"{UNREGISTERED_LABEL}：请核对单位名称或补入名录"]
    if _ACTIONS[state.status]:
        notes.append(_ACTIONS[state.status])
    if state.status != PASSED and state.passed_values is not None:
        notes.append("汇总暂用此前已通过的报告")
    return "；".join(notes)


def _number(state: AgencyState, key: str, value: object) -> int | Decimal:
    """A passed report's value as an exact number; a blank is 0 (as in the checks)."""
    fee = FIELDS_BY_KEY[key].type is FieldType.WAN_YUAN
    if value is None or value == "":
        return Decimal(0) if fee else 0
    try:
        if isinstance(value, bool):
            raise TypeError
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"{state.agency}: {key} = {value!r} is not a number") from exc
    if not number.is_finite() or (not fee and number != number.to_integral_value()):
        raise ValueError(f"{state.agency}: {key} = {value!r} is not a valid value")
    return number if fee else int(number)


def county_totals(states: Sequence[AgencyState]) -> dict[str, int | Decimal]:
    """The sum of every numeric key over the agencies that have a passed report.

    Counts are ints; `fees_amount` is an exact Decimal (0.1 + 0.2 is 0.3, not 0.30000000000000004).
    """
    totals: dict[str, int | Decimal] = {}
    for key in numeric_keys():
        fee = FIELDS_BY_KEY[key].type is FieldType.WAN_YUAN
        totals[key] = Decimal(0) if fee else 0
    for state in states:
        if state.passed_values is None:
            continue
        for key in totals:
            totals[key] += _number(state, key, state.passed_values.get(key))
    return totals


def summary_filename(year: int) -> str:
    return f"{year}年政府信息公开工作年度报告汇总.xlsx"


def write_summary(
    out_dir: Path,
    year: int,
    states: Sequence[AgencyState],
    *,
    county_name: str = "全县",
    generated_at: datetime | None = None,
    extra_sheets: Sequence[Callable[[Workbook], None]] = (),
) -> Path:
    """Write `<out_dir>/<year>年政府信息公开工作年度报告汇总.xlsx` atomically; return its path.

    `states` may come in any order (they are sorted here as in `states_for_year`).
    `county_name` names the whole in titles; the totals' agency name, in the ``agency_name``
    cell and the ``wf_agency`` property alike, is "<county_name>汇总" (see `summary_totals` for
    why, and for what the prose keys hold). `generated_at` (default: now) is printed so that a
    clerk can tell a stale printout from today's.

    Sheets: 提交情况 (first, active), 图表, 二、主动公开, 三、依申请公开, 四、复议诉讼, 汇总说明,
    then whatever `extra_sheets` add (the mail intake's 邮件往来).
    """
    from .summary_charts import write_chart_sheet
    from .summary_sheets import clean_text, write_status_sheet
    from .summary_totals import write_totals

    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise ValueError(f"year must be a four-digit year, got {year!r}")
    county = " ".join(clean_text(county_name).split())
    if not county:
        raise ValueError("county_name is empty")
    ordered = sort_states(states)
    when = (generated_at or datetime.now()).replace(tzinfo=None, microsecond=0)
    totals = county_totals(ordered)
    target = Path(out_dir) / summary_filename(year)
    with atomic_path(target) as tmp, Workbook(str(tmp), _WORKBOOK_OPTIONS) as workbook:
        write_status_sheet(workbook, year, ordered, county, when)
        write_chart_sheet(workbook, year, ordered, totals, county)
        write_totals(workbook, year, ordered, totals, county, when)
        for add_sheet in extra_sheets:
            add_sheet(workbook)
    return target
