"""The inbox side of the daemon: which files to leave alone, when a file is ready, and moving it.

A clerk saves e-mail attachments into the inbox by any means: a browser download (renamed from
`*.crdownload` / `*.part` when done), Explorer copying over SMB (the file grows in place), Excel or
WPS saving straight into the folder (lock files beside it). So a file is taken only when it is
completely written: it arrived by rename (a hint from the observer), or its size and mtime have not
changed for `settle_seconds` and it opens as a whole zip. A file that stays unchanged but never
becomes a whole zip (empty, truncated, an old .xls) is taken anyway after `give_up_seconds`, to be
rejected by the pipeline like any bad file, so the inbox never silts up.

Moving never loses or overwrites a file: a rename where possible; across file systems (an SMB
inbox) a copy to a temp name beside the target, fsync, rename, and only then the original is
removed. Targets get unique names; an existing file is never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workflow.core.atomic import TEMP_PREFIX
from workflow.core.digest import sha256_file
from workflow.core.names import safe_name

__all__ = [
    "Readiness",
    "Ready",
    "archive_target",
    "claim",
    "is_complete_zip",
    "is_ignored",
    "move_no_clobber",
    "parse_work_name",
    "remove_temp_files",
    "scan_inbox",
    "unique_path",
    "work_name",
]

log = logging.getLogger(__name__)

_IGNORED_SUFFIXES = (".tmp", ".crdownload", ".part")
_STAMP = "%Y%m%d-%H%M%S"
_WORK_STAMP = "%Y%m%d-%H%M%S-%f"
_MAX_NAME_BYTES = 240


def is_ignored(name: str) -> bool:
    """True for Office/WPS/LibreOffice lock files, browser partials, temp files and dotfiles.

    Dotfiles cover `.~lock.x.xlsx#` (LibreOffice), `.~x.xlsx` (WPS) and our own `TEMP_PREFIX`.
    """
    return name.startswith((".", "~$", TEMP_PREFIX)) or name.lower().endswith(_IGNORED_SUFFIXES)


def scan_inbox(inbox: Path) -> dict[str, os.stat_result]:
    """The inbox's candidate files by name: regular files at the top level, not ignored."""
    found: dict[str, os.stat_result] = {}
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return found
    for entry in entries:
        if is_ignored(entry.name):
            continue
        with contextlib.suppress(OSError):  # vanished between listing and stat
            if entry.is_file(follow_symlinks=False):
                found[entry.name] = entry.stat(follow_symlinks=False)
    return found


def is_complete_zip(path: Path) -> bool:
    """True when `path` opens as a zip whose central directory is whole.

    The end-of-central-directory record is written last, so a file still being copied (or
    pre-allocated and zero-filled) fails here; what the members hold is the reader's business.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            end = max((i.header_offset for i in zf.infolist()), default=0)
            return end < os.path.getsize(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return False


def _probe(path: Path) -> bytes:
    """A digest of the file's head and tail: catches a file rewritten under an unchanged stat
    (SMB caches mtime until the writer closes the file)."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            digest.update(fh.read(4096))
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 65536))
            digest.update(fh.read())
    except OSError:
        return b""
    return digest.digest()


@dataclass(frozen=True, slots=True)
class Ready:
    """A file the daemon may take now; `reason` is 'renamed', 'settled' or 'gave_up'."""

    name: str
    reason: str
    received_at: datetime
    size: int
    mtime_ns: int


@dataclass(slots=True)
class _Track:
    size: int
    mtime_ns: int
    changed: float
    received_at: datetime
    probe: bytes | None = None
    zip_ok: bool | None = None
    checked: float = 0.0
    not_before: float = 0.0


