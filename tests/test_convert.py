"""Workbooks saved as .xls, .et or .ods (issue 11, item 2): converted with LibreOffice when it
is installed and checked as usual; without it, the refusal says exactly how to save an .xlsx.

The inputs are made here: our own workbook, filled by defined name, saved by LibreOffice as
.xls and .ods (openpyxl and xlsxwriter cannot write those formats).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import fill_workbook
from tests.hostile import ole_file
from workflow.cli import main
from workflow.config import load_config
from workflow.example import seed_values
from workflow.flow.pipeline import check_file
from workflow.report.pdf import find_soffice

ROOT = Path(__file__).resolve().parents[1]
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
NAME = "后河镇人民政府2021年政府信息公开工作年度报告"

needs_soffice = pytest.mark.skipif(
    find_soffice() is None, reason="LibreOffice (soffice) is not installed: nothing to convert with"
)


@pytest.fixture(scope="session")
def saved_as(
    tmp_path_factory: pytest.TempPathFactory, blank_workbook: Callable[[str, int], Path]
) -> dict[str, Path]:
    """Our workbook with one 勾稽 error, saved by LibreOffice as .xls and as .ods."""
    exe = find_soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot make .xls/.ods inputs")
    folder = tmp_path_factory.mktemp("saved-as")
    values = dict(seed_values(), apply_new_natural=2, apply_new_total=2)
    source = fill_workbook(blank_workbook(), values, folder / f"{NAME}.xlsx")
    made = {}
    for fmt in ("xls", "ods"):
        subprocess.run(
            [exe, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
             "--convert-to", fmt, "--outdir", str(folder / fmt), str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        made[fmt] = folder / fmt / f"{NAME}.{fmt}"
    return made


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n'
        '[[agencies]]\nname = "后河镇人民政府"\nkind = "镇"\n',
        "utf-8",
    )
    return cfg


@pytest.mark.slow
@needs_soffice
def test_an_xls_is_converted_checked_and_marked_as_an_xlsx(
    saved_as: dict[str, Path], tmp_path: Path
) -> None:
    source = tmp_path / "后河镇 年报（定稿）.xls"
    shutil.copyfile(saved_as["xls"], source)
    done = CliRunner().invoke(
        main, ["process", str(source), "--json", "--config", str(_config(tmp_path))]
    )
    record = json.loads(done.stdout)
    assert (done.exit_code, record["status"], record["agency"]) == (1, "failed", "后河镇人民政府")
    assert record["converted_from"] == "xls"
    rules = [(f["severity"], f["rule"]) for f in record["findings"]]
    assert ("error", "sum.balance") in rules and ("warning", "file.converted") in rules
    (note,) = [f["message"] for f in record["findings"] if f["rule"] == "file.converted"]
    assert "旧版 Excel 97-2003 格式（.xls），本系统已用 LibreOffice 自动转换为 .xlsx" in note
    # The error workbook the agency gets back is an .xlsx with the findings marked.
    errors = openpyxl.load_workbook(record["outputs"]["errors"])
    assert errors.sheetnames[0] == "校验结果"
    written = json.loads(Path(record["outputs"]["report"]).with_name("result.json").read_text())
    assert written["converted_from"] == "xls"


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize(
    ("fmt", "suffix", "kind"),
    [("ods", ".ods", "OpenDocument 表格（.ods）"), ("xls", ".et", "WPS 表格格式（.et）")],
)
def test_ods_and_wps_et_are_converted(
    saved_as: dict[str, Path], tmp_path: Path, fmt: str, suffix: str, kind: str
) -> None:
    source = tmp_path / f"{NAME}{suffix}"
    shutil.copyfile(saved_as[fmt], source)
    outcome = check_file(source, load_config(_config(tmp_path)))
    assert (outcome.status, outcome.agency, outcome.converted_from) == (
        "failed",
        "后河镇人民政府",
        suffix[1:],
    )
    (note,) = [f for f in outcome.findings if f.rule == "file.converted"]
    assert kind in note.message


@pytest.mark.slow
@needs_soffice
def test_a_file_libreoffice_cannot_make_our_workbook_of_is_still_refused(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    # An OLE header and nothing else: not handed to LibreOffice, the .xls advice stands.
    garbage = tmp_path / f"{NAME}.xls"
    garbage.write_bytes(OLE_HEADER)
    outcome = check_file(garbage, config)
    assert (outcome.status, outcome.findings[0].rule, outcome.converted_from) == (
        "rejected",
        "file.legacy_xls",
        None,
    )
    assert outcome.attribution is not None and outcome.attribution.agency == "后河镇人民政府"
    # A workbook entry and no workbook: LibreOffice reads the bytes as text, which is no
    # conversion; the .xls refusal stands (not "this is not our workbook").
    hollow = ole_file(tmp_path / "附件.xls", ("Workbook", "SummaryInformation"))
    outcome = check_file(hollow, config)
    assert (outcome.status, outcome.findings[0].rule, outcome.converted_from) == (
        "rejected",
        "file.legacy_xls",
        None,
    )


def test_without_libreoffice_the_refusal_says_how_to_save_an_xlsx(tmp_path: Path) -> None:
    source = tmp_path / f"{NAME}.xls"
    source.write_bytes(OLE_HEADER)
    done = CliRunner().invoke(
        main,
        ["process", str(source), "--json", "--config", str(_config(tmp_path))],
        env={"PATH": str(tmp_path)},  # no soffice on PATH
    )
    record = json.loads(done.stdout)
    assert (record["status"], record["converted_from"]) == ("rejected", None)
    (refusal,) = record["findings"]
    assert refusal["rule"] == "file.legacy_xls"
    assert "在 Excel、WPS 或 LibreOffice 中打开该文件" in refusal["message"]
    assert "“Excel 工作簿 (.xlsx)”" in refusal["message"]
    # The note's 怎么办 agrees with its 原因: save as .xlsx, no need to fill it in again.
    note = openpyxl.load_workbook(record["outputs"]["errors"]).active
    text = {row[0]: row[1] for row in note.iter_rows(values_only=True) if row[0]}
    assert "另存为 .xlsx" in text["怎么办"] and "不必重新填写" in text["怎么办"]
    assert "下发的本单位年度报告工作簿（.xlsx）填写" not in text["怎么办"]


def test_an_internal_error_note_does_not_ask_for_the_file_again(tmp_path: Path) -> None:
    from workflow.flow.pipeline import reject_internal_error

    source = tmp_path / f"{NAME}.xlsx"
    source.write_bytes(b"x")
    result = reject_internal_error(source, load_config(_config(tmp_path)), RuntimeError("bug"))
    note = openpyxl.load_workbook(result.outputs["errors"]).active
    text = {row[0]: row[1] for row in note.iter_rows(values_only=True) if row[0]}
    assert "无需重复发送" in text["原因"] and "无需重复发送" in text["怎么办"]
    assert result.attribution is not None and result.attribution.agency == "后河镇人民政府"
