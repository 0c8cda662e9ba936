"""A file we refuse still belongs to somebody: the office must see that agency as 退回 with the
reason, not as 未提交 (issue 11, item 1)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office
from tests.fault_tools import immutable
from tests.old_ledgers import FIRST_RELEASE_SCHEMA
from workflow.cli import main
from workflow.config import Agency, load_config
from workflow.flow.attribution import attribute, registered_name_in, year_in_name
from workflow.flow.pipeline import check_file
from workflow.office.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = [
    Agency("后河镇人民政府", kind="镇"),
    Agency("县人民政府办公室", kind="部门"),
    Agency("县人民政府", kind="部门"),
    Agency("城关街道办事处", kind="街道"),
]
JAN = datetime(2022, 1, 10, 9, 30)


def attributed(path: Path, **kwargs: object) -> tuple[str, int | None, str] | None:
    found = attribute(path, path.name, REGISTRY, received_at=JAN, **kwargs)  # type: ignore[arg-type]
    return (found.agency, found.year, found.by) if found else None


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("后河镇人民政府2021年政府信息公开工作年度报告.xls", "后河镇人民政府"),
        ("（修改）后河镇 人民政府 年报.ods", "后河镇人民政府"),
        ("县人民政府办公室2021年报.et", "县人民政府办公室"),  # the longest name wins
        ("县人民政府2021年报.csv", "县人民政府"),
        ("城关街道办事处.xlsx", "城关街道办事处"),
        ("附件1.xls", None),
        ("后河镇2021年报.xls", None),  # a short form is not guessed at
    ],
)
def test_registered_name_in_a_file_name(file_name: str, expected: str | None) -> None:
    assert registered_name_in(file_name, REGISTRY) == expected


@pytest.mark.parametrize(
    ("file_name", "year"),
    [
        ("后河镇人民政府2021年政府信息公开工作年度报告.xls", 2021),
        ("后河镇人民政府２０２１年报.xls", 2021),
        ("后河镇人民政府2021政府信息公开年报.xls", 2021),
        ("后河镇人民政府2021年报（2022.1.10修改）.xls", 2021),
        ("后河镇人民政府年报20220110.xls", None),
        ("后河镇人民政府年报.xls", None),
    ],
)
def test_year_in_a_file_name(file_name: str, year: int | None) -> None:
    assert year_in_name(file_name) == year


def test_a_refused_file_is_attributed_by_its_name(tmp_path: Path) -> None:
    csv = tmp_path / "县人民政府办公室2020年报.csv"
    csv.write_text("单位,数量\n", "utf-8")
    assert attributed(csv) == ("县人民政府办公室", 2020, "file_name")
    nameless = tmp_path / "附件1.csv"
    nameless.write_text("单位,数量\n", "utf-8")
    assert attributed(nameless) is None
    # Without a year in the name: the year before the one it arrived in.
    csv2 = tmp_path / "城关街道办事处年报.csv"
    csv2.write_text("x", "utf-8")
    assert attributed(csv2) == ("城关街道办事处", 2021, "file_name")


def test_our_file_name_pattern_names_an_unregistered_agency(tmp_path: Path) -> None:
    path = tmp_path / "新设镇人民政府2021年政府信息公开工作年度报告.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert attributed(path) == ("新设镇人民政府", 2021, "file_name")


def _without_styles(src: Path, dst: Path) -> Path:
    """Our workbook with a part removed: refused as damaged, but its properties remain."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for item in old.infolist():
            if item.filename != "xl/styles.xml":
                new.writestr(item, old.read(item))
    return dst


