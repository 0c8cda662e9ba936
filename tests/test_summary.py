"""The office's summary: who must act, in order; county totals of passed reports only; a workbook
that shows both, is named like the agency workbook, and keeps agency text as text.

States are built from the published 后河镇 report (`seed_values`) with small changes, as the
ledger would feed them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.workbook_cells import assert_prints_on_a4
from workflow.config import Agency, load_config
from workflow.core.atomic import TEMP_PREFIX
from workflow.core.form import (
    FIELDS,
    FIELDS_BY_KEY,
    FORM_ID,
    TEMPLATE_VERSION,
    FieldType,
    application_key,
)
from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
from workflow.office.states import (
    AgencyState,
    action_note,
    count_line,
    county_totals,
    states_for_year,
)
from workflow.office.summary import summary_filename, write_summary

TZ = timezone(timedelta(hours=8))
FORMULA_NAME = '=HYPERLINK("http://x","y")'
NUMERIC = [f.key for f in FIELDS if f.is_numeric]
REGISTRY = (
    Agency(SEED_AGENCY, "001", "镇"),
    Agency("城关镇人民政府", "002", "镇"),
    Agency("县财政局", "003", "部门"),
    Agency("县教育局", "004", "部门"),
    Agency("县民政局", "005", "部门"),
)


def numbers(**changes: object) -> dict[str, object]:
    """The seed report's numbers (行政处罚 3, all else 0) with `changes`."""
    values = {k: v for k, v in seed_values().items() if FIELDS_BY_KEY[k].is_numeric}
    values.update(changes)
    return values


def applications(new: int, granted: int) -> dict[str, int]:
    """A balanced section 三 for natural persons: `granted` 予以公开, the rest 本机关不掌握."""
    rows = {"new": new, "granted": granted, "unable_not_held": new - granted, "handled_total": new}
    out: dict[str, int] = {}
    for stem, n in rows.items():
        out[application_key(stem, "natural")] = n
        out[application_key(stem, "total")] = n
    return out


def at(day: int) -> datetime:
    return datetime(2022, 1, day, 9, 30, tzinfo=TZ)


HOUHE = numbers(**applications(5, 3), fees_amount="0.1")
CHENGGUAN = numbers(**applications(12, 10), penalty_decisions=1, fees_amount=Decimal("0.2"))
FINANCE_FIXED = numbers(**applications(7, 7), penalty_decisions=0, fees_amount="1.2345")
OUTSIDER = numbers(**applications(2, 2))


def submissions(*, finance_fixed: bool = False) -> list[AgencyState]:
    if finance_fixed:
        files = ("财政局（改）.xlsx", "财政局.xlsx")
        finance = AgencyState("县财政局", "passed", True, at(20), 0, 0, files, FINANCE_FIXED)
    else:
        finance = AgencyState("县财政局", "failed", True, at(12), 3, 1, ("财政局.xlsx",))
    return [
        AgencyState(SEED_AGENCY, "passed", True, at(10), 0, 1, ("后河镇.xlsx",), HOUHE),
        AgencyState("城关镇人民政府", "passed", True, at(11), 0, 0, ("城关镇.xlsx",), CHENGGUAN),
        finance,
        AgencyState("县教育局", "rejected", True, at(13), 1, 0, ("教育局.xls",)),
        AgencyState(FORMULA_NAME, "passed", True, at(15), 0, 0, ("=1+1.xlsx",), OUTSIDER),
    ]


def flat(states: list[AgencyState]) -> list[tuple[str, str, bool]]:
    return [(s.agency, s.status, s.registered) for s in states]


def by_hand(reports: list[Mapping[str, object]]) -> dict[str, object]:
    """The expected totals, summed independently of `county_totals`."""
    return {
        k: sum((Decimal(str(r[k])) for r in reports), Decimal(0))
        if FIELDS_BY_KEY[k].type is FieldType.WAN_YUAN
        else sum(int(str(r[k])) for r in reports)
        for k in NUMERIC
    }


# --- states ------------------------------------------------------------------------------------


