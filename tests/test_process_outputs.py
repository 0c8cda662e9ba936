"""`workflow process` end to end, as the office and other programs see what it leaves behind:
the draft marking of a failing report, the `--json` / result.json contract to the field, paths
that still work from another folder, and the summary it refreshes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from workflow.cli import main
from workflow.config import load_config
from workflow.example import SEED_AGENCY
from workflow.office.states import county_totals
from workflow.office.summary import summary_filename
from workflow.office.year import year_states

ROOT = Path(__file__).resolve().parents[1]
DRAFT_MARK = "【未通过校验的草稿】"


@pytest.fixture
def config(tmp_path: Path) -> str:
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n'
        f'[[agencies]]\nname = "{SEED_AGENCY}"\nkind = "镇"\n',
        "utf-8",
    )
    return str(cfg)


def process(*args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["process", "--json", *args], catch_exceptions=False)
    recs = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, recs


def body_and_header(path: Path) -> tuple[list[str], str]:
    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs], doc.sections[0].header.paragraphs[0].text


def test_a_failing_report_is_written_as_a_marked_draft_and_a_passing_one_is_not(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    bad = make_workbook("bad.xlsx", apply_new_natural=2)
    code, (rec,) = process(str(bad), "--outbox", str(tmp_path / "o"), "--config", config)
    assert (code, rec["status"]) == (1, "failed")
    paragraphs, header = body_and_header(Path(rec["outputs"]["report"]))
    assert paragraphs[1].startswith(DRAFT_MARK)
    assert "草稿" in header
    good = make_workbook("good.xlsx")
    code, (rec,) = process(str(good), "--outbox", str(tmp_path / "o"), "--config", config)
    assert (code, rec["status"]) == (0, "passed")
    paragraphs, header = body_and_header(Path(rec["outputs"]["report"]))
    assert not any(DRAFT_MARK in p for p in paragraphs) and header == ""


def test_the_json_record_and_result_json_carry_every_contract_field(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    bad = make_workbook("bad.xlsx", apply_new_natural=2)
    code, (rec,) = process(str(bad), "--outbox", str(tmp_path / "o"), "--config", config)
    assert code == 1
    balance = next(f for f in rec["findings"] if f["rule"] == "sum.balance")
    assert balance["severity"] == "error"
    assert balance["column_label"] == "自然人"
    assert balance["row_label"] == "一+二=（七）总计+四"
    assert (balance["expected"], balance["actual"]) == ("0", "2")
    assert balance["fields"][0] == "apply_new_natural" and balance["cells"][0].endswith("!D5")
    assert "“自然人”列" in balance["message"]
    assert rec["template_version"] == "2021.1"
    assert {"report", "errors"} <= set(rec["outputs"])
    on_disk = json.loads((Path(rec["outputs"]["report"]).parent / "result.json").read_text())
    assert on_disk["sha256"] == rec["sha256"] and len(rec["sha256"]) == 64
    assert on_disk["received_at"] == rec["received_at"] and "T" in rec["received_at"]
    assert on_disk["template_version"] == "2021.1"
    assert on_disk["findings"] == rec["findings"]


def test_results_name_absolute_paths_whatever_folder_it_ran_in(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program reading result.json from elsewhere (the mail sender, a clerk's script) must
    find the files it names: paths are absolute even when --outbox was relative."""
    bad = make_workbook("bad.xlsx", apply_new_natural=2)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    code, recs = process(str(bad), str(empty), "--outbox", "rel-out", "--config", config)
    assert code == 1
    for rec in recs:
        named = [p for p in rec["outputs"].values() if p]
        assert named and all(Path(p).is_absolute() and Path(p).exists() for p in named)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for result in (tmp_path / "rel-out").rglob("result.json"):
        outputs = json.loads(result.read_text("utf-8"))["outputs"]
        assert all(Path(p).exists() for p in outputs.values() if p)


def test_process_refreshes_the_years_summary(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    outbox = tmp_path / "o"
    code, _ = process(str(make_workbook("good.xlsx")), "--outbox", str(outbox), "--config", config)
    assert code == 0
    summary = outbox / "2021" / summary_filename(2021)
    wb = openpyxl.load_workbook(summary, read_only=True)
    try:
        rows = [r for r in wb.worksheets[0].iter_rows(values_only=True) if SEED_AGENCY in r]
    finally:
        wb.close()
    assert rows and "已通过" in rows[0]


def test_county_totals_keep_a_passed_report_filed_under_another_spelling_of_the_name(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    """The agency passed as '后河镇 人民政府' (a space), then sent a failing file as
    '后河镇人民政府': one agency, and its passed report still counts in the county's totals."""
    spaced = SEED_AGENCY.replace("镇", "镇 ")
    good = make_workbook("good.xlsx", agency_name=spaced, penalty_decisions=7)
    bad = make_workbook("bad.xlsx", apply_new_natural=2)
    outbox = str(tmp_path / "o")
    assert process(str(good), "--outbox", outbox, "--config", config)[0] == 0
    assert process(str(bad), "--outbox", outbox, "--config", config)[0] == 1
    states = year_states(load_config(Path(config)), 2021)
    (state,) = [s for s in states if s.agency == SEED_AGENCY]
    assert state.status == "failed"
    assert county_totals(states)["penalty_decisions"] == 7


def test_excel_escape_of_a_forbidden_character_still_gets_the_agency_its_errors(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    """Excel's `_xFFFE_` reads back as a character XML forbids; a failing report carrying it
    once crashed the error-workbook writer and the agency was told '系统出错'."""
    src = make_workbook("src.xlsx", apply_new_natural=2, text_other="PLACEHOLDER")
    bad = tmp_path / "escaped.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data.replace(b"PLACEHOLDER", "未收取。_xFFFE_ _x0007_".encode()))
    code, (rec,) = process(str(bad), "--outbox", str(tmp_path / "o"), "--config", config)
    assert (code, rec["status"]) == (1, "failed")
    assert "sum.balance" in {f["rule"] for f in rec["findings"]}
    errors = openpyxl.load_workbook(rec["outputs"]["errors"])
    errors.close()
    paragraphs, _ = body_and_header(Path(rec["outputs"]["report"]))
    assert any("未收取。" in p for p in paragraphs)