class Readiness:
    """Decides, scan after scan, which inbox files are completely written.

    Not thread-safe: the observer thread hands rename hints over through the daemon's queue;
    only the main loop calls these methods. `clock` is monotonic seconds (a test can fake it).
    """

    def __init__(
        self,
        inbox: Path,
        settle_seconds: float,
        give_up_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inbox = inbox
        self.settle = settle_seconds
        self.give_up = max(give_up_seconds, settle_seconds)
        self.clock = clock
        self._tracks: dict[str, _Track] = {}
        self._renamed: dict[str, float] = {}

    def hint_renamed(self, name: str) -> None:
        """The observer saw `name` arrive by rename: it is complete, no need to wait."""
        self._renamed[name] = self.clock()

    def forget(self, name: str) -> None:
        self._tracks.pop(name, None)
        self._renamed.pop(name, None)

    def defer(self, name: str, seconds: float) -> None:
        """Do not offer `name` again for `seconds` (e.g. Windows refused to move it)."""
        if name in self._tracks:
            self._tracks[name].not_before = self.clock() + seconds

    def update(self, entries: Mapping[str, os.stat_result]) -> list[Ready]:
        """Take in one scan of the inbox; return the files ready now, oldest first."""
        now = self.clock()
        for name in set(self._tracks) - set(entries):
            del self._tracks[name]
        for name, hinted in list(self._renamed.items()):
            if name not in entries and now - hinted > 60:
                del self._renamed[name]
        ready = []
        for name, st in entries.items():
            track = self._tracks.get(name)
            if track is None:
                track = _Track(st.st_size, st.st_mtime_ns, now, datetime.now().astimezone())
                self._tracks[name] = track
            elif (track.size, track.mtime_ns) != (st.st_size, st.st_mtime_ns):
                track.size, track.mtime_ns, track.changed = st.st_size, st.st_mtime_ns, now
                track.zip_ok = track.probe = None
                self._renamed.pop(name, None)  # written after it arrived: wait after all
            reason = self._reason(name, track, now)
            if reason:
                ready.append(Ready(name, reason, track.received_at, track.size, track.mtime_ns))
        return sorted(ready, key=lambda r: (r.received_at, r.name))

    def _reason(self, name: str, track: _Track, now: float) -> str | None:
        if now < track.not_before:
            return None
        if name in self._renamed:
            return "renamed"
        # A name without an extension is how Excel names its save-in-progress temp file: wait
        # long enough for Excel to rename it before taking it as a submission.
        settle = self.settle if Path(name).suffix else self.give_up
        if now - track.changed < settle:
            return None
        if track.zip_ok is None or (not track.zip_ok and now - track.checked >= self.settle):
            path = self.inbox / name
            probe = _probe(path)
            if track.probe is not None and probe != track.probe:
                track.changed, track.probe, track.zip_ok = now, probe, None
                return None
            track.probe, track.zip_ok, track.checked = probe, is_complete_zip(path), now
            if not track.zip_ok:
                log.debug("%s 还不是完整的工作簿（%d 字节），继续等待", name, track.size)
        if track.zip_ok:
            return "settled"
        return "gave_up" if now - track.changed >= self.give_up else None

    def delay(self) -> float | None:
        """Seconds until a tracked file could next become ready; None when nothing waits."""
        now = self.clock()
        waits = []
        for name, t in self._tracks.items():
            if name in self._renamed:
                waits.append(max(0.0, t.not_before - now))
                continue
            due = t.changed + (self.settle if Path(name).suffix else self.give_up)
            if t.zip_ok is False:
                due = min(t.changed + self.give_up, t.checked + self.settle)
            waits.append(max(due, t.not_before) - now)
        return max(0.0, min(waits)) if waits else None


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
    archive: Path, kind: str, received_at: datetime, name: str, agency: str | None, year: int | None
) -> Path:
    """Where an original goes: `<archive>/<year>/<agency>/<stamp>-<name>`, rejected files under
    `<archive>/rejected/`, duplicates under `<archive>/duplicates/`. Never an existing path."""
    if kind in ("rejected", "duplicates"):
        folder = archive / kind
    else:
        folder = archive / (str(year) if year else "未知年度") / safe_name(agency or "未知单位")
    return unique_path(folder, f"{received_at:{_STAMP}}-{_fit(name, _MAX_NAME_BYTES - 24)}")


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
        tmp = dst.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}{dst.suffix}"
        try:
            with open(src, "rb") as fin, open(tmp, "xb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
                fout.flush()
                os.fsync(fout.fileno())
            shutil.copystat(src, tmp)
            if dst.exists():
                raise FileExistsError(errno.EEXIST, "target exists", str(dst)) from exc
            os.rename(tmp, dst)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(dst.parent)
        try:
            src.unlink()
        except OSError as unlink_exc:
            # The copy is safe; the original comes back as a duplicate and is archived then.
            log.warning("已复制但无法删除原件 %s：%s", src, unlink_exc)
        return dst
    _fsync_dir(dst.parent)
    return dst


def claim(src: Path, work_dir: Path, received_at: datetime) -> Path:
    """Move an inbox file into the daemon's working folder under a name that records when it
    was received and what it was called."""
    return move_no_clobber(src, unique_path(work_dir, work_name(received_at, src.name)))


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