def test_our_marks_win_over_the_sender_and_the_name(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    source = make_workbook("ok.xlsx", agency="城关街道办事处", year=2022)
    damaged = _without_styles(source, tmp_path / "县人民政府2021年报.xlsx")
    assert attributed(damaged, agency_hint="后河镇人民政府") == ("城关街道办事处", 2022, "marks")
    csv = tmp_path / "县人民政府2021年报.csv"
    csv.write_text("x", "utf-8")
    assert attributed(csv, agency_hint="后河镇人民政府 ") == ("后河镇人民政府", 2021, "mail")


def test_check_json_names_whom_a_refused_file_was_attributed_to(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.toml")
    csv = tmp_path / "后河镇人民政府2021年政府信息公开工作年度报告.csv"
    csv.write_text("单位,数量\n后河镇,3\n", "utf-8")
    record = check_file(csv, config).to_json()
    assert (record["status"], record["agency"], record["year"]) == ("rejected", None, None)
    assert (record["attributed_agency"], record["attributed_year"], record["attributed_by"]) == (
        "后河镇人民政府",
        2021,
        "file_name",
    )
    assert record["converted_from"] is None


def _office_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n'
        '[[agencies]]\nname = "后河镇人民政府"\nkind = "镇"\n'
        '[[agencies]]\nname = "城关街道办事处"\nkind = "街道"\n',
        "utf-8",
    )
    return cfg


def test_a_refused_file_shows_its_agency_as_rejected_with_the_reason(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    cfg = _office_config(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    xls = drop / "后河镇人民政府 2021年报（定稿）.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # an OLE header: .xls
    runner = CliRunner()
    env = {"PATH": str(tmp_path)}  # no LibreOffice: the refusal stands
    done = runner.invoke(main, ["process", str(xls), "--json", "--config", str(cfg)], env=env)
    assert done.exit_code == 1, done.output
    record = json.loads(done.stdout)
    assert (record["status"], record["attributed_agency"], record["attributed_year"]) == (
        "rejected",
        "后河镇人民政府",
        2021,
    )
    note = Path(record["outputs"]["errors"])
    result_json = json.loads(note.with_name("result.json").read_text("utf-8"))
    assert result_json["attributed_by"] == "file_name"

    done = runner.invoke(main, ["process", str(xls), "--config", str(cfg)], env=env)
    assert "（按文件名判断为后河镇人民政府 2021 年的提交）" in done.stdout
    assert "  退回说明：" in done.stdout and "校验结果：" not in done.stdout

    done = runner.invoke(main, ["status", "--year", "2021", "--json", "--config", str(cfg)])
    rows = {r["agency"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert (rows["后河镇人民政府"]["status"], rows["后河镇人民政府"]["reason"]) == (
        "rejected",
        "旧版 Excel 格式",
    )
    assert rows["后河镇人民政府"]["files"] == [xls.name, xls.name]
    assert (rows["城关街道办事处"]["status"], rows["城关街道办事处"]["reason"]) == ("missing", None)

    done = runner.invoke(
        main, ["status", "--year", "2021", "--config", str(cfg)], env={"COLUMNS": "240"}
    )
    assert "退回原因：旧版 Excel 格式" in done.stdout

    # The summary workbook, written by `process` for the attributed year, says the same.
    summary = tmp_path / "outbox" / "2021" / "2021年政府信息公开工作年度报告汇总.xlsx"
    ws = openpyxl.load_workbook(summary).worksheets[0]
    rows_text = [[str(c) for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    (ours,) = [r for r in rows_text if "后河镇人民政府" in r]
    assert "退回" in ours
    assert any("退回原因：旧版 Excel 格式" in cell for cell in ours)


def test_an_older_ledger_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:  # the schema as first released
        db.execute(FIRST_RELEASE_SCHEMA)
        db.execute(
            "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, status)"
            " VALUES ('x', 'a.xlsx', '2022-01-10T09:30:00.000000+08:00', '/w/a', 'rejected')"
        )
    with Ledger(path) as ledger:
        (record,) = ledger.records()
    assert (record.attributed_by, record.reason) == (None, None)
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(submissions)")]
    assert columns[-7:] == [
        "attributed_by",
        "reason",
        "sender",
        "message_id",
        "seq",
        "agency_key",
        "source",
    ]


def _first_release_ledger(path: Path) -> None:
    with sqlite3.connect(path) as db:  # the schema as first released
        db.execute(FIRST_RELEASE_SCHEMA)
        db.execute(
            "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, status, agency,"
            " year) VALUES ('x', 'a.xlsx', '2022-01-10T09:30:00.000000+08:00', '/w/a', 'passed',"
            " '后河镇人民政府', 2021)"
        )


def test_an_older_ledger_read_first_by_status_is_upgraded_not_called_damaged(
    tmp_path: Path,
) -> None:
    """`workflow status` right after an upgrade, before the daemon ran: the reader brings the
    ledger up to the current schema and reads it."""
    path = tmp_path / "ledger.sqlite3"
    _first_release_ledger(path)
    with Ledger(path, readonly=True) as old:
        (record,) = old.records()
        assert (record.agency, record.reason) == ("后河镇人民政府", None)
        assert [r.agency for r in old.latest(2021)] == ["后河镇人民政府"]
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(submissions)")]
    assert "agency_key" in columns


def test_an_older_ledger_in_a_read_only_folder_is_read_as_it_is(tmp_path: Path) -> None:
    """Where the reader cannot upgrade it (a read-only copy), absent columns read as NULL."""
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / "ledger.sqlite3"
    _first_release_ledger(path)
    with immutable(path, folder):
        with Ledger(path, readonly=True) as old:
            (record,) = old.records()
        columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(submissions)")]
    assert (record.agency, record.attributed_by, record.seq) == ("后河镇人民政府", None, None)
    assert "agency_key" not in columns  # not upgraded: read as it is


def test_an_ods_names_its_agency_by_our_marks_when_it_is_not_converted(tmp_path: Path) -> None:
    """LibreOffice keeps our custom properties in meta.xml when it saves our workbook as .ods."""
    ods = tmp_path / "年报（LibreOffice 另存）.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr(
            "meta.xml",
            '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
            '<meta:user-defined meta:name="wf_agency">城关街道办事处</meta:user-defined>'
            '<meta:user-defined meta:name="wf_year" meta:value-type="string">2022'
            "</meta:user-defined></office:meta></office:document-meta>",
        )
    assert attributed(ods) == ("城关街道办事处", 2022, "marks")
    # Entity declarations in a refused file's properties are not parsed: no marks, no harm.
    bomb = tmp_path / "后河镇人民政府2021年报.ods"
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "meta.xml",
            '<!DOCTYPE m [<!ENTITY a "城关街道办事处">]><office:document-meta '
            'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
            '<meta:user-defined meta:name="wf_agency">&a;</meta:user-defined>'
            "</office:document-meta>",
        )
    assert attributed(bomb) == ("后河镇人民政府", 2021, "file_name")


def test_the_daemon_shows_an_attributed_refusal_in_the_summary(office: Office) -> None:
    with office.config.open("a", encoding="utf-8") as cfg:
        cfg.write('[[agencies]]\nname = "后河镇人民政府"\n[[agencies]]\nname = "县财政局"\n')
    watch = office.start()
    office.drop("后河镇人民政府2021年报（WPS导出）.csv", "单位,数量\n后河镇,3\n".encode("gb18030"))
    office.wait(office.done, what="the refused file")
    summary = office.outbox / "2021" / "2021年政府信息公开工作年度报告汇总.xlsx"
    office.wait(summary.exists, what="the summary of the attributed year")
    assert watch.terminate()[0] == 0
    (record,) = [r[0] for r in office.results().values()]
    assert (record["status"], record["attributed_agency"], record["attributed_by"]) == (
        "rejected",
        "后河镇人民政府",
        "file_name",
    )
    sheet = openpyxl.load_workbook(summary).worksheets[0]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    (ours,) = [r for r in rows if "后河镇人民政府" in r]
    assert "退回" in ours and any("退回原因：文件类型不对" in str(c) for c in ours)
    (theirs,) = [r for r in rows if "县财政局" in r]
    assert "未提交" in theirs
