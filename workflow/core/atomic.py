"""Write a file so that readers see either the old file or the whole new one, never a part.

The temp file lives in the target's own folder (so the final `os.replace` is a rename on one
file system), is flushed and fsynced before the rename, and is removed on any failure, which
leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "TEMP_PREFIX",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "place_new",
]

TEMP_PREFIX = ".~wf-"
"""Prefix of our temp files: hidden, and matched by the daemon's own ignore filter."""


def _default_mode() -> int:
    """The mode an ordinary new file gets (0o666 less the umask): mkstemp's 0o600 would hide
    reports from the other users of a shared outbox."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _default_mode()


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside `target`; when the block ends cleanly, it becomes `target`.

    The block writes the temp path by any means (a library's `save(path)`); the file is then
    fsynced and renamed over `target`. On an exception the temp file is removed and `target`
    is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, _MODE)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def atomic_write_text(target: Path, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


def place_new(src: Path, target: Path) -> Path:
    """Put the finished file `src` at `target`, or beside it as 'name(2).xlsx', 'name(3).xlsx' …
    when a file of that name exists: never over a file somebody else wrote (a filled
    workbook in the folder blank ones are written to). Returns the path used; `src` is gone.

    The name is claimed with a hard link, which fails if the name exists, so a file that
    appears meanwhile is not replaced either; where links are not supported (some network
    shares, FAT), it is claimed by creating the file exclusively.
    """
    src, target = Path(src), Path(target)
    n = 1
    while True:
        candidate = target if n == 1 else target.with_name(f"{target.stem}({n}){target.suffix}")
        try:
            _claim(src, candidate)
        except FileExistsError:
            n += 1
            continue
        src.unlink()
        _fsync_dir(candidate.parent)
        return candidate


def _claim(src: Path, candidate: Path) -> None:
    try:
        os.link(src, candidate)
        return
    except FileExistsError:
        raise
    except OSError:  # no hard links here (or across devices): copy into an exclusive new file
        pass
    with open(candidate, "xb") as out:
        try:
            with open(src, "rb") as data:
                while chunk := data.read(1 << 20):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            out.close()
            candidate.unlink()
            raise
