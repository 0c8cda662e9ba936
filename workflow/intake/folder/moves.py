"""Moving files without ever losing or overwriting one: inbox -> working folder -> archive.

A rename where possible; across file systems (an SMB inbox) a copy to a temp name beside the
target, fsync, rename, and only then the original is removed. Targets get unique names; an
existing file is never replaced. A file with other hard links is copied at claim, so that the
archive never shares an inode with a file outside the office's folders. Names in the working
folder record when a file was received and what it was called, so a crash loses neither.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

from workflow.core.archive_names import archive_name
from workflow.core.atomic import TEMP_PREFIX
from workflow.core.digest import sha256_file
from workflow.core.names import agency_folder_name, safe_name

__all__ = [
    "archive_target",
    "claim",
    "move_no_clobber",
    "parse_work_name",
    "remove_temp_files",
    "unique_path",
    "work_name",
]

log = logging.getLogger("workflow.intake.folder.inbox")

_WORK_STAMP = "%Y%m%d-%H%M%S-%f"
_MAX_NAME_BYTES = 240
_ARCHIVE_SPARE = 8
"""Bytes an archived name keeps free beyond its `<stamp>-n<seq>-` prefix (the 24 it always
reserved held a 16-byte stamp and these 8): room for `unique_path`'s `-2` … `-9999999`."""


def _fit(name: str, budget: int = _MAX_NAME_BYTES) -> str:
    """`name` kept as typed when it fits in `budget` bytes, otherwise made safe and shortened
    with its extension kept."""
    if len(name.encode("utf-8")) <= budget:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    return safe_name(name[: len(name) - len(suffix)], limit=60) + suffix


def work_name(received_at: datetime, name: str) -> str:
    """The name in the working folder: when it was received, then the original name, so that a
    crash before the ledger row was written loses neither."""
    return f"{received_at:{_WORK_STAMP}}-{_fit(name, _MAX_NAME_BYTES - 23)}"


def parse_work_name(name: str) -> tuple[datetime, str] | None:
    """(received_at, original name) from a `work_name`; None for anything else."""
    try:
        stamp = datetime.strptime(name[:22], _WORK_STAMP)
    except ValueError:
        return None
    return stamp.astimezone(), name[23:] or name


def unique_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `stem-2.ext`, `stem-3.ext` … whichever does not exist yet."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def archive_target(
    archive: Path,
    kind: str,
    received_at: datetime,
    name: str,
    agency: str | None,
    year: int | None,
    seq: int | None = None,
) -> Path:
    """Where an original goes: `<archive>/<year>/<agency>/<stamp>-n<seq>-<name>` (see
    `core.archive_names`), rejected files under `<archive>/rejected/`, duplicates under
    `<archive>/duplicates/`. Never an existing path."""
    if kind in ("rejected", "duplicates"):
        folder = archive / kind
    else:
        folder = (
            archive / (str(year) if year else "未知年度") / agency_folder_name(agency or "未知单位")
        )
    budget = _archive_budget(received_at, seq)
    return unique_path(folder, archive_name(received_at, seq, _fit(name, budget)))


def _archive_budget(received_at: datetime, seq: int | None) -> int:
    """The bytes left for the original name in `archive_name(received_at, seq, name)`."""
    prefix = archive_name(received_at, seq, "")
    return _MAX_NAME_BYTES - _ARCHIVE_SPARE - len(prefix.encode("utf-8"))


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cross_device(exc: OSError) -> bool:
    return exc.errno == errno.EXDEV or getattr(exc, "winerror", None) == 17


def _same_content(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and sha256_file(a) == sha256_file(b)


def move_no_clobber(src: Path, dst: Path) -> Path:
    """Move `src` to `dst` without ever replacing a file; across file systems by copy + fsync +
    rename, removing `src` last.

    If `dst` already holds the same bytes (an interrupted earlier move), `src` is just removed;
    if it holds other bytes, FileExistsError.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        if not _same_content(src, dst):
            raise FileExistsError(errno.EEXIST, "target exists", str(dst))
        src.unlink()
        return dst
    try:
        os.rename(src, dst)
    except OSError as exc:
        if not _cross_device(exc):
            raise
        _copy_synced(src, dst)
        try:
            src.unlink()
        except OSError as unlink_exc:
            # The copy is safe; the original comes back as a duplicate and is archived then.
            log.warning("已复制但无法删除原件 %s：%s", src, unlink_exc)
        return dst
    _fsync_dir(dst.parent)
    return dst


def claim(src: Path, work_dir: Path, received_at: datetime, name: str | None = None) -> Path:
    """Move an inbox file into the daemon's working folder under a name that records when it
    was received and what it was called (`name`: the name as text, see `readable_name`).

    A file with other hard links is copied (then its inbox name removed): moving it would
    make the archive share an inode with a file outside, which anyone could change later."""
    dst = unique_path(work_dir, work_name(received_at, name or src.name))
    if src.stat(follow_symlinks=False).st_nlink > 1:
        _copy_then_unlink(src, dst)
        return dst
    return move_no_clobber(src, dst)


def _copy_then_unlink(src: Path, dst: Path) -> None:
    _copy_synced(src, dst)
    src.unlink()


def _copy_synced(src: Path, dst: Path) -> None:
    """Copy `src` to `dst` through a synced temp file beside it, renamed in: `dst` appears
    whole or not at all, and is on disk before `src` may go. Never replaces a file that
    appeared at `dst` meanwhile (FileExistsError)."""
    tmp = dst.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}{dst.suffix}"
    try:
        with open(src, "rb") as fin, open(tmp, "xb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
            fout.flush()
            os.fsync(fout.fileno())
        shutil.copystat(src, tmp)
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "target exists", str(dst))
        os.rename(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(dst.parent)


def remove_temp_files(*roots: Path) -> list[Path]:
    """Remove our own temp files (`TEMP_PREFIX*`) under `roots`: what a killed writer left."""
    removed = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                if name.startswith(TEMP_PREFIX):
                    path = Path(folder) / name
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed.append(path)
    return removed
