"""The error workbook: the agency's own workbook, every finding listed and marked, text as text."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import MakeWorkbook
from tests.libreoffice import convert, needs_soffice, pdf_pages, pdf_text
from tests.workbook_cells import assert_prints_on_a4, cells_of
from workflow.config import load_config
from workflow.core.findings import finding
from workflow.core.form import FIELDS
from workflow.core.text import LINE_PT, wrapped_lines
from workflow.flow.pipeline import check_file
from workflow.workbook.marked import (
    LEGEND,
    RESULT_SHEET,
    WARNING_FILL,
    write_error_workbook,
    write_rejection_note,
)
from workflow.workbook.template_layout import ALARM_FILL, INPUT_FILL

# The repository's config, its state folder replaced by one that holds no ledger: these tests
# are about one year's report, whatever the developer's own state/ may hold.
CONFIG = replace(
    load_config(Path(__file__).resolve().parents[1] / "config.toml"),
    state=Path(tempfile.mkdtemp(prefix="no-ledger-")) / "state",
)
FORMULA = '=HYPERLINK("http://example.invalid","点此")'


def test_error_workbook_lists_and_marks_every_finding(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        "bad.xlsx", apply_new_natural=2, penalty_decisions="三件", text_other=FORMULA
    )
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    wb = openpyxl.load_workbook(out)
    try:
        assert wb.sheetnames[0] == RESULT_SHEET
        ws = wb[RESULT_SHEET]
        assert [c.value for c in ws[3]] == [
            "序号",
            "级别",
            "工作表",
            "位置",
            "问题",
            "应为",
            "实为",
        ]
        listed = [row for row in ws.iter_rows(min_row=4, values_only=True) if row[0]]
        assert len(listed) == len(outcome.findings)
        assert listed[0][1] == "错误"
        where = cells_of(path)
        penalty = where["penalty_decisions"].split("!")
        cell = wb[penalty[0]][penalty[1]]
        assert cell.comment is not None and "三件" in cell.comment.text
        assert cell.fill.start_color.rgb.endswith("FFC7CE")
        # still our workbook: every defined name survives, the agency can correct and resend
        assert all(f.key in wb.defined_names for f in FIELDS)
        other = where["text_other"].split("!")
        assert wb[other[0]][other[1]].value == FORMULA
    finally:
        wb.close()
    with zipfile.ZipFile(out) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)


def test_resubmitted_error_workbook_is_read_again(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook("bad.xlsx", apply_new_natural=2)
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    again = check_file(out, CONFIG)
    assert again.status == "failed"
    assert {f.rule for f in again.findings if f.is_error} == {
        f.rule for f in outcome.findings if f.is_error
    }


def _listed(path: Path) -> tuple[list[dict[str, str]], openpyxl.Workbook]:
    wb = openpyxl.load_workbook(path)
    ws = wb[RESULT_SHEET]
    headers = [c.value for c in ws[3]]
    rows = [
        {h: ("" if v is None else str(v)) for h, v in zip(headers, row, strict=True)}
        for row in ws.iter_rows(min_row=4, values_only=True)
    ]
    return rows, wb


def test_error_and_warning_colours_differ_from_the_input_yellow_and_are_explained(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    """Red for an error, blue for a warning, each unlike the light yellow of the input cells,
    and a legend with the three colours on the first sheet."""
    path = make_workbook("bad.xlsx", penalty_decisions="三件", text_overview="2019年我局……")
    outcome = check_file(path, CONFIG)
    assert {f.severity.value for f in outcome.findings} == {"error", "warning"}
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    _, wb = _listed(out)
    try:
        where = cells_of(path)
        fills = {}
        for key in ("penalty_decisions", "text_overview"):
            sheet, coordinate = where[key].split("!")
            fills[key] = wb[sheet][coordinate].fill.start_color.rgb[-6:]
        assert fills == {"penalty_decisions": ALARM_FILL[1:], "text_overview": WARNING_FILL}
        assert INPUT_FILL[1:] not in fills.values()
        legend = [(c.value, c.fill.start_color.rgb[-6:]) for c in wb[RESULT_SHEET][2] if c.value]
        assert [colour for _, colour in legend] == [ALARM_FILL[1:], WARNING_FILL, INPUT_FILL[1:]]
        assert [text for text, _ in legend] == [text for _, _, text in LEGEND]
        assert legend[0][0].startswith("红色：错误") and legend[1][0].startswith("蓝色：提示")
        assert legend[2][0].startswith("浅黄色：填写区域")
    finally:
        wb.close()


def test_the_list_names_sheet_and_row_and_phrases_expected_and_actual_for_the_row(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        "bad.xlsx",
        penalty_decisions="三件",
        apply_new_natural=2,
        apply_new_total=9,
        text_overview="2019年我局认真贯彻落实。",
        text_other="我们今年的工作情况良好，总体来看没有什么需要特别报告的事项。",
    )
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    rows, wb = _listed(out)
    wb.close()
    by_rule: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        match = next(f for f in outcome.findings if f.message == row["问题"])
        by_rule.setdefault(match.rule, []).append(row)
    value = by_rule["value.not_number"][0]
    assert value["工作表"] == "二、主动公开"
    assert value["位置"].startswith("行政处罚") and "!" not in value["位置"]
    assert (value["应为"], value["实为"]) == ("0 或正整数", "三件")
    balance = by_rule["sum.balance"][0]
    assert balance["工作表"] == "三、依申请公开"
    assert balance["应为"] == "一+二 = （七）总计+四"
    assert balance["实为"].splitlines()[0].startswith("一+二 = ")
    assert balance["实为"].splitlines()[1].startswith("（七）总计+四 = ")
    assert "（D" in balance["位置"] and "等" in balance["位置"]
    total = by_rule["sum.applicant_total"][0]
    parts = next(f for f in outcome.findings if f.rule == "sum.applicant_total").expected
    assert (total["应为"], total["实为"]) == (f"总计 = {parts}（各项之和）", "总计 = 9")
    assert total["位置"].startswith("一、本年新收政府信息公开申请数量 · 总计（")
    year = by_rule["text.year_out_of_range"][0]
    assert (year["应为"], year["实为"]) == ("2021年", "2019年")
    no_fee = by_rule["text.no_fee_statement"][0]
    assert (no_fee["应为"], no_fee["实为"]) == ("", "")  # not the quoted sentence


def test_rows_fit_their_text_and_the_sheet_prints_a4_with_the_agency_in_the_header(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook("bad.xlsx", penalty_decisions="三件", apply_new_natural=2)
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    wb = openpyxl.load_workbook(out)
    try:
        ws = wb[RESULT_SHEET]
        widths = [ws.column_dimensions[c].width for c in "ABCDEFG"]
        for row in ws.iter_rows(min_row=4):
            texts = ["" if c.value is None else str(c.value) for c in row]
            lines = max(wrapped_lines(t, w) for t, w in zip(texts, widths, strict=True))
            assert ws.row_dimensions[row[0].row].height >= lines * LINE_PT + 4, texts
            assert all(c.alignment.wrap_text for c in row)
    finally:
        wb.close()
    # the list and the agency's own sheets: A4, one page wide, the agency and year on top
    sheets = assert_prints_on_a4(out, "后河镇人民政府 2021年")
    assert sheets[0] == RESULT_SHEET and len(sheets) == 6


def _rejection(tmp_path: Path, name: str = "附件.xls") -> tuple[Path, str]:
    message = finding("file.not_workbook", name=name, detail="看起来是 CSV 或文本文件").message
    rejected = finding("file.not_workbook", name=name, detail="看起来是 CSV 或文本文件")
    note = write_rejection_note(
        name, [rejected], tmp_path / "退回说明.xlsx", agency="后河镇人民政府", year=2021
    )
    return note, message


def test_rejection_note_is_set_up_for_one_page(tmp_path: Path) -> None:
    note, message = _rejection(tmp_path)
    wb = openpyxl.load_workbook(note)
    try:
        ws = wb["退回说明"]
        setup = ws.page_setup
        # OOXML's default for both is 1: xlsxwriter leaves them out
        assert (setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight or 1) == (9, 1, 1)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "后河镇人民政府 2021年" in ws.oddHeader.left.text
        reason = next(r for r in ws.iter_rows() if r[0].value == "原因")
        assert reason[1].value == message and reason[1].alignment.wrap_text
        width = sum(ws.column_dimensions[c].width for c in "AB")
        assert width <= 90  # A4 portrait at a readable scale
        lines = wrapped_lines(message, ws.column_dimensions["B"].width)
        assert ws.row_dimensions[reason[0].row].height >= lines * LINE_PT
    finally:
        wb.close()


@pytest.mark.slow
@needs_soffice
def test_rejection_note_prints_on_one_page_with_its_message_whole(tmp_path: Path) -> None:
    note, message = _rejection(tmp_path, "后河镇2021年政府信息公开工作年度报告（最终稿）.xls")
    pdf = convert(note, "pdf", tmp_path)
    assert pdf_pages(pdf) == 1
    assert "".join(message.split()) in "".join(pdf_text(pdf).split())


def test_a_long_answer_in_a_fixed_height_row_is_shown_whole(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    """A workbook from an older template (or a clerk's Excel) with the prose row fixed at
    160 points: in the error workbook the row is made tall enough for the whole answer."""
    answer = "我局本年度政府信息公开工作存在的主要问题是公开内容不够全面，解读不够深入。" * 25
    path = make_workbook("long.xlsx", text_problems=answer)
    sheet, coordinate = cells_of(path)["text_problems"].split("!")
    wb = openpyxl.load_workbook(path)
    row = wb[sheet][coordinate].row
    wb[sheet].row_dimensions[row].height = 160
    wb.save(path)
    wb.close()
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    wb = openpyxl.load_workbook(out)
    try:
        ws = wb[sheet]
        lines = wrapped_lines(answer, ws.column_dimensions["B"].width)
        assert ws.row_dimensions[row].height >= lines * LINE_PT > 160
    finally:
        wb.close()


def test_sheets_that_lost_their_page_set_up_get_it_back(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    """An agency's workbook resaved without headers or fit-to-width (an older template, another
    program): every sheet of the error workbook still prints on A4 under the agency and year."""
    path = make_workbook("bare.xlsx", penalty_decisions="三件")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ws.oddHeader.left.text = ws.oddHeader.right.text = None
        ws.page_setup.paperSize = None
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    wb.save(path)
    wb.close()
    outcome = check_file(path, CONFIG)
    out = write_error_workbook(path, outcome.findings, tmp_path / "errors.xlsx")
    assert len(assert_prints_on_a4(out, "后河镇人民政府 2021年")) == 6
