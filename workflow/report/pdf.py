"""The Word report -> PDF, with LibreOffice in headless mode (optional: `[report] pdf = true`).

LibreOffice allows one running instance per user profile, and a second `soffice` started with
the same profile hands its job to the first or fails. Each conversion therefore gets its own
throw-away profile (-env:UserInstallation) and output folder in a temp directory, so parallel
workers never collide; the finished PDF is then copied into place atomically beside the report.
On a timeout the whole process group is killed: the `soffice` launcher starts `soffice.bin` as a
child that would otherwise survive.

The report asks for the official faces (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312), which a
Linux server does not have; left alone, fontconfig gives LibreOffice its default sans (Noto Sans
CJK JP, DejaVu) for all of them. `workflow/data/fonts.conf` maps each official name to the closest
free font from a Debian package (see README); the conversion runs with FONTCONFIG_FILE pointing
at a config that includes ours and then the system's own, so the mapping applies to this one
process and nothing on the machine changes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from workflow.core.atomic import atomic_path
from workflow.core.errors import OutputError

__all__ = [
    "FONT_PACKAGES",
    "MISSING_MESSAGE",
    "convert_to_pdf",
    "find_soffice",
    "font_environment",
    "pdf_available",
    "run_soffice",
    "soffice_command",
]

FONT_PACKAGES = ("fonts-noto-cjk", "fonts-arphic-ukai")
"""The Debian packages that give the faces `data/fonts.conf` maps the official names to."""
MISSING_MESSAGE = (
    "未安装 LibreOffice，无法生成 PDF；请安装后重试（Debian/Ubuntu: apt-get install "
    f"libreoffice-writer-nogui {' '.join(FONT_PACKAGES)}；Windows：安装 LibreOffice）"
)
_SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")

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


def font_environment(work: Path) -> dict[str, str]:
    """The environment for LibreOffice with our font aliases added, the config file written
    into `work`. Unchanged on Windows and macOS (no fontconfig there: the official fonts are
    usually installed) and when no system fontconfig file is found."""
    env = dict(os.environ)
    if sys.platform in ("win32", "darwin"):
        return env
    system = Path(env["FONTCONFIG_FILE"]) if env.get("FONTCONFIG_FILE") else None
    if system is None and env.get("FONTCONFIG_PATH"):
        system = Path(env["FONTCONFIG_PATH"]) / "fonts.conf"
    system = system or _SYSTEM_FONTS_CONF
    if not system.is_file():
        return env
    ours = resources.files("workflow") / "data" / "fonts.conf"
    config = Path(work) / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        f'  <include ignore_missing="yes">{escape(str(ours))}</include>\n'
        f"  <include>{escape(str(system.resolve()))}</include>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    env["FONTCONFIG_FILE"] = str(config)
    return env


def _run(
    cmd: list[str], timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `cmd`; on timeout kill it with all its children, then re-raise."""
    posix = os.name == "posix"
    with subprocess.Popen(
        cmd,
        env=env,
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
        cmd = soffice_command(exe, profile, "pdf", produced, docx)
        try:
            result = _run(cmd, timeout, font_environment(Path(work)))
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


def soffice_command(exe: str, profile: Path, to: str, out_dir: Path, source: Path) -> list[str]:
    """`soffice` converting `source` to format `to` into `out_dir`, headless, with its own
    throw-away user profile (a clerk's open LibreOffice, or another conversion, is never
    disturbed): the one command line for the PDF and for .xls/.ods/.et → .xlsx."""
    return [
        exe,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir.resolve()),
        str(source.resolve()),
    ]


def run_soffice(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run a LibreOffice command line with the same timeout and process-group kill as the PDF
    conversion (`flow.convert` turns .xls/.ods/.et into .xlsx with it)."""
    return _run(cmd, timeout)
