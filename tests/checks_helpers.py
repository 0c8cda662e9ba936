"""Submissions for the unit tests of the checks, without a workbook.

`make_submission(**overrides)` starts from the published 后河镇 report (`seed_values()`),
applies the overrides as an agency would type them, and parses every value with
`workflow.core.cell_values` as the reader does; each key gets a fake cell on a sheet named after its
section, so that findings can be compared by (rule, fields, cells).
"""

from __future__ import annotations

from collections.abc import Mapping

from workflow.checks import CheckContext, run_checks
from workflow.core.cell_values import parse_count, parse_fee, parse_year
from workflow.core.findings import Finding
from workflow.core.form import APPLICANT_COLUMNS, APPLICATION_ROWS, FIELDS, FieldType
from workflow.core.submission import CellRef, Submission, Value
from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values

_SHEETS = {
    "基本信息": "基本信息",
    "一、总体情况": "一、总体情况",
    "二、主动公开政府信息情况": "二、主动公开",
    "三、收到和处理政府信息公开申请情况": "三、依申请公开",
    "四、政府信息公开行政复议、行政诉讼情况": "四、复议诉讼",
    "五、存在的主要问题及改进情况": "五、六",
    "六、其他需要报告的事项": "五、六",
}
_APPLICATION_CELLS = {
    row.key(column): f"{'CDEFGHI'[c]}{r + 5}"
    for r, row in enumerate(APPLICATION_ROWS)
    for c, column in enumerate(APPLICANT_COLUMNS)
}


def fake_cells() -> dict[str, CellRef]:
    """A made-up but stable cell for every key: section 三 as a grid, the rest in column C."""
    cells: dict[str, CellRef] = {}
    rows: dict[str, int] = {}
    for field in FIELDS:
        sheet = _SHEETS[field.section]
        if field.key in _APPLICATION_CELLS:
            cells[field.key] = CellRef(sheet, _APPLICATION_CELLS[field.key])
            continue
        rows[sheet] = rows.get(sheet, 2) + 1
        cells[field.key] = CellRef(sheet, f"C{rows[sheet]}")
    return cells


CELLS = fake_cells()


def cell(key: str) -> str:
    return str(CELLS[key])


def _parse(field_type: FieldType, raw: object) -> tuple[Value, str | None]:
    if field_type is FieldType.TEXT:
        return ("" if raw is None else str(raw)), None
    parser = {
        FieldType.COUNT: parse_count,
        # as the readers: any places; the limit is the checks' (`[checks] fee_decimals`)
        FieldType.WAN_YUAN: lambda raw: parse_fee(raw, places=None),
        FieldType.YEAR: parse_year,
    }[field_type]
    parsed = parser(raw)
    return parsed.value, parsed.problem


def make_submission(
    overrides: Mapping[str, object] | None = None,
    *,
    base: Mapping[str, object] | None = None,
    issued_agency: str | None = SEED_AGENCY,
    issued_year: int | None = SEED_YEAR,
    formulas: Mapping[str, str] | None = None,
    **more: object,
) -> Submission:
    """The seed report (or `base`) with `overrides` typed in; None empties a cell."""
    raw: dict[str, object] = dict(seed_values() if base is None else base)
    raw.update(overrides or {})
    raw.update(more)
    values: dict[str, Value] = {}
    problems: dict[str, str] = {}
    for field in FIELDS:
        value, problem = _parse(field.type, raw.get(field.key))
        values[field.key] = value
        if problem:
            problems[field.key] = problem
    return Submission(
        values=values,
        raw={f.key: raw.get(f.key) for f in FIELDS},
        cells=dict(CELLS),
        problems=problems,
        formulas=dict(formulas or {}),
        issued_agency=issued_agency,
        issued_year=issued_year,
    )


def fixed_seed() -> dict[str, object]:
    """The seed with its one mistake ("我局" in a town's report) corrected."""
    values = seed_values()
    values["text_on_request"] = str(values["text_on_request"]).replace("我局", "我镇")
    return values


def neutral_seed() -> dict[str, object]:
    """The seed with every self-reference as "本机关", which fits any kind of agency."""
    values = seed_values()
    for key, value in values.items():
        if key.startswith("text_") and isinstance(value, str):
            values[key] = value.replace("我镇", "本机关").replace("我局", "本机关")
    return values


def flat(findings: list[Finding]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.fields) for f in findings]


def rules(sub: Submission, ctx: CheckContext | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(rule, fields) of every finding of `run_checks`."""
    return flat(run_checks(sub, ctx))
