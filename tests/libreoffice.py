"""Our outputs as LibreOffice shows and prints them: converted by a real `soffice` (skipped with
the reason when it is not installed; CI installs it), for the tests that must see what a clerk
sees: which cells a conditional format turns red, how many pages a sheet prints on."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workflow.report.pdf import find_soffice

__all__ = ["cell_colours", "convert", "needs_soffice", "pdf_pages", "pdf_text"]

needs_soffice = pytest.mark.skipif(
    find_soffice() is None, reason="LibreOffice (soffice) is not installed; CI installs it"
)


def convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """`source` converted by LibreOffice to `target_format` ('pdf', 'html') in `out_dir`."""
    exe = find_soffice()
    assert exe is not None
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target_format,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    made = out_dir / f"{source.stem}.{target_format}"
    assert made.is_file(), f"LibreOffice made no {target_format} of {source.name}"
    return made


class _Cells(HTMLParser):
    """Every table cell of LibreOffice's HTML export: (its text, its background colour)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._colour: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td":
            self._colour = (dict(attrs).get("bgcolor") or "").upper()
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._colour is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._colour is not None:
            self.cells.append(("".join(self._text).strip(), self._colour))
            self._colour = None


def cell_colours(workbook: Path, out_dir: Path) -> list[tuple[str, str]]:
    """(text, background) of every cell of every sheet as LibreOffice renders `workbook`, its
    conditional formats evaluated: the colour a clerk sees."""
    html = convert(workbook, "html", out_dir)
    parser = _Cells()
    parser.feed(html.read_text(encoding="utf-8", errors="replace"))
    return parser.cells


def _poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed; CI installs it")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: Path) -> str:
    """The text printed in `pdf`, by poppler's pdftotext: what reached the paper."""
    return _poppler("pdftotext", str(pdf), "-")


def pdf_pages(pdf: Path) -> int:
    """Pages of `pdf`, by poppler's pdfinfo (installed with LibreOffice's CI set-up)."""
    info = _poppler("pdfinfo", str(pdf))
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
