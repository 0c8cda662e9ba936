"""The daemon's hold on its state folder: the single-instance lock, and noticing that the
folder (or the ledger, or the lock file) was deleted or replaced while the daemon runs.

A deleted state folder would otherwise go unnoticed: SQLite goes on writing to the deleted
file (every later row lost at the next start) and a second daemon finds no lock and starts.
So after every step the guard compares what is at the paths with what the daemon holds; when
they differ it recreates the folder, takes the lock again (if another daemon took it meanwhile,
this one stops), writes the ledger it still holds back to its place, merging any rows another
process wrote to a new file there, and reopens the log files. Every record is kept.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from workflow.office.ledger import Ledger

__all__ = ["StateGuard", "lock_is_held", "take_lock"]

log = logging.getLogger("workflow.intake.daemon")

LOCK_NAME = "daemon.lock"
LEDGER_CHECK_SECONDS = 10.0
SQLITE_HEADER = b"SQLite format 3\x00"
_READ_HEAD = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read(16))"


def _header(path: Path) -> bytes | None:
    """The first 16 bytes of `path`; None when it cannot be read (gone: `check` handles it)."""
    if sys.platform == "win32":  # no POSIX locks to lose
        try:
            with open(path, "rb") as fh:
                return fh.read(16)
        except OSError:
            return None
    try:
        done = subprocess.run(
            [sys.executable, "-S", "-c", _READ_HEAD, str(path)],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def take_lock(path: Path) -> IO[str] | None:
    """An exclusive lock on `path` held while the file stays open; None if another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the daemon's life
    try:
        fh.seek(0)
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    fh.truncate(0)
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def lock_is_held(path: Path) -> bool:
    """Whether a daemon holds the lock at `path` (runs on this state folder). The lock is only
    tried, at once released, and the file neither created nor written; when it cannot be
    told, the answer is yes (the caller then does what is safe with a daemon running)."""
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closing it (below) releases the lock
    except FileNotFoundError:
        return False
    except OSError:
        return True
    with fh:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
    return False


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class StateGuard:
    """Holds the lock of `state`; `check()` after each step puts things back if they went."""

    def __init__(self, state: Path, lock: IO[str]) -> None:
        self.state, self.lock = state, lock
        self.ledger: Ledger | None = None
        self.handlers: list[logging.Handler] = []
        self._ids: dict[Path, tuple[int, int] | None] = {}
        self._next_ledger_check = 0.0
        self._remember(state / LOCK_NAME)

    def watch(self, ledger: Ledger, handlers: list[logging.Handler]) -> None:
        self.ledger, self.handlers = ledger, handlers
        self._remember(ledger.path)

    def _remember(self, path: Path) -> None:
        self._ids[path] = _identity(path)

    def intact(self) -> bool:
        return all(_identity(path) == known for path, known in self._ids.items())

    def ledger_overwritten(self) -> bool:
        """The ledger file no longer starts as an SQLite database (overwritten in place, which
        the open connection would not notice: it reads its own WAL). Looked at every
        `LEDGER_CHECK_SECONDS`, from a child process on POSIX: opening and closing the file
        here would drop the POSIX locks SQLite holds on it in this process."""
        now = time.monotonic()
        if self.ledger is None or now < self._next_ledger_check:
            return False
        self._next_ledger_check = now + LEDGER_CHECK_SECONDS
        return _header(self.ledger.path) not in (None, SQLITE_HEADER)

    def check(self) -> bool:
        """False when another daemon took the state folder meanwhile (this one must stop)."""
        if self.intact():
            return True
        log.warning("state 文件夹（或其中的台账、锁文件）被删除或替换：正在重新创建，保留全部记录")
        (self.state / "work").mkdir(parents=True, exist_ok=True)
        lock_path = self.state / LOCK_NAME
        if _identity(lock_path) != self._ids[lock_path]:
            lock = take_lock(lock_path)
            if lock is None:
                log.error("另一个 workflow watch 已接管 state 文件夹 %s，本进程停止", self.state)
                return False
            self.lock.close()
            self.lock = lock
            self._remember(lock_path)
        self._reopen_logs()
        if self.ledger is not None and _identity(self.ledger.path) != self._ids[self.ledger.path]:
            self._restore_ledger(self.ledger)
        log.warning("已重新创建 state 文件夹：%s", self.state)
        return True

    def _restore_ledger(self, ledger: Ledger) -> None:
        path = ledger.path
        tmp = path.with_name(f".{path.name}.restore")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        ledger.copy_to(tmp)
        if path.exists():  # another process (`workflow process`) began a new ledger there
            _merge(path, tmp)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
        ledger.reopen()
        self._remember(path)

    def _reopen_logs(self) -> None:
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        for handler in self.handlers:
            if isinstance(handler, logging.FileHandler):
                handler.acquire()
                try:
                    if handler.stream is not None:
                        handler.stream.close()
                    handler.stream = None  # reopened by the next emit
                finally:
                    handler.release()


def _merge(source: Path, target: Path) -> None:
    """Append the rows of the ledger at `source` to the one at `target` (new ids). They were
    claimed after every row the daemon holds: their claim sequence goes on from its highest."""
    db = sqlite3.connect(target)
    try:
        db.execute("ATTACH DATABASE ? AS other", (str(source),))
        columns = [r[1] for r in db.execute("PRAGMA table_info(submissions)") if r[1] != "id"]
        (offset,) = db.execute("SELECT coalesce(max(seq), 0) FROM main.submissions").fetchone()
        names = ", ".join(columns)
        picked = ", ".join(f"seq + {int(offset)}" if c == "seq" else c for c in columns)
        db.execute(f"INSERT INTO submissions ({names}) SELECT {picked} FROM other.submissions")
        db.commit()
    except sqlite3.Error as exc:
        log.error("无法合并另一个进程新建的台账 %s：%s", source, exc)
    finally:
        db.close()
