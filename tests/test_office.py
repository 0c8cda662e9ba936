"""The office's view through the commands a clerk runs: registry, status, summary, history."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.web_helpers import town
from workflow.cli import main
from workflow.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
TOWNS = ("甲镇人民政府", "乙镇人民政府", "丙镇人民政府")


@pytest.fixture
def config(tmp_path: Path) -> str:
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    agencies = "".join(f'[[agencies]]\nname = "{n}"\nkind = "镇"\n' for n in TOWNS)
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n{agencies}', "utf-8"
    )
    return str(cfg)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def applications(n: int, granted: int, carried_out: int) -> dict[str, int]:
    """A consistent section 三 for natural persons: n new, `granted` granted, the rest carried."""
    return {
        "apply_new_natural": n, "apply_new_total": n,
        "apply_granted_natural": granted, "apply_granted_total": granted,
        "apply_handled_total_natural": granted, "apply_handled_total_total": granted,
        "apply_carried_out_natural": carried_out, "apply_carried_out_total": carried_out,
    }  # fmt: skip


def status_of(config: str) -> dict[str, dict]:
    code, out = run("status", "--year", "2021", "--json", "--config", config)
    assert code == 0
    return {r["agency"]: r for r in map(json.loads, out.splitlines())}


def test_status_and_summary_show_passed_failed_missing_and_unregistered(
    make_workbook: MakeWorkbook, config: str, tmp_path: Path
) -> None:
    a = make_workbook("a.xlsx", agency=TOWNS[0], base=town(TOWNS[0], **applications(3, 3, 0)))
    b = make_workbook("b.xlsx", agency=TOWNS[1], base=town(TOWNS[1], apply_new_natural=2))
    c = make_workbook("c.xlsx", agency="丁街道办事处", base=town("丁街道办事处"))
    code, _ = run("process", str(a), str(b), str(c), "--config", config)
    assert code == 1
    states = status_of(config)
    assert {k: (v["status"], v["registered"]) for k, v in states.items()} == {
        TOWNS[0]: ("passed", True),
        TOWNS[1]: ("failed", True),
        TOWNS[2]: ("missing", True),
        "丁街道办事处": ("passed", False),
    }
    code, out = run("summary", "--year", "2021", "--config", config)
    path = Path(out.splitlines()[-1])
    assert code == 0 and path.exists()
    assert path.parent == tmp_path / "office" / "outbox" / "2021"
    wb = openpyxl.load_workbook(path)
    try:
        rows = [r for r in wb.worksheets[0].iter_rows(values_only=True) if r and r[1] in states]
    finally:
        wb.close()
    # what needs action comes first: 未通过, then 未提交, then the passed ones
    assert [r[1] for r in rows][:2] == [TOWNS[1], TOWNS[2]]
    # the county's totals: passed reports only (甲镇 3 + 丁街道 0; 乙镇 failed)
    totals = read_workbook(path)
    assert totals.values["apply_new_natural"] == 3
    assert totals.values["penalty_decisions"] == 6


def test_totals_change_when_a_corrected_resubmission_passes(
    make_workbook: MakeWorkbook, config: str
) -> None:
    bad = make_workbook("b1.xlsx", agency=TOWNS[1], base=town(TOWNS[1], apply_new_natural=2))
    run("process", str(bad), "--config", config)
    assert status_of(config)[TOWNS[1]]["status"] == "failed"
    good = make_workbook(
        "b2.xlsx", agency=TOWNS[1], base=town(TOWNS[1], fees_amount=1.25, **applications(2, 1, 1))
    )
    code, _ = run("process", str(good), "--config", config)
    assert code == 0
    state = status_of(config)[TOWNS[1]]
    assert state["status"] == "passed"
    assert state["files"] == ["b2.xlsx", "b1.xlsx"]
    _, out = run("summary", "--year", "2021", "--config", config)
    totals = read_workbook(Path(out.splitlines()[-1]))
    assert totals.values["apply_new_natural"] == 2
    assert totals.values["apply_carried_out_total"] == 1
    assert totals.values["fees_amount"] == Decimal("1.25")


def _cross_year_rules(config: str, path: Path) -> list[tuple[str, tuple[str, ...]]]:
    _code, out = run("check", str(path), "--json", "--config", config)
    rec = json.loads(out.splitlines()[-1])
    return [
        (f["rule"], tuple(f["fields"])) for f in rec["findings"] if f["rule"].startswith("history.")
    ]


def test_next_years_report_is_checked_against_last_years(
    make_workbook: MakeWorkbook, config: str
) -> None:
    last = make_workbook(
        "2021.xlsx",
        agency=TOWNS[0],
        base=town(TOWNS[0], normative_in_force=5, **applications(3, 2, 1)),
    )
    code, out = run("import-history", str(last), "--config", config)
    assert code == 0 and "已导入" in out
    text = "我镇完善了依申请公开制度。2022年度收到政府信息公开申请0件。"
    consistent = town(
        TOWNS[0],
        report_year=2022,
        text_on_request=text,
        apply_carried_in_natural=1,
        apply_carried_in_total=1,
        apply_granted_natural=1,
        apply_granted_total=1,
        apply_handled_total_natural=1,
        apply_handled_total_total=1,
        normative_issued=2,
        normative_repealed=1,
        normative_in_force=6,
    )
    good = make_workbook("2022.xlsx", agency=TOWNS[0], year=2022, base=consistent)
    assert _cross_year_rules(config, good) == []
    wrong = dict(
        consistent,
        apply_carried_in_natural=0,
        apply_carried_in_total=0,
        apply_carried_out_natural=1,
        apply_carried_out_total=1,
        normative_in_force=7,
    )
    bad = make_workbook("2022-wrong.xlsx", agency=TOWNS[0], year=2022, base=wrong)
    rules = _cross_year_rules(config, bad)
    assert (
        "history.in_force_mismatch",
        ("normative_in_force", "normative_issued", "normative_repealed"),
    ) in rules
    assert {r for r, _ in rules} == {"history.carried_in_mismatch", "history.in_force_mismatch"}
    assert any("apply_carried_in_natural" in fields for _, fields in rules)


def test_last_years_report_is_found_under_another_spelling_of_the_name(
    make_workbook: MakeWorkbook, config: str
) -> None:
    """Last year's report typed '甲镇 人民政府' (a space) is the same agency's history: the
    cross-year checks find it as the outbox and the summary do."""
    spaced = TOWNS[0].replace("镇", "镇 ")
    last = make_workbook("2021.xlsx", agency=TOWNS[0], base=town(spaced, normative_in_force=5))
    code, out = run("import-history", str(last), "--config", config)
    assert code == 0 and "已导入" in out
    this = town(TOWNS[0], report_year=2022, normative_in_force=9)
    bad = make_workbook("2022.xlsx", agency=TOWNS[0], year=2022, base=this)
    assert ("history.in_force_mismatch", ("normative_in_force", "normative_issued",
            "normative_repealed")) in _cross_year_rules(config, bad)  # fmt: skip


def test_unregistered_agency_is_warned_with_the_closest_names(
    make_workbook: MakeWorkbook, config: str
) -> None:
    path = make_workbook("typo.xlsx", agency="甲镇人民政付", base=town("甲镇人民政付"))
    code, out = run("check", str(path), "--json", "--config", config)
    rec = json.loads(out)
    (warning,) = [f for f in rec["findings"] if f["rule"] == "registry.unknown_agency"]
    assert code == 0
    assert "甲镇人民政府" in warning["message"]


def test_last_years_report_sent_again_as_this_years_is_flagged(
    make_workbook: MakeWorkbook, config: str
) -> None:
    values = town(TOWNS[0], **applications(3, 3, 0))
    last = make_workbook("2021.xlsx", agency=TOWNS[0], base=values)
    assert run("import-history", str(last), "--config", config)[0] == 0
    again = make_workbook(
        "2022.xlsx", agency=TOWNS[0], year=2022, base=dict(values, report_year=2022)
    )
    code, out = run("check", str(again), "--json", "--config", config)
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    assert code == 0  # warnings only: the office decides
    assert "copy.figures_unchanged" in rules
    assert rules.count("copy.text_unchanged") >= 5
