"""The inbox side of the daemon: which files to leave alone, when a file is ready, and moving it.

A clerk saves e-mail attachments into the inbox by any means: a browser download (renamed from
`*.crdownload` / `*.part` when done), Explorer copying over SMB (the file grows in place), Excel or
WPS saving straight into the folder (lock files beside it). So a file is taken only when it is
completely written: it arrived by rename (a hint from the observer), or its size and mtime have not
changed for `settle_seconds` and it opens as a whole zip. A file that stays unchanged but never
becomes a whole zip (empty, truncated, an old .xls) is taken anyway after `give_up_seconds`, to be
rejected by the pipeline like any bad file, so the inbox never silts up.

Moving files is `moves.py`'s job (re-exported here).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import stat
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workflow.core.atomic import TEMP_PREFIX
from workflow.intake.folder.moves import (
    archive_target,
    claim,
    move_no_clobber,
    parse_work_name,
    remove_temp_files,
    unique_path,
    work_name,
)

__all__ = [
    "Readiness",
    "Ready",
    "archive_target",
    "being_written",
    "claim",
    "is_complete_zip",
    "is_ignored",
    "may_read",
    "move_no_clobber",
    "parse_work_name",
    "remove_temp_files",
    "scan_inbox",
    "unique_path",
    "work_name",
]

log = logging.getLogger(__name__)

_IGNORED_SUFFIXES = (".tmp", ".crdownload", ".part")


def is_ignored(name: str) -> bool:
    """True for Office/WPS/LibreOffice lock files, browser partials, temp files and dotfiles.

    Dotfiles cover `.~lock.x.xlsx#` (LibreOffice), `.~x.xlsx` (WPS) and our own `TEMP_PREFIX`.
    """
    return name.startswith((".", "~$", TEMP_PREFIX)) or name.lower().endswith(_IGNORED_SUFFIXES)


def scan_inbox(inbox: Path, others: dict[str, str] | None = None) -> dict[str, os.stat_result]:
    """The inbox's candidate files by name: regular files at the top level, not ignored.

    Entries that are not regular files (a symlink, a FIFO, a folder, a device) are never taken:
    following a symlink would archive a file the office does not own, a FIFO blocks its reader.
    They go into `others` (name: what it is), for the daemon to tell the clerk once."""
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
            elif others is not None:
                others[entry.name] = _kind(entry)
    return found


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "符号链接"
    if entry.is_dir(follow_symlinks=False):
        return "文件夹"
    if stat.S_ISFIFO(entry.stat(follow_symlinks=False).st_mode):
        return "命名管道"
    return "特殊文件"


def being_written(path: Path) -> bool:
    """True when another process holds `path` open for writing (Linux: a read lease cannot be
    had then). A copy that pauses (a slow share, a stalled download) keeps the file open, so
    this tells a pause from a file that is done but damaged. Where leases are unavailable (not
    Linux, not the file's owner, a network mount) this says False and timing alone decides."""
    try:
        import fcntl
    except ImportError:  # Windows
        return False
    if not hasattr(fcntl, "F_SETLEASE"):
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EBUSY)
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def may_read(path: Path) -> bool:
    """False only when opening `path` for reading is refused (permissions, another owner);
    a file that vanished or cannot be opened for another reason is the scans' business."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # (none on Windows)
    except PermissionError:
        return False
    except OSError:
        return True
    os.close(fd)
    return True


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
    unreadable: bool = False


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

    def unreadable(self) -> list[str]:
        """Files the daemon may not read (another owner, no read permission): never taken,
        asked again at every scan, taken as soon as they can be read."""
        return sorted(name for name, track in self._tracks.items() if track.unreadable)

    def _reason(self, name: str, track: _Track, now: float) -> str | None:
        if now < track.not_before:
            return None
        renamed = name in self._renamed
        # A name without an extension is how Excel names its save-in-progress temp file: wait
        # long enough for Excel to rename it before taking it as a submission.
        settle = self.settle if Path(name).suffix else self.give_up
        if not renamed and now - track.changed < settle:
            return None
        if track.unreadable or track.zip_ok is None:
            # Before anything else: an unreadable file looks like a damaged one (no zip) and
            # would be given up and rejected, though the agency sent a sound file.
            track.unreadable = not may_read(self.inbox / name)
            if track.unreadable:
                return None
        if renamed:
            return "renamed"
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
        if now - track.changed < self.give_up:
            return None
        if being_written(self.inbox / name):  # a paused copy, not a damaged file: wait on
            track.changed, track.zip_ok = now, None
            return None
        return "gave_up"

    def delay(self) -> float | None:
        """Seconds until a tracked file could next become ready; None when nothing waits."""
        now = self.clock()
        waits = []
        for name, t in self._tracks.items():
            if t.unreadable:  # asked again at the next scan, not sooner
                continue
            if name in self._renamed:
                waits.append(max(0.0, t.not_before - now))
                continue
            due = t.changed + (self.settle if Path(name).suffix else self.give_up)
            if t.zip_ok is False:
                due = min(t.changed + self.give_up, t.checked + self.settle)
            waits.append(max(due, t.not_before) - now)
        return max(0.0, min(waits)) if waits else None
