"""Where each agency stands this year, and the county totals of what passed.

The clerk should not open fifty folders. This module turns what the ledger knows about each
agency (an `AgencyState`, fed in by the ledger's owner: nothing here reads the ledger or the
outbox) into:

- `states_for_year`: every agency of the registry, plus anyone who submitted without being in
  it, ordered so that whoever must act comes first (未通过/退回, then 未提交, then 已通过);
- `county_totals`: the sum, key by key, of the latest *passed* report of every agency that has
  one. A report that failed is never summed; an agency whose newest file failed still counts
  with the report it passed earlier, which is the one that stands until a corrected one passes.

The order and the action hints are defined here once (the status words in `core.outcome`), so
the summary workbook and the terminal table (`status_table`) say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from workflow.config import Agency
from workflow.core.cell_values import stored_number
from workflow.core.form import numeric_keys
from workflow.core.names import agency_key
from workflow.core.outcome import FAILED, MISSING, PASSED, REJECTED, STATUS_LABELS

__all__ = [
    "STATUSES",
    "AgencyState",
    "action_note",
    "count_line",
    "county_totals",
    "sort_states",
    "states_for_year",
    "status_counts",
]

STATUSES: tuple[str, ...] = (FAILED, REJECTED, MISSING, PASSED)
"""Every status, in the order a clerk deals with them."""
UNREGISTERED_LABEL = "不在名录"
_RANK = {FAILED: 0, REJECTED: 0, MISSING: 1, PASSED: 2}
"""未通过 and 退回 are one group (both must be sent back to the agency), sorted by name together."""
_ACTIONS = {
    FAILED: "按校验结果工作簿修改后重新提交",
    REJECTED: "按退回说明处理后重新提交",
    MISSING: "尚未提交，请催报",
    PASSED: "",
}


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
    reason: str = ""
    """Why the latest file was refused (status "rejected"): its rule title (旧版 Excel 格式)."""

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABELS:
            raise ValueError(f"unknown status {self.status!r} for {self.agency!r}")

    @property
    def label(self) -> str:
        """The status as the clerk reads it: 已通过 / 未通过 / 退回 / 未提交."""
        return STATUS_LABELS[self.status]


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
        found = by_key.pop(agency_key(agency.name), None)
        if found is None:
            merged.append(AgencyState(agency.name, MISSING, True, None, kind=agency.kind))
        else:
            kind = agency.kind or found.kind
            merged.append(replace(found, agency=agency.name, registered=True, kind=kind))
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
    if state.status == REJECTED:
        notes.append(f"退回原因：{state.reason or '文件无法读取'}")
    if _ACTIONS[state.status]:
        notes.append(_ACTIONS[state.status])
    if state.status != PASSED and state.passed_values is not None:
        notes.append("汇总暂用此前已通过的报告")
    return "；".join(notes)


def _number(agency: str, key: str, value: object) -> int | Decimal:
    """A passed report's value as an exact number; a blank (or a key the report predates) is 0,
    as in the checks."""
    number = stored_number(key, "" if value is None else value)
    if number is None:
        raise ValueError(f"{agency}: {key} = {value!r} is not a valid value")
    return number


def county_totals(states: Sequence[AgencyState]) -> dict[str, int | Decimal]:
    """The sum of every numeric key over the agencies that have a passed report.

    Counts are ints; `fees_amount` is an exact Decimal (0.1 + 0.2 is 0.3, not 0.30000000000000004).
    """
    totals: dict[str, int | Decimal] = {key: _number("", key, "") for key in numeric_keys()}
    for state in states:
        if state.passed_values is None:
            continue
        for key in totals:
            totals[key] += _number(state.agency, key, state.passed_values.get(key))
    return totals
