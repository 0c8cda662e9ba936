"""Published reports through the commands: check and process take .docx / .html like a
workbook; and our own Word report, read back, gives the values it was made from."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.published_docs import PublishedReport, report_values
from workflow.cli import main
from workflow.core.form import FIELDS
from workflow.example import seed_values
from workflow.flow.pipeline import check_file
from workflow.published import read_published
from workflow.report.render import render_report
from workflow.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "report.docx"


@pytest.fixture
def config(tmp_path: Path) -> str:
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text(
        f'[templates]\nreport = "{TEMPLATE}"\n[[agencies]]\nname = "城关镇人民政府"\n', "utf-8"
    )
    return str(cfg)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def _round_trip(
    make_workbook: MakeWorkbook, tmp_path: Path, base: dict[str, object], *, draft: bool = False
) -> None:
    workbook = make_workbook("in.xlsx", agency=str(base["agency_name"]), year=2022, base=base)
    original = read_workbook(workbook)
    report = render_report(original, [], TEMPLATE, tmp_path / "out.docx", draft=draft)
    back = read_published(report)
    assert back.notes == [] and back.problems == {}
    for field in FIELDS:
        assert back.values.get(field.key) == original.values[field.key], field.key


def test_our_own_word_report_reads_back_to_the_same_values(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    base = dict(seed_values(), agency_name="城关镇人民政府", report_year=2022, **report_values())
    base["text_overview"] = "2022年，我镇认真贯彻《条例》。\n第二段总述。"
    base["text_proactive"] = str(base["text_proactive"]).replace("2021", "2022")
    _round_trip(make_workbook, tmp_path, base)


def test_the_seed_report_reads_back_to_the_same_values(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    _round_trip(make_workbook, tmp_path, dict(seed_values(), report_year=2022))


def test_a_draft_report_reads_back_past_its_banner(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    base = dict(seed_values(), report_year=2022, apply_new_natural=3, apply_new_total=3)
    _round_trip(make_workbook, tmp_path, base, draft=True)


def test_check_gives_the_findings_a_workbook_with_those_values_gets(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    from workflow.config import load_config

    values = report_values(apply_granted_natural=4, fees_amount="0.35")
    text = {"agency_name": "城关镇人民政府", "report_year": 2022}
    report = PublishedReport(values=values)
    published = report.write_docx(tmp_path / "城关镇.docx")
    page = report.write_html(tmp_path / "城关镇.html")
    from_doc = check_file(published, load_config(config))
    from_page = check_file(page, load_config(config))
    assert from_doc.submission is not None
    base = {**from_doc.submission.values, **text}
    workbook = make_workbook("城关镇.xlsx", agency="城关镇人民政府", year=2022, base=base)
    from_workbook = check_file(workbook, load_config(config))
    flat = [(f.rule, f.fields, f.message) for f in from_workbook.findings]
    assert flat and [(f.rule, f.fields, f.message) for f in from_doc.findings] == flat
    assert [(f.rule, f.fields, f.message) for f in from_page.findings] == flat
    assert from_doc.status == from_workbook.status == "failed"
    labels = [(f.row_label, f.column_label) for f in from_doc.findings if f.is_error]
    assert ("（七）总计", "自然人") in labels


def test_check_and_process_accept_published_files(tmp_path: Path, config: str) -> None:
    good = PublishedReport().write_html(tmp_path / "城关镇2022年报.htm")
    bad = PublishedReport(values=report_values(review_total=3)).write_docx(tmp_path / "b.docx")
    code, out = run("check", str(good), "--json", "--config", config)
    record = json.loads(out)
    assert (code, record["status"], record["agency"], record["year"]) == (
        0,
        "passed",
        "城关镇人民政府",
        2022,
    )
    outbox = tmp_path / "outbox"
    code, out = run("process", str(bad), "--json", "--outbox", str(outbox), "--config", config)
    record = json.loads(out)
    assert (code, record["status"]) == (1, "failed")
    (finding,) = [f for f in record["findings"] if f["rule"] == "sum.litigation_total"]
    assert finding["cells"][0] == "表四!“行政复议”行“总计”列"
    assert Path(record["outputs"]["report"]).is_file()
    errors = openpyxl.load_workbook(record["outputs"]["errors"])
    listed = [str(c.value) for c in errors.active["B"] if c.value]
    assert any("复议诉讼" in v or "行政复议" in v for v in listed)
    assert errors.active["A1"].value == "政府信息公开工作年度报告：已发布报告的校验结果"


def test_an_unreadable_published_file_is_rejected_with_its_reason(
    tmp_path: Path, config: str
) -> None:
    page = tmp_path / "notice.html"
    page.write_text("<html><body><h1>某某镇2022年政府信息公开工作年度报告</h1></body></html>")
    code, out = run("process", str(page), "--json", "--outbox", str(tmp_path / "o"), "--config",
                    config)  # fmt: skip
    record = json.loads(out)
    assert (code, record["status"]) == (1, "rejected")
    assert record["findings"][0]["rule"] == "file.published_unreadable"
    assert "找不到表二" in record["findings"][0]["message"]
