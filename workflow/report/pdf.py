"""The Word report -> PDF, with LibreOffice in headless mode (optional: `[report] pdf = true`).

LibreOffice allows one running instance per user profile, and a second `soffice` started with
the same profile hands its job to the first or fails. Each conversion therefore gets its own
throw-away profile (-env:UserInstallation) and output folder in a temp directory, so parallel
workers never collide; the finished PDF is then copied into place atomically beside the report.
On a timeout the whole process group is killed: the `soffice` launcher starts `soffice.bin` as a
child that would otherwise survive.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from workflow.core.atomic import atomic_path
from workflow.core.errors import OutputError

__all__ = ["MISSING_MESSAGE", "convert_to_pdf", "find_soffice", "pdf_available"]

MISSING_MESSAGE = (
    "未安装 LibreOffice，无法生成 PDF；请安装后重试（Debian/Ubuntu: apt-get install "
    "libreoffice-writer-nogui fonts-noto-cjk；Windows：安装 LibreOffice）"
)

_NAMES = ("soffice", "libreoffice")
_INSTALL_PATHS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/opt/libreoffice/program/soffice",
)


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or at a usual install location, or None."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _INSTALL_PATHS if Path(p).is_file()), None)


def pdf_available() -> bool:
    return find_soffice() is not None


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run `cmd`; on timeout kill it with all its children, then re-raise."""
    posix = os.name == "posix"
    with subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if posix:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.communicate()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _tail(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text[-300:]


def convert_to_pdf(docx: Path, out_dir: Path, *, timeout: float = 120) -> Path:
    """Convert `docx` to `out_dir/<stem>.pdf` and return that path.

    Raises `OutputError` (with a Chinese message) when LibreOffice is not installed, fails,
    produces nothing, or takes longer than `timeout` seconds.
    """
    docx, out_dir = Path(docx), Path(out_dir)
    exe = find_soffice()
    if exe is None:
        raise OutputError(MISSING_MESSAGE)
    if not docx.is_file():
        raise OutputError(f"找不到要转换为 PDF 的报告：{docx}")
    target = out_dir / f"{docx.stem}.pdf"
    with tempfile.TemporaryDirectory(prefix="wf-pdf-") as work:
        profile, produced = Path(work) / "profile", Path(work) / "out"
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(produced),
            str(docx.resolve()),
        ]
        try:
            result = _run(cmd, timeout)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                f"生成 PDF 超时（超过 {timeout:g} 秒）：{docx.name}。请稍后重试，"
                "或检查 LibreOffice 是否能正常打开该报告。"
            ) from exc
        except OSError as exc:
            raise OutputError(f"无法启动 LibreOffice（{exe}）：{exc.strerror or exc}") from exc
        pdf = produced / f"{docx.stem}.pdf"
        if result.returncode != 0 or not pdf.is_file():
            detail = _tail(result.stderr) or _tail(result.stdout) or "没有输出"
            raise OutputError(
                f"LibreOffice 未能把“{docx.name}”转换为 PDF（退出码 {result.returncode}）：{detail}"
            )
        try:
            with atomic_path(target) as tmp:
                shutil.copyfile(pdf, tmp)
        except OSError as exc:
            raise OutputError(f"无法写入 PDF“{target}”：{exc.strerror or exc}") from exc
    return target
