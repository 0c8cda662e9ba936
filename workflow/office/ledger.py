"""The ledger: who sent what, when, and what became of it (SQLite under the state folder).

It is the daemon's memory across crashes and the office's audit trail. One row per file taken
from the inbox, written in its own transaction at each step:

    claimed   -> the file was moved into state/work/ (crash here: the next start processes it)
    passed | failed | rejected  -> outputs written; the archive path is decided in the same
                 transaction, and `archived_at` is set once the original is there
    duplicate -> same bytes as an earlier row (`duplicate_of`); not processed again

A rejected file's `agency` and `year` are whom it was attributed to (`attributed_by` says how;
NULL when the file itself named them), and `reason` says why it was refused. A ledger made
before those columns existed gets them on first open for writing.

WAL journal with `synchronous=FULL`: a power cut loses at most the transaction in flight, and
readers (a status view) never block the daemon. Only the daemon's main thread writes.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.names import agency_key
from workflow.core.outcome import ProcessResult
from workflow.office.ledger_rows import (
    SCHEMA,
    Record,
    create_ledger,
    emptied,
    iso,
    json_value,
    now_iso,
)

__all__ = [
    "LEDGER_NAME",
    "Ledger",
    "LedgerDamaged",
    "Record",
    "ledger_path",
    "open_ledger",
    "run_statements",
]

LEDGER_NAME = "ledger.sqlite3"

_ADDED_COLUMNS = ("attributed_by", "reason", "sender", "message_id")
"""Columns added after the first release: older ledgers get them on open."""


def _while_locked(action: Callable[[], object], patience: float = 30.0) -> None:
    """Run `action`, retrying while another process holds the database.

    Switching a new database to WAL, and creating its tables, can meet "database is locked"
    at once (SQLite's busy timeout does not cover every case) when the daemon and a `workflow
    process` open the same fresh ledger together.
    """
    deadline = time.monotonic() + patience
    pause = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class LedgerDamaged(sqlite3.DatabaseError):
    """The ledger file is not a whole ledger: emptied to 0 bytes, overwritten, or failing
    SQLite's integrity check (`office.rebuild` sets it aside and rebuilds it)."""


def _sql_agency_key(name: str | None) -> str | None:
    return None if name is None else agency_key(name)


class Ledger:
    """The submissions table at `path`; use as a context manager or call `close()`."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """`readonly=True` opens an existing ledger for reading only (a worker looking up last
        year's report, the status view): no schema, no lock that could slow the daemon.
        Raises `LedgerDamaged` (an `sqlite3.DatabaseError`) for a ledger that is not whole."""
        self.path = path
        if emptied(path):
            raise LedgerDamaged("台账文件为空（0 字节）")
        try:
            self._db = self._connect(path, readonly)
        except sqlite3.OperationalError:
            raise  # locked, busy, I/O, cannot open: a condition of the moment, not damage
        except sqlite3.DatabaseError as exc:  # not a database, malformed, failed quick_check
            raise LedgerDamaged(f"台账文件已损坏（{exc}）") from exc

    def _connect(self, path: Path, readonly: bool) -> sqlite3.Connection:
        if readonly:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        else:
            if not path.exists():
                create_ledger(path)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            self._db.row_factory = sqlite3.Row
            self._functions()
            if not readonly:
                _while_locked(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
                self._db.execute("PRAGMA synchronous=FULL")
                _while_locked(self._create_schema)
            # A writer checks the whole file; a reader (one per processed file, for last
            # year's report) only that it is a database: garbage fails here already.
            check = "PRAGMA schema_version" if readonly else "PRAGMA quick_check(1)"
            (verdict,) = self._db.execute(check).fetchone()
            if not readonly and verdict != "ok":
                raise sqlite3.DatabaseError(verdict)
        except BaseException:
            self._db.close()
            raise
        return self._db

    def copy_to(self, target: Path) -> None:
        """Write the whole ledger as a new database at `target` (SQLite's backup: a consistent
        copy even while this connection holds a file that was deleted under it)."""
        copy = sqlite3.connect(target)
        try:
            self._db.backup(copy)
        finally:
            copy.close()

    def reopen(self) -> None:
        """Open `path` again (after `copy_to` put the ledger back where it belongs)."""
        self._db.close()
        self._db = self._connect(self.path, readonly=False)

    def _functions(self) -> None:
        """`agency_key(name)` in SQL: one agency however its name is spaced (names.py)."""
        self._db.create_function("agency_key", 1, _sql_agency_key, deterministic=True)

    def _create_schema(self) -> None:
        with self._transaction():
            run_statements(self._db, SCHEMA)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(submissions)")}
            for column in _ADDED_COLUMNS:
                if column not in have:
                    self._db.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def database(self) -> sqlite3.Connection:
        """The open database, for modules that keep their own table beside the submissions
        (office.audit); they write through `transaction`."""
        return self._db

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on any error)."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _one(self, sql: str, *args: object) -> Record | None:
        row = self._db.execute(sql, args).fetchone()
        return Record.from_row(row) if row else None

    def _all(self, sql: str, *args: object) -> list[Record]:
        return [Record.from_row(r) for r in self._db.execute(sql, args)]

    # --- writing: one transaction per state change ----------------------------------------------

    def claim(self, sha256: str, file_name: str, received_at: datetime, claimed_path: Path) -> int:
        """Record a file just moved into the working folder; returns its id."""
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (sha256, file_name, received_at, claimed_path)"
                " VALUES (?, ?, ?, ?)",
                (sha256, file_name, iso(received_at), str(claimed_path)),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def begin_attempt(self, id: int) -> int:
        """Count one more start of processing; returns the count (a crash loop shows here)."""
        with self._transaction() as db:
            db.execute("UPDATE submissions SET attempts = attempts + 1 WHERE id = ?", (id,))
            return db.execute("SELECT attempts FROM submissions WHERE id = ?", (id,)).fetchone()[0]

    def finish(self, id: int, result: ProcessResult, archived_path: Path | None) -> None:
        """Record the outcome and where the original is about to be archived (None: there is
        no original left to archive)."""
        with self._transaction() as db:
            self._write_outcome(db, id, result, archived_path)

    def record_processed(
        self,
        sha256: str,
        file_name: str,
        received_at: datetime,
        source: Path,
        result: ProcessResult,
    ) -> int:
        """One finished row in one transaction, for a file processed where it lies (`workflow
        process`, `import-history`): never `claimed`, so the daemon's recovery leaves it alone,
        and its "archive" is the file itself, which stays where the user keeps it."""
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (sha256, file_name, received_at, claimed_path)"
                " VALUES (?, ?, ?, ?)",
                (sha256, file_name, iso(received_at), str(source)),
            )
            assert cur.lastrowid is not None
            self._write_outcome(db, cur.lastrowid, result, source)
            db.execute(
                "UPDATE submissions SET archived_at = ? WHERE id = ?", (now_iso(), cur.lastrowid)
            )
        return cur.lastrowid

    @staticmethod
    def _write_outcome(
        db: sqlite3.Connection, id: int, result: ProcessResult, archived_path: Path | None
    ) -> None:
        # failed reports too: imported history is what was published, mistakes and all, and
        # the cross-year checks fall back on the latest report when none was accepted
        values = result.values if result.status in ("passed", "failed") else None
        db.execute(
            "UPDATE submissions SET status = ?, agency = ?, year = ?, outputs = ?,"
            " result_path = ?, error_count = ?, warning_count = ?, report_values = ?,"
            " archived_path = ?, finished_at = ?, attributed_by = ?, reason = ? WHERE id = ?",
            (
                result.status,
                result.owner_agency,
                result.owner_year,
                json.dumps(result.outputs, ensure_ascii=False),
                str(result.result_path) if result.result_path else None,
                result.error_count,
                result.warning_count,
                json.dumps(values, ensure_ascii=False, default=json_value)
                if values is not None
                else None,
                str(archived_path) if archived_path else None,
                now_iso(),
                result.attribution.by if result.agency is None and result.attribution else None,
                result.reason or None,
                id,
            ),
        )

    def mark_duplicate(self, id: int, original: Record, archived_path: Path) -> None:
        """Record that row `id` holds the same bytes as `original` and was not processed."""
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET status = 'duplicate', duplicate_of = ?, agency = ?,"
                " year = ?, archived_path = ?, finished_at = ? WHERE id = ?",
                (original.id, original.agency, original.year, str(archived_path), now_iso(), id),
            )

    def rehash(self, id: int, sha256: str) -> None:
        """The claimed file changed after it was claimed: it is judged again on these bytes."""
        with self._transaction() as db:
            db.execute("UPDATE submissions SET sha256 = ? WHERE id = ?", (sha256, id))

    def mark_archived(self, id: int, archived_path: Path) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET archived_path = ?, archived_at = ? WHERE id = ?",
                (str(archived_path), now_iso(), id),
            )

    # --- reading --------------------------------------------------------------------------------

    def records(self) -> list[Record]:
        """Every row, in the order taken: the audit trail of who sent what when."""
        return self._all("SELECT * FROM submissions ORDER BY id")

    def get(self, id: int) -> Record | None:
        return self._one("SELECT * FROM submissions WHERE id = ?", id)

    def find_by_claimed_path(self, path: Path) -> Record | None:
        return self._one("SELECT * FROM submissions WHERE claimed_path = ?", str(path))

    def find_done(self, sha256: str) -> Record | None:
        """The first processed row with these bytes."""
        return self._one(
            "SELECT * FROM submissions WHERE sha256 = ?"
            " AND status IN ('passed','failed','rejected') ORDER BY id LIMIT 1",
            sha256,
        )

    def find_original(self, sha256: str, before: int) -> Record | None:
        """The first row with these bytes, taken before row `before` and not itself a
        duplicate: processed or still in hand."""
        return self._one(
            "SELECT * FROM submissions WHERE sha256 = ? AND id < ? AND status != 'duplicate'"
            " ORDER BY id LIMIT 1",
            sha256,
            before,
        )

    def unfinished(self) -> list[Record]:
        """Rows claimed but never finished, oldest first: what a crash left in hand."""
        return self._all("SELECT * FROM submissions WHERE status = 'claimed' ORDER BY id")

    def unarchived(self) -> list[Record]:
        """Finished rows whose original has not reached the archive yet."""
        return self._all(
            "SELECT * FROM submissions WHERE status != 'claimed' AND archived_at IS NULL"
            " AND archived_path IS NOT NULL ORDER BY id"
        )

    def latest(self, year: int | None = None) -> list[Record]:
        """Per agency and year, the latest processed submission (for the office's status view)."""
        return self._all(
            "SELECT * FROM submissions s WHERE status IN ('passed','failed','rejected')"
            " AND agency IS NOT NULL AND (? IS NULL OR year = ?) AND id = ("
            "  SELECT id FROM submissions t WHERE agency_key(t.agency) = agency_key(s.agency)"
            "  AND t.year IS s.year"
            "  AND t.status IN ('passed','failed','rejected')"
            "  ORDER BY t.received_at DESC, t.id DESC LIMIT 1)"
            " ORDER BY year, agency",
            year,
            year,
        )

    def year_rows(self, year: int) -> list[Record]:
        """Every processed row of `year`, oldest first, without their values (the summary's
        states and file lists: the values of one row per agency come from `accepted`)."""
        names = [row[1] for row in self._db.execute("PRAGMA table_info(submissions)")]
        columns = ", ".join("NULL AS report_values" if c == "report_values" else c for c in names)
        return self._all(
            f"SELECT {columns} FROM submissions"
            " WHERE year = ? AND status IN ('passed','failed','rejected') ORDER BY received_at, id",
            year,
        )

    def accepted(self, agency: str, year: int) -> Record | None:
        """The latest passed report of `agency` for `year` (its `values` feed next year's
        cross-year checks); matched by `agency_key`, as the outbox and the summary match."""
        return self._one(
            "SELECT * FROM submissions WHERE agency_key(agency) = ? AND year = ?"
            " AND status = 'passed' ORDER BY received_at DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
        )

    def latest_with_values(self, agency: str, year: int) -> Record | None:
        """The latest passed or failed report of `agency` for `year` whose values were kept
        (imported history, or a submission that did not pass); matched by `agency_key`."""
        return self._one(
            "SELECT * FROM submissions WHERE agency_key(agency) = ? AND year = ?"
            " AND status IN ('passed','failed') AND report_values IS NOT NULL"
            " ORDER BY received_at DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
        )

    def published(self, agency: str, year: int | None) -> Record | None:
        """The latest passed or failed submission of `agency` for `year`: the one whose outputs
        the outbox must show (one folder per `agency_key`, so matched by key)."""
        return self._one(
            "SELECT * FROM submissions WHERE agency_key(agency) = ? AND year IS ?"
            " AND status IN ('passed','failed') ORDER BY received_at DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
        )


def run_statements(db: sqlite3.Connection, script: str) -> None:
    """Run a schema script inside the caller's transaction (`executescript` would commit
    early): one statement at a time."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def ledger_path(config: Config) -> Path:
    return config.state / LEDGER_NAME


def open_ledger(config: Config) -> Ledger:
    return Ledger(ledger_path(config))