def test_every_agency_appears_and_who_must_act_comes_first() -> None:
    states = states_for_year(REGISTRY, submissions())
    assert flat(states) == [
        ("县教育局", "rejected", True),  # 未通过/退回 together, by name
        ("县财政局", "failed", True),
        ("县民政局", "missing", True),  # sent nothing
        (FORMULA_NAME, "passed", False),  # submitted, but not in the registry
        (SEED_AGENCY, "passed", True),
        ("城关镇人民政府", "passed", True),
    ]
    missing = states[2]
    assert (missing.received_at, missing.files, missing.passed_values) == (None, (), None)
    assert missing.kind == "部门"
    assert count_line(states) == (
        "应交 5 个单位，已通过 2，未通过 1，退回 1，未提交 1；另有 1 个不在名录的单位提交"
    )
    assert [action_note(s) for s in states] == [
        "退回原因：文件无法读取；按退回说明处理后重新提交",
        "按校验结果工作簿修改后重新提交",
        "尚未提交，请催报",
        "不在名录：请核对单位名称或补入名录",
        "",
        "",
    ]


def test_a_name_differing_in_spaces_or_width_is_the_registered_agency() -> None:
    typed = AgencyState(" 县 财政局 ", "failed", True, at(12), 2, 0, ("a.xlsx",))
    registry = (Agency("县财政局", kind="部门"), Agency("县发改委（县粮食局）"))
    narrow = AgencyState("县发改委(县粮食局)", "passed", False, at(3), passed_values=HOUHE)
    states = states_for_year(registry, [typed, narrow])
    assert flat(states) == [("县财政局", "failed", True), ("县发改委（县粮食局）", "passed", True)]
    assert states[0].kind == "部门"


def test_two_states_for_one_agency_is_a_caller_error() -> None:
    twice = [
        AgencyState("县财政局", "failed", True, at(1)),
        AgencyState("县财政局", "passed", True, at(2)),
    ]
    with pytest.raises(ValueError, match="县财政局"):
        states_for_year(REGISTRY, twice)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="done"):
        AgencyState("县财政局", "done", True, None)


# --- totals ------------------------------------------------------------------------------------


def test_totals_are_the_sums_of_passed_reports_only() -> None:
    states = states_for_year(REGISTRY, submissions())
    totals = county_totals(states)
    assert set(totals) == set(NUMERIC)
    assert totals == by_hand([HOUHE, CHENGGUAN, OUTSIDER])
    assert (totals["penalty_decisions"], totals["apply_new_total"]) == (7, 19)
    assert isinstance(totals["fees_amount"], Decimal) and totals["fees_amount"] == Decimal("0.3")
    # the failed agency adds nothing: without it the totals are the same
    without = [s for s in states if s.agency != "县财政局"]
    assert county_totals(without) == totals


def test_a_corrected_resubmission_that_passes_changes_the_totals() -> None:
    before = county_totals(states_for_year(REGISTRY, submissions()))
    after = county_totals(states_for_year(REGISTRY, submissions(finance_fixed=True)))
    changed = {k: after[k] - before[k] for k in NUMERIC if after[k] != before[k]}  # type: ignore[operator]
    assert changed == {
        "apply_new_natural": 7, "apply_new_total": 7,
        "apply_granted_natural": 7, "apply_granted_total": 7,
        "apply_handled_total_natural": 7, "apply_handled_total_total": 7,
        "fees_amount": Decimal("1.2345"),
    }  # fmt: skip
    assert after["fees_amount"] == Decimal("1.5345")  # 0.1 + 0.2 + 1.2345, exactly


def test_a_failed_resubmission_keeps_the_earlier_passed_report_in_the_totals() -> None:
    state = AgencyState(
        "县财政局", "failed", True, at(25), 2, 0, ("b.xlsx", "a.xlsx"), FINANCE_FIXED
    )
    assert county_totals([state])["apply_new_total"] == 7
    assert action_note(state) == "按校验结果工作簿修改后重新提交；汇总暂用此前已通过的报告"


def test_a_value_that_is_not_a_number_names_the_agency() -> None:
    state = AgencyState("县财政局", "passed", True, at(1), passed_values={"rules_issued": "三件"})
    with pytest.raises(ValueError, match="县财政局: rules_issued"):
        county_totals([state])


# --- the workbook ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    states = states_for_year(REGISTRY, submissions())
    out = tmp_path_factory.mktemp("summary")
    path = write_summary(out, SEED_YEAR, states, generated_at=datetime(2022, 2, 1, 9, 0))
    return path, dict(county_totals(states))


