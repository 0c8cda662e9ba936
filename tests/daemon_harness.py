"""`workflow watch` as a real process on temporary folders, for the tests that drive it.

`Office` is a temporary office (inbox, outbox, archive, state and a config.toml with short
timings); `Watch` is one `workflow watch` process on it, in a session of its own so that a test
can kill -9 the whole process group (main process and workers) as a power cut would.
`Office.assert_complete` states the daemon's promises: every input has exactly one complete
result, every original is in the archive exactly once, nothing is left in the inbox (but lock
files) or in state/work, and no temp file is left anywhere. `OutboxWatcher` looks at the outbox
the way a clerk's file browser or a publishing script does while the daemon works, and records
anything such a reader could see that is not a complete, final file.

Shared by test_daemon.py, test_corpus.py and test_load.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from workflow.core.atomic import TEMP_PREFIX
from workflow.core.form import REPORT_TITLE_SUFFIX
from workflow.core.names import DIGEST_SUFFIX
from workflow.flow.outbox import RESULT_NAME
from workflow.office.summary import summary_filename

__all__ = ["CLI", "LOCK_FILES", "WATCH", "Office", "OutboxWatcher", "Watch", "sha"]

CLI = Path(sys.executable).with_name("workflow")
WATCH = (
    [str(CLI)] if CLI.exists() else [sys.executable, "-c", "from workflow.cli import main; main()"]
)
LOCK_FILES = {
    "~$报告.xlsx": b"excel owner file",
    ".~lock.报告.xlsx#": b"libreoffice lock",
    ".~报告.xlsx": b"wps lock",
    "报告.tmp": b"temp",
    "报告.xlsx.crdownload": b"PK\x03\x04 half a download",
    "报告.xlsx.part": b"PK\x03\x04 half a download",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Watch:
    """One `workflow watch` process; its stderr goes to a file for the failure message."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.log = office.root / f"daemon-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [*office.run_as, *WATCH, "watch", "--config", str(office.config)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
                env={**os.environ, **office.env},
            )

    def text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def terminate(self, timeout: float = 10) -> tuple[int, float]:
        """SIGTERM to the main process only (systemd KillMode=mixed); (exit code, seconds)."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - start

    def power_cut(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


class Office:
    def __init__(
        self, root: Path, workers: int = 2, polling: bool = False, extra_watch: str = ""
    ) -> None:
        self.root = root
        self.inbox, self.outbox = root / "inbox", root / "outbox"
        self.archive, self.state = root / "archive", root / "state"
        self.inbox.mkdir()
        self.config = root / "config.toml"
        self.config.write_text(
            '[paths]\ninbox = "inbox"\noutbox = "outbox"\narchive = "archive"\nstate = "state"\n'
            f"[watch]\npolling = {str(polling).lower()}\nsettle_seconds = 0.15\n"
            f"give_up_seconds = 1.5\nscan_interval = 0.3\nworkers = {workers}\n{extra_watch}",
            encoding="utf-8",
        )
        self.env: dict[str, str] = {}  # for the daemon processes (test hooks)
        self.run_as: list[str] = []  # a command prefix, e.g. setpriv to another user
        self.dropped: list[bytes] = []
        self.watches: list[Watch] = []

    def start(self) -> Watch:
        self.watches.append(Watch(self))
        return self.watches[-1]

    def place(self, name: str, data: bytes) -> None:
        """A file written in place at once (present at start, or a quick copy)."""
        (self.inbox / name).write_bytes(data)
        self.dropped.append(data)

    def drop(self, name: str, data: bytes) -> None:
        """An atomic drop: written under an ignored name, then renamed."""
        tmp = self.inbox / f".{name}.tmp"
        tmp.write_bytes(data)
        os.rename(tmp, self.inbox / name)
        self.dropped.append(data)

    def results(self) -> dict[str, list[dict]]:
        """result.json records by the sha256 of their input; a half-written one fails here."""
        found: dict[str, list[dict]] = {}
        for path in self.outbox.rglob("result.json"):
            record = json.loads(path.read_text("utf-8"))
            found.setdefault(record["sha256"], []).append(record)
        return found

    def ledger_rows(self) -> list[tuple]:
        db = sqlite3.connect(self.state / "ledger.sqlite3")
        try:
            return db.execute(
                "SELECT status, archived_at, sha256 FROM submissions ORDER BY id"
            ).fetchall()
        finally:
            db.close()

    def done(self) -> bool:
        if not (self.state / "ledger.sqlite3").exists():
            return False
        try:
            rows = self.ledger_rows()
        except sqlite3.OperationalError:  # created, but its table not yet
            return False
        candidates = [p for p in self.inbox.iterdir() if p.name not in LOCK_FILES]
        return (
            not candidates
            and len(rows) == len(self.dropped)
            and all(status != "claimed" and archived for status, archived, _ in rows)
        )

    def wait(self, until: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until():
                return
            running = [w for w in self.watches if w.proc.poll() is None]
            if self.watches and not running:
                break
            time.sleep(0.05)
        logs = "\n".join(w.text() for w in self.watches)
        pytest.fail(f"timed out waiting for {what or until.__name__}\n{logs}")

    def assert_complete(self, superseded: tuple[bytes, ...] = ()) -> None:
        """Every input: one complete result (unless `superseded` by a later submission of the
        same agency), its original archived once; nothing left over."""
        leftovers = [p for p in self.root.rglob(f"{TEMP_PREFIX}*")]
        assert leftovers == [], "temp files left"
        assert list((self.state / "work").iterdir()) == []
        assert sorted(p.name for p in self.inbox.iterdir()) == sorted(
            n for n in LOCK_FILES if (self.inbox / n).exists()
        )
        results = self.results()
        for digest in {sha(d) for d in self.dropped} - {sha(d) for d in superseded}:
            assert len(results.get(digest, [])) == 1, f"{digest[:8]}: {results.get(digest)}"
        for records in results.values():
            record = records[0]
            assert record["status"] in ("passed", "failed", "rejected")
            for output in record["outputs"].values():
                assert output is None or Path(output).is_file(), output
        archived = Counter(sha(p.read_bytes()) for p in self.archive.rglob("*") if p.is_file())
        assert archived == Counter(sha(d) for d in self.dropped)
        rows = self.ledger_rows()
        assert len(rows) == len(self.dropped)
        assert all(status != "claimed" and archived_at for status, archived_at, _ in rows)


REJECTION_NOTE = "退回说明.xlsx"


def started(office: Office, timeout: float = 30.0) -> Watch:
    """A daemon that has finished its start (recovery included) and watches the inbox."""
    watch = office.start()
    office.wait(
        lambda: "开始监视收件箱" in watch.text(), timeout=timeout, what="the daemon's start"
    )
    return watch


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended but not yet waited for, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def is_final_name(parts: tuple[str, ...], name: str) -> bool:
    """Whether `name`, in the outbox folder `parts` (relative), is one of the names the outbox
    layout (workflow/outbox.py) gives a finished output."""
    if len(parts) == 1 and parts[0].isdigit():
        return name == summary_filename(int(parts[0]))
    if len(parts) == 2 and parts[0] == "rejected":
        return name in (RESULT_NAME, REJECTION_NOTE)
    if len(parts) == 2:
        # the folder may be the name cut short plus a digest ('甲/乙' -> '甲_乙-<digest>')
        year, agency = parts[0], DIGEST_SUFFIX.sub("", parts[1])
        return name == RESULT_NAME or (
            name.startswith(agency)
            and name.endswith((f"{year}{REPORT_TITLE_SUFFIX}.docx", f"{year}年报告校验结果.xlsx"))
        )
    return False


class OutboxWatcher(threading.Thread):
    """Lists the outbox over and over, as a reader would while the daemon works.

    Every pass: each file must carry a final name or our TEMP_PREFIX; each final .xlsx/.docx
    must be a complete zip (every member's CRC checked; a file is checked again whenever its
    inode, size or mtime change); each result.json is read afresh and must parse, and every
    output it names must lie in the outbox, exist and be a complete zip. A file that vanishes
    between listing and reading is fine (recovery removes a half-written rejected set), except
    a result.json: those are only ever replaced. Findings go to `problems`; the test asserts.
    """

    def __init__(self, outbox: Path, pause: float = 0.02) -> None:
        super().__init__(name="outbox-watcher", daemon=True)
        self.outbox, self.pause = outbox, pause
        self.halt = threading.Event()
        self.problems: list[str] = []
        self.passes = self.results_read = self.zips_checked = self.temps_seen = 0
        self._complete: set[tuple[str, int, int, int]] = set()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self._scan()
            except Exception as exc:  # a bug here must fail the test, not vanish in a thread
                self.problems.append(f"watcher error: {exc!r}")
            self.passes += 1
            self.halt.wait(self.pause)

    def stop(self) -> None:
        self.halt.set()
        self.join(30)
        assert not self.is_alive()

    def _scan(self) -> None:
        for folder, _dirs, files in os.walk(self.outbox):
            parts = Path(folder).relative_to(self.outbox).parts
            for name in files:
                path = Path(folder) / name
                if name.startswith(TEMP_PREFIX):
                    self.temps_seen += 1
                elif not is_final_name(parts, name):
                    self.problems.append(f"not a final name: {path}")
                elif name == RESULT_NAME:
                    self._check_result(path)
                else:
                    self._check_zip(path, required=False)

    def _check_zip(self, path: Path, *, required: bool) -> None:
        try:
            st = path.stat()
            key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
            if key in self._complete:
                return
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except FileNotFoundError:
            if required:
                self.problems.append(f"named output missing: {path}")
            return
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            self.problems.append(f"incomplete zip: {path}: {exc!r}")
            return
        if bad is not None:
            self.problems.append(f"bad member {bad} in {path}")
            return
        self.zips_checked += 1
        self._complete.add(key)

    def _read(self, path: Path) -> dict | None:
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            self.problems.append(f"result.json vanished: {path}")
            return None
        try:
            record = json.loads(text)
        except ValueError as exc:
            self.problems.append(f"result.json does not parse: {path}: {exc}")
            return None
        self.results_read += 1
        return record

    def _check_result(self, path: Path) -> None:
        record = self._read(path)
        if record is None:
            return
        for output in filter(None, record.get("outputs", {}).values()):
            named = Path(output)
            if not named.resolve().is_relative_to(self.outbox.resolve()):
                self.problems.append(f"{path} names an output outside the outbox: {named}")
            elif named.exists():
                self._check_zip(named, required=True)
            else:
                # Replaced meanwhile by a result that no longer names it? Only then is it fine.
                again = self._read(path)
                if again is not None and output in again.get("outputs", {}).values():
                    self.problems.append(f"{path} names a missing output: {named}")
