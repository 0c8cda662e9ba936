"""History is what was published: import-history records reports that break today's rules, and
the cross-year checks say which of last year's reports they compared with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.published_docs import PublishedReport, report_values
from workflow.cli import main
from workflow.example import seed_values

ROOT = Path(__file__).resolve().parents[1]
TOWN = "城关镇人民政府"


@pytest.fixture
def config(tmp_path: Path) -> str:
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n'
        f'[[agencies]]\nname = "{TOWN}"\nkind = "镇"\n',
        "utf-8",
    )
    return str(cfg)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def carried(n: int) -> dict[str, object]:
    """A consistent section 三 with `n` natural persons' applications carried to next year."""
    return {
        "apply_new_natural": 2 + n, "apply_new_total": 2 + n,
        "apply_granted_natural": 2, "apply_granted_total": 2,
        "apply_handled_total_natural": 2, "apply_handled_total_total": 2,
        "apply_carried_out_natural": n, "apply_carried_out_total": n,
    }  # fmt: skip


def year_values(year: int, **values: object) -> dict[str, object]:
    base = dict(seed_values(), agency_name=TOWN, report_year=year)
    base["text_on_request"] = "我镇完善了依申请公开制度。"
    for key in ("text_proactive",):
        base[key] = str(base[key]).replace("2021", str(year))
    base.update(values)
    return base


def history_messages(config: str, path: Path) -> list[str]:
    """The messages of the carried-in check on the 总计 column (one per column differs)."""
    _code, out = run("check", str(path), "--json", "--config", config)
    record = json.loads(out.splitlines()[-1])
    return [
        f["message"]
        for f in record["findings"]
        if f["rule"].startswith("history.") and f["fields"] == ["apply_carried_in_total"]
    ]


def this_year(make_workbook: MakeWorkbook, carried_in: int) -> Path:
    values = year_values(
        2022,
        apply_carried_in_natural=carried_in,
        apply_carried_in_total=carried_in,
        apply_granted_natural=carried_in,
        apply_granted_total=carried_in,
        apply_handled_total_natural=carried_in,
        apply_handled_total_total=carried_in,
    )
    return make_workbook("2022.xlsx", agency=TOWN, year=2022, base=values)


def test_a_failing_report_is_recorded_with_its_findings_as_a_note(
    make_workbook: MakeWorkbook, config: str
) -> None:
    values = year_values(2021, **carried(1), apply_new_business=4)  # 总计 now wrong
    last = make_workbook("2021.xlsx", agency=TOWN, base=values)
    code, out = run("import-history", str(last), "--config", config)
    assert code == 0
    assert f"已导入 {TOWN} 2021 年报告" in out
    assert "注意：该报告按今年的规则有" in out and "已照原样记录为历史" in out
    assert "错误：“一、本年新收政府信息公开申请数量”行" in out
    (message,) = history_messages(config, this_year(make_workbook, carried_in=3))
    assert "导入的（该报告本身未通过今年的校验" in message and "2021.xlsx" in message
    assert history_messages(config, this_year(make_workbook, carried_in=1)) == []


def test_the_accepted_report_wins_over_a_later_import(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    good = make_workbook("accepted.xlsx", agency=TOWN, base=year_values(2021, **carried(2)))
    code, _ = run("process", str(good), "--outbox", str(tmp_path / "out"), "--config", config)
    assert code == 0
    later = year_values(2021, **{**carried(5), "apply_new_total": 1})
    bad = make_workbook("later.xlsx", agency=TOWN, base=later)
    assert run("import-history", str(bad), "--config", config)[0] == 0
    (message,) = history_messages(config, this_year(make_workbook, carried_in=5))
    assert "已通过校验的“accepted.xlsx”" in message


def test_a_submission_that_failed_is_used_when_nothing_passed(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    sent = year_values(2021, **{**carried(2), "apply_new_total": 9})
    bad = make_workbook("sent.xlsx", agency=TOWN, base=sent)
    code, _ = run("process", str(bad), "--outbox", str(tmp_path / "out"), "--config", config)
    assert code == 1
    (message,) = history_messages(config, this_year(make_workbook, carried_in=0))
    assert "提交后未通过校验的" in message and "sent.xlsx" in message


def test_a_published_word_report_is_history(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    values = report_values(
        apply_carried_out_natural=2, apply_carried_out_total=2, apply_new_natural=7,
        apply_new_total=9, normative_in_force=12,
    )  # fmt: skip
    published = PublishedReport(values=values, agency=TOWN, year=2021)
    for path in (published.write_docx(tmp_path / "2021年报.docx"),):
        code, out = run("import-history", str(path), "--config", config)
        assert code == 0 and f"已导入 {TOWN} 2021 年报告" in out
    (message,) = history_messages(config, this_year(make_workbook, carried_in=0))
    assert "2021年报.docx" in message and "为0" in message and "为2" in message


def test_a_file_that_cannot_be_read_is_not_recorded(tmp_path: Path, config: str) -> None:
    page = tmp_path / "notice.html"
    page.write_text("<p>通知</p>", "utf-8")
    code, out = run("import-history", str(page), "--config", config)
    assert code == 1
    assert "未导入（无法读取）" in out and "找不到表二" in out
    code, out = run("status", "--year", "2021", "--json", "--config", config)
    assert json.loads(out.splitlines()[0])["status"] == "missing"