def test_the_file_is_named_for_the_year_and_written_without_leftovers(
    summary: tuple[Path, dict[str, object]],
) -> None:
    path, _ = summary
    assert path.name == summary_filename(2021) == "2021年政府信息公开工作年度报告汇总.xlsx"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert not any(p.name.startswith(TEMP_PREFIX) for p in path.parent.iterdir())


def test_status_sheet_comes_first_and_shows_who_must_act(
    summary: tuple[Path, dict[str, object]],
) -> None:
    wb = openpyxl.load_workbook(summary[0])
    ws = wb.active
    assert (ws.title, wb.sheetnames[0]) == ("提交情况", "提交情况")
    assert ws["A1"].value == "全县2021年政府信息公开工作年度报告提交情况"
    assert ws["A2"].value.startswith("应交 5 个单位，已通过 2，未通过 1，退回 1，未提交 1")
    header = [c.value for c in ws[4]]
    assert header == [
        "序号",
        "单位",
        "状态",
        "最近提交时间",
        "错误数",
        "提示数",
        "提交文件",
        "办理提示",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_col=7)]
    assert [r[:3] for r in rows] == [
        [1, "县教育局", "退回"],
        [2, "县财政局", "未通过"],
        [3, "县民政局", "未提交"],
        [4, FORMULA_NAME, "已通过"],
        [5, SEED_AGENCY, "已通过"],
        [6, "城关镇人民政府", "已通过"],
    ]
    assert rows[1][3:] == [datetime(2022, 1, 12, 9, 30), 3, 1, "财政局.xlsx"]
    assert rows[2][3:] == [None, None, None, None]  # nothing sent: blank, not 0
    fills = [ws.cell(r, 3).fill.fgColor.rgb for r in range(5, 11)]
    assert fills == ["FFFFC7CE", "FFFFC7CE", "FFFFEB9C", "FFC6EFCE", "FFC6EFCE", "FFC6EFCE"]
    assert ws.cell(8, 2).fill.fgColor.rgb == "FFFFEB9C"  # the name not in the registry
    assert (ws.freeze_panes, ws.auto_filter.ref) == ("A5", "A4:H10")
    setup = ws.page_setup
    # one page wide (1 is the default, which the file may leave out), as many pages tall as needed
    assert (setup.orientation, setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight) == (
        "landscape", 9, 1, 0
    )  # fmt: skip
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_every_key_is_a_defined_name_on_one_cell_holding_its_total(
    summary: tuple[Path, dict[str, object]],
) -> None:
    path, totals = summary
    wb = openpyxl.load_workbook(path)
    cells = {}
    for field in FIELDS:
        destinations = list(wb.defined_names[field.key].destinations)
        assert len(destinations) == 1, field.key
        sheet, coordinate = destinations[0]
        cells[field.key] = wb[sheet][coordinate.replace("$", "")]
    assert len({(c.parent.title, c.coordinate) for c in cells.values()}) == len(FIELDS)
    for key in NUMERIC:
        value = cells[key].value
        got = Decimal(repr(value)) if isinstance(value, float) else value
        assert got == totals[key], key
    assert cells["fees_amount"].number_format == "0.0000##"  # a fee to the 分 shows whole
    assert (cells["agency_name"].value, cells["report_year"].value) == ("全县汇总", 2021)
    assert "3 个单位" in cells["text_overview"].value
    prose = [f.key for f in FIELDS if f.key.startswith("text_") and f.key != "text_overview"]
    assert {cells[k].value for k in prose} == {"（汇总表，无文字内容）"}


def test_custom_properties_mark_it_as_a_workbook_of_our_form(
    summary: tuple[Path, dict[str, object]],
) -> None:
    wb = openpyxl.load_workbook(summary[0])
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {
        "wf_form": FORM_ID,
        "wf_template_version": TEMPLATE_VERSION,
        "wf_agency": "全县汇总",
        "wf_year": "2021",
    }
    meta = wb["_meta"]  # the fallback for office suites that drop custom properties
    assert meta.sheet_state == "veryHidden"
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)} == props


