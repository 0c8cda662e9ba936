"""PDF through LibreOffice: one real conversion of the seed report (skipped where LibreOffice is
not installed), and fake `soffice` programs for the failures, so those tests stay fast."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
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


def _installed_families() -> str:
    if shutil.which("fc-list") is None:
        return ""
    return subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout


FREE_FACES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UKai CN")
fonts_installed = pytest.mark.skipif(
    not all(face in _installed_families() for face in FREE_FACES),
    reason="fontconfig or the free CJK fonts (apt-get install fonts-noto-cjk fonts-arphic-ukai) "
    "are not installed",
)


@posix_only
@fonts_installed
@pytest.mark.parametrize(
    ("official", "free"),
    [
        ("仿宋_GB2312", "Noto Serif CJK SC:Regular"),
        ("方正小标宋简体", "Noto Serif CJK SC:Bold"),
        ("黑体", "Noto Sans CJK SC:Regular"),
        ("楷体_GB2312", "AR PL UKai CN:Book"),
    ],
)
def test_official_font_names_map_to_free_fonts(official: str, free: str, tmp_path: Path) -> None:
    env = pdf.font_environment(tmp_path)
    assert Path(env["FONTCONFIG_FILE"]).parent == tmp_path
    found = subprocess.run(
        ["fc-match", "-f", "%{family[0]}:%{style[0]}", official],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert found == free
    # Without our config the machine falls back to its default sans: the mapping is ours.
    plain = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    default = subprocess.run(
        ["fc-match", "-f", "%{family[0]}:%{style[0]}", official],
        capture_output=True,
        text=True,
        env=plain,
        check=True,
    ).stdout
    assert default != found


@pytest.mark.slow
@pytest.mark.skipif(not pdf.pdf_available(), reason="LibreOffice (soffice) is not installed")
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) missing")
@fonts_installed
def test_seed_report_converts(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    from workflow.workbook import reader

    sub = reader.read_workbook(make_workbook())
    out = tmp_path / "out"
    report = render_report(sub, [], TEMPLATE, out / report_filename(sub.agency, 2021), draft=False)
    made = pdf.convert_to_pdf(report, out)
    assert made == out / "后河镇人民政府2021年政府信息公开工作年度报告.pdf"
    assert made.read_bytes().startswith(b"%PDF")
    assert not [p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX)]
    # The official faces came out as their free stand-ins: Song, Hei and Kai, no DejaVu.
    fonts = subprocess.run(["pdffonts", str(made)], capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts
    assert "NotoSansCJK" in fonts
    assert "UKai" in fonts
    assert "DejaVu" not in fonts


@posix_only
def test_font_aliases_include_the_systems_own_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ours first, then the system's (whatever FONTCONFIG_FILE said before); without any
    system config the environment is left alone rather than given a config with no fonts."""
    system = tmp_path / "system.conf"
    system.write_text("<fontconfig/>", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(system))
    env = pdf.font_environment(tmp_path)
    config = Path(env["FONTCONFIG_FILE"]).read_text(encoding="utf-8")
    ours = config.index("workflow/data/fonts.conf".replace("/", os.sep))
    assert ours < config.index(str(system.resolve()))
    monkeypatch.delenv("FONTCONFIG_FILE")
    monkeypatch.delenv("FONTCONFIG_PATH", raising=False)
    monkeypatch.setattr(pdf, "_SYSTEM_FONTS_CONF", tmp_path / "missing.conf")
    assert "FONTCONFIG_FILE" not in pdf.font_environment(tmp_path / "other")
