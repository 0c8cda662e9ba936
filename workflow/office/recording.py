"""Entering files processed where they lie (`workflow process`, `import-history`) into the
ledger, so that nothing the ledger knows is known only to the ledger.

Each file first gets its claim sequence (`Recorder.reserve`), then a copy of the original goes
to the archive under a name that carries it (`archive/process/…`, `archive/history/…`, see
`core.archive_names`), then it is judged with the sequence written into its result.json, and
last the row is written. A rebuilt ledger (`office.rebuild`) finds all of it again in the
archive and the outbox.

A ledger that cannot be written (another program holds its lock past `[ledger] lock_seconds`,
a read-only state folder) raises `NotRecorded` with one Chinese line that says exactly that:
the caller tells the user the result was not recorded and exits 1. A healthy ledger that is
merely busy is never called damaged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.archive_names import ARCHIVE_FOLDERS, archive_name
from workflow.core.atomic import TEMP_PREFIX, place_new
from workflow.core.names import readable_name, safe_name
from workflow.core.oserrors import output_problem
from workflow.core.outcome import ProcessResult
from workflow.office.ledger import Ledger, ledger_problem
from workflow.office.rebuild import open_repaired

__all__ = ["ARCHIVE_FOLDERS", "NotRecorded", "Recorder"]


class NotRecorded(Exception):
    """The ledger could not take the row; the message is one Chinese line saying why."""


class Recorder:
    """One writable ledger for a run of `process` or `import-history` (opened on first use,
    so a command that records nothing never waits for a lock)."""

    def __init__(self, config: Config, source: str) -> None:
        self.config, self.source = config, source
        self._ledger: Ledger | None = None

    @contextlib.contextmanager
    def _ledger_errors(self) -> Iterator[None]:
        """An `sqlite3.Error` inside becomes `NotRecorded`, with the line of `ledger_problem`."""
        try:
            yield
        except sqlite3.Error as exc:
            raise NotRecorded(ledger_problem(exc, self.config.ledger_lock_seconds)) from exc

    def _open(self) -> Ledger:
        if self._ledger is None:
            with self._ledger_errors():
                try:
                    self._ledger = open_repaired(self.config)
                except OSError as exc:
                    raise NotRecorded(f"台账无法创建或打开：{output_problem(exc)}") from exc
        return self._ledger

    def reserve(self) -> int:
        """The claim sequence of the next file (raises `NotRecorded`)."""
        with self._ledger_errors():
            return self._open().next_sequence()

    def archive(self, source: Path, received_at: datetime, seq: int) -> Path:
        """A copy of `source` in the archive (raises `NotRecorded` when it cannot be made)."""
        folder = self.config.archive / ARCHIVE_FOLDERS[self.source]
        readable = readable_name(source.name)
        name = safe_name(readable, 120) if len(source.name) > 120 else readable
        target = folder / archive_name(received_at, seq, name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{seq}{source.suffix}"
            shutil.copyfile(source, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            return place_new(tmp, target)
        except OSError as exc:
            raise NotRecorded(f"原件无法存入存档：{output_problem(exc)}") from exc

    def forget(self, archived: Path | None) -> None:
        """Remove the archived copy of a file that ends up not processed or not recorded, so
        that a rebuild does not bring back what the user was told did not happen."""
        if archived is not None:
            with contextlib.suppress(OSError):
                archived.unlink()

    def record(self, source: Path, result: ProcessResult, archived: Path | None) -> int:
        """Write the finished row (raises `NotRecorded`)."""
        with self._ledger_errors():
            return self._open().record_processed(
                result.sha256,
                readable_name(source.name),
                result.received_at or datetime.now().astimezone(),
                Path(readable_name(str(source.resolve()))),
                result,
                archived=archived,
            )

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
