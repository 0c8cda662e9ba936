"""PDF through LibreOffice: one real conversion of the seed report (skipped where LibreOffice is
not installed), and fake `soffice` programs for the failures, so those tests stay fast."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from workflow.core.atomic import TEMP_PREFIX
from workflow.core.errors import OutputError
from workflow.report import pdf
from workflow.report.render import render_report, report_filename

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "report.docx"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake soffice is a shell script")


@pytest.fixture
def no_soffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(pdf, "_INSTALL_PATHS", ())


def fake_soffice(folder: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put a `soffice` shell script first on PATH."""
    folder.mkdir()
    script = folder / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


def test_missing_libreoffice_is_explained(no_soffice: None, tmp_path: Path) -> None:
    report = tmp_path / "r.docx"
    report.write_bytes(b"PK")
    assert not pdf.pdf_available()
    with pytest.raises(OutputError) as caught:
        pdf.convert_to_pdf(report, tmp_path)
    assert str(caught.value) == pdf.MISSING_MESSAGE
    assert "未安装 LibreOffice" in str(caught.value)
    assert "apt-get install libreoffice-writer-nogui fonts-noto-cjk" in str(caught.value)


@posix_only
def test_failed_conversion_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_soffice(
        tmp_path / "bin", "echo 'Error: source file could not be loaded' >&2; exit 1", monkeypatch
    )
    report = tmp_path / "r.docx"
    report.write_bytes(b"PK")
    with pytest.raises(OutputError, match=r"未能.*转换为 PDF.*could not be loaded"):
        pdf.convert_to_pdf(report, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@posix_only
def test_timeout_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_soffice(tmp_path / "bin", "sleep 30", monkeypatch)
    report = tmp_path / "r.docx"
    report.write_bytes(b"PK")
    with pytest.raises(OutputError, match="超时"):
        pdf.convert_to_pdf(report, tmp_path, timeout=0.3)


@pytest.mark.skipif(not pdf.pdf_available(), reason="LibreOffice (soffice) is not installed")
def test_seed_report_converts(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    from workflow.workbook import reader

    sub = reader.read_workbook(make_workbook())
    out = tmp_path / "out"
    report = render_report(sub, [], TEMPLATE, out / report_filename(sub.agency, 2021), draft=False)
    made = pdf.convert_to_pdf(report, out)
    assert made == out / "后河镇人民政府2021年政府信息公开工作年度报告.pdf"
    assert made.read_bytes().startswith(b"%PDF")
    assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]