def test_our_reader_and_checks_take_the_summary_as_a_report(
    summary: tuple[Path, dict[str, object]],
) -> None:
    from workflow.flow.pipeline import check_file
    from workflow.workbook.reader import read_workbook

    path, totals = summary
    sub = read_workbook(path)
    assert (sub.agency, sub.year, sub.problems) == ("全县汇总", 2021, {})
    assert {k: sub.values[k] for k in NUMERIC} == totals
    config = load_config(Path(__file__).resolve().parents[1] / "config.toml")
    outcome = check_file(path, config)
    assert [f.rule for f in outcome.findings if f.is_error] == []  # sums of sound reports add up
    assert outcome.status == "passed"


def test_a_formula_looking_name_stays_text(summary: tuple[Path, dict[str, object]]) -> None:
    with zipfile.ZipFile(summary[0]) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        formulas = [f for n in sheets for f in re.findall(r"<f[ >].*?</f>", z.read(n).decode())]
        strings = z.read("xl/sharedStrings.xml").decode()
    assert not [f for f in formulas if "HYPERLINK" in f or "1+1" in f]
    assert f"<t>{FORMULA_NAME}</t>" in strings
    wb = openpyxl.load_workbook(summary[0])
    ws = wb["提交情况"]
    assert (ws["B8"].value, ws["B8"].data_type, ws["G8"].value) == (FORMULA_NAME, "s", "=1+1.xlsx")
    assert not ws["B8"].hyperlink


def test_charts_show_status_applications_by_agency_and_outcomes(
    summary: tuple[Path, dict[str, object]],
) -> None:
    with zipfile.ZipFile(summary[0]) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        kinds = [re.search(r"<c:(pie|bar)Chart>", z.read(n).decode())[1] for n in charts]
    assert charts[0] == "xl/charts/chart1.xml"
    assert kinds == ["pie", "bar", "bar"]
    ws = openpyxl.load_workbook(summary[0])["图表"]
    values = {(r[0], r[1]) for r in ws.iter_rows(values_only=True) if r[0] and r[1] is not None}
    assert {("城关镇人民政府", 12), (SEED_AGENCY, 5), ("予以公开", 15), ("无法提供", 4)} <= values


def test_nothing_passed_yet_still_writes_a_complete_workbook(tmp_path: Path) -> None:
    states = states_for_year(REGISTRY, [])
    path = write_summary(tmp_path, 2022, states, county_name="卫辉市")
    wb = openpyxl.load_workbook(path)
    assert wb.active["A2"].value == "应交 5 个单位，已通过 0，未通过 0，退回 0，未提交 5"
    sheet, coordinate = next(iter(wb.defined_names["apply_new_total"].destinations))
    assert wb[sheet][coordinate.replace("$", "")].value == 0
    assert {p.name: p.value for p in wb.custom_doc_props.props}["wf_agency"] == "卫辉市汇总"


def test_a_failure_while_writing_leaves_the_previous_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workflow.office.summary

    old = write_summary(tmp_path, 2021, states_for_year(REGISTRY, []))
    before = old.read_bytes()

    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow.office.summary, "write_totals", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_summary(tmp_path, 2021, states_for_year(REGISTRY, submissions()))
    assert old.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [old.name]


@pytest.mark.parametrize("year", [21, 2021.0, True])
def test_a_year_that_is_not_a_year_is_refused(tmp_path: Path, year: object) -> None:
    with pytest.raises(ValueError, match="year"):
        write_summary(tmp_path, year, [])  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_agency_that_resends_often_lists_its_latest_files_and_the_count(
    tmp_path: Path,
) -> None:
    files = tuple(f"第{i}次.xlsx" for i in range(12, 0, -1))
    state = AgencyState("甲镇人民政府", "passed", True, None, files=files)
    path = write_summary(tmp_path, 2021, [state])
    wb = openpyxl.load_workbook(path)
    try:
        cells = [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    finally:
        wb.close()
    listed = next(v for v in cells if isinstance(v, str) and "第12次.xlsx" in v)
    assert listed.splitlines() == [*files[:5], "……共 12 个文件"]


def test_every_sheet_prints_on_a4_under_the_county_and_year(
    summary: tuple[Path, dict[str, object]],
) -> None:
    sheets = assert_prints_on_a4(summary[0], "全县2021年汇总")
    assert sheets[:2] == ["提交情况", "图表"] and len(sheets) == 6
