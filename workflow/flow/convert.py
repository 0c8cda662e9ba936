"""Workbooks in another format (.xls, WPS .et, .ods) -> .xlsx, with LibreOffice when installed.

Many agencies use WPS or LibreOffice, some still "save as .xls". Our workbook survives such a
round trip: LibreOffice keeps the defined names, the custom properties and the hidden marks
sheet, so the converted file is read and checked as usual, and the result notes the
conversion (`converted_from` and a `file.converted` warning). Without LibreOffice, or when it
fails, the original refusal stands: its message tells the clerk how to save an .xlsx.

Each conversion runs `soffice --headless --convert-to xlsx` with its own throw-away profile
(LibreOffice allows one instance per profile; workers convert in parallel), in a folder the
caller owns, under a timeout after which the whole process group is killed (`report.pdf`).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET

from workflow.core.errors import OutputError, RejectedFile
from workflow.report.pdf import find_soffice, run_soffice, soffice_command

__all__ = ["CONVERT_TIMEOUT", "conversion_available", "convert_to_xlsx", "convertible_format"]

log = logging.getLogger(__name__)

_STAGED_STEM = "converted"
CONVERT_TIMEOUT = 90.0
"""Seconds: a report converts in 2-5 s (most of it LibreOffice starting with a new profile)."""


def conversion_available() -> bool:
    return find_soffice() is not None


def convertible_format(refusal: RejectedFile) -> str | None:
    """'xls', 'et' or 'ods' when the refusal is for a format LibreOffice converts, else None.

    An OLE file without a workbook stream (garbage with an OLE header) is not handed over:
    LibreOffice would import its bytes as text and we would call it "not our template".
    """
    if refusal.rule == "file.ods":
        return "ods"
    if refusal.rule == "file.legacy_xls" and refusal.params.get("convertible"):
        return "et" if "(.et)" in refusal.detail.replace("（", "(").replace("）", ")") else "xls"
    return None


def convert_to_xlsx(
    source: Path, fmt: str, work: Path, *, timeout: float = CONVERT_TIMEOUT
) -> Path:
    """Convert `source` (of `convertible_format` `fmt`) into `work/out/converted.xlsx` and
    return that path.

    `work` is an empty private folder the caller removes. Raises `OutputError` (Chinese) when
    LibreOffice is missing, fails, produces nothing or takes longer than `timeout` seconds.
    """
    exe = find_soffice()
    if exe is None:
        raise OutputError("未安装 LibreOffice，无法自动转换为 .xlsx")
    # A plain name with the right extension: the agency's file name may hold anything (and an
    # .xls renamed .xlsx would send LibreOffice to the wrong filter); the output keeps the stem.
    staged = work / f"{_STAGED_STEM}.{'ods' if fmt == 'ods' else 'xls'}"
    shutil.copyfile(source, staged)
    out = work / "out"
    cmd = soffice_command(exe, work / "profile", "xlsx", out, staged)
    try:
        result = run_soffice(cmd, timeout)
    except subprocess.TimeoutExpired as exc:
        raise OutputError(f"自动转换为 .xlsx 超时（超过 {timeout:g} 秒）") from exc
    except OSError as exc:
        raise OutputError(f"无法启动 LibreOffice（{exe}）：{exc.strerror or exc}") from exc
    produced = out / f"{_STAGED_STEM}.xlsx"
    if result.returncode != 0 or not produced.is_file():
        detail = result.stderr.decode("utf-8", "replace").strip()[-200:] or "没有输出"
        raise OutputError(f"LibreOffice 未能转换为 .xlsx（退出码 {result.returncode}）：{detail}")
    if _imported_as_text(produced):
        raise OutputError("LibreOffice 未能把它识别为表格（只当作文本读入）")
    log.info("已用 LibreOffice 转换为 .xlsx：%s", source.name)
    return produced


def _imported_as_text(produced: Path) -> bool:
    """LibreOffice falls back to its text import for a file it cannot read as a spreadsheet (an
    OLE file with a workbook entry but no workbook in it): the bytes land in one sheet named
    after the file. Such a "conversion" must not turn a damaged .xls into "not our workbook"."""
    try:
        with zipfile.ZipFile(produced) as archive:
            root = SafeET.fromstring(archive.read("xl/workbook.xml"))
    except Exception:  # not even a readable workbook: the reader will say so
        return False
    names = [node.get("name") for node in root.iter() if node.tag.endswith("}sheet")]
    return names == [_STAGED_STEM]
