"""The error workbook: the agency's own workbook, every finding listed and marked, text as text."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl

from tests.conftest import MakeWorkbook
from tests.workbook_cells import cells_of
from workflow.config import load_config
from workflow.core.form import FIELDS
from workflow.flow.pipeline import check_file
from workflow.workbook.marked import RESULT_SHEET, write_error_workbook

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
        assert [c.value for c in ws[2]] == ["序号", "级别", "位置", "项目", "问题", "应为", "实为"]
        listed = [row for row in ws.iter_rows(min_row=3, values_only=True) if row[0]]
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
