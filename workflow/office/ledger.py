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

Order is `seq`, the claim sequence (`next_sequence` hands it out; see `ledger_rows`): "the
latest submission" is the one claimed last, whatever the clock said. Rows of one agency are
found by the indexed `agency_key` column and "latest per agency" is a window function: no
Python callback runs inside a query, so reading a ledger of years stays fast.

A writer waits at most `lock_seconds` for another process's write lock, then gets
`sqlite3.OperationalError` ("database is locked"): a condition of the moment, never damage.

WAL journal with `synchronous=FULL`: a power cut loses at most the transaction in flight, and
readers (a status view) never block the daemon. Only the daemon's main thread writes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.names import agency_key
from workflow.core.outcome import ProcessResult
from workflow.office.ledger_rows import (
    SELECT,
    Record,
    create_ledger,
    emptied,
    iso,
    json_value,
    now_iso,
)
from workflow.office.ledger_upkeep import (
    ADDED_COLUMNS,
    copy_tables,
    has_table,
    keep_sequence,
    migrate,
    run_statements,
    take_sequence,
    while_locked,
)

log = logging.getLogger("workflow.office.ledger")

__all__ = [
    "LEDGER_NAME",
    "Ledger",
    "LedgerDamaged",
    "Record",
    "ledger_path",
    "ledger_problem",
    "open_ledger",
    "run_statements",
]

LEDGER_NAME = "ledger.sqlite3"

DEFAULT_LOCK_SECONDS = 30.0

_DONE_SQL = "('passed','failed','rejected')"
_SELECT_WITHOUT_VALUES = SELECT.replace("report_values", "NULL AS report_values")


class LedgerDamaged(sqlite3.DatabaseError):
    """The ledger file is not a whole ledger: emptied to 0 bytes, overwritten, or failing
    SQLite's integrity check (`office.rebuild` sets it aside and rebuilds it)."""


def ledger_problem(exc: sqlite3.Error, lock_seconds: float = DEFAULT_LOCK_SECONDS) -> str:
    """One Chinese line for a ledger that cannot be used just now (not a damaged one)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"台账被另一个程序占用，等待 {lock_seconds:g} 秒后仍未释放（{text}）"
    if "readonly" in text or "read-only" in text:
        return f"台账所在的 state 文件夹只读，无法写入（{text}）"
    if "unable to open" in text:
        return f"无法打开台账（state 文件夹不存在、只读或没有权限：{text}）"
    if isinstance(exc, LedgerDamaged):
        return str(exc)
    return f"台账读写出错（{text}）"


class Ledger:
    """The submissions table at `path`; use as a context manager or call `close()`."""

    def __init__(
        self, path: Path, *, readonly: bool = False, lock_seconds: float = DEFAULT_LOCK_SECONDS
    ) -> None:
        """`readonly=True` opens an existing ledger for reading only (a worker looking up last
        year's report, the status view): no schema, no lock that could slow the daemon.
        `lock_seconds`: how long a writer waits for another's lock (`[ledger] lock_seconds`).
        Raises `LedgerDamaged` (an `sqlite3.DatabaseError`) for a ledger that is not whole."""
        self.path = path
        self.lock_seconds = lock_seconds
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
            self._db = sqlite3.connect(
                uri, uri=True, isolation_level=None, timeout=self.lock_seconds
            )
        else:
            if not path.exists():
                create_ledger(path)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=self.lock_seconds)
        try:
            self._db.row_factory = sqlite3.Row
            # Every ledger is made with its table (`create_ledger`): a database without one
            # is some other file put in its place, not a ledger to start afresh in.
            if not has_table(self._db, "submissions"):
                raise sqlite3.DatabaseError("文件中没有台账的数据表")
            if readonly and self._missing_columns():
                self._upgrade_for_reading(path)
            if not readonly:
                patience = self.lock_seconds
                while_locked(lambda: self._db.execute("PRAGMA journal_mode=WAL"), patience)
                self._db.execute("PRAGMA synchronous=FULL")
                while_locked(self._create_schema, patience)
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

    def _missing_columns(self) -> list[str]:
        have = {row[1] for row in self._db.execute("PRAGMA table_info(submissions)")}
        return [column for column, _kind in ADDED_COLUMNS if column not in have]

    def _upgrade_for_reading(self, path: Path) -> None:
        """A ledger of an earlier release, opened first by a reader (`status` right after an
        upgrade): it is brought up to the current schema through a writer once, where the
        state folder allows; otherwise it is read as it is (`_all` reads absent columns as
        NULL), never called damaged."""
        try:
            with Ledger(path, lock_seconds=min(self.lock_seconds, 5.0)):
                pass
        except (sqlite3.Error, OSError, LedgerDamaged) as exc:
            log.info("台账为旧版格式，无法升级（%s），按原样读取", exc)

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

    def _create_schema(self) -> None:
        with self._transaction() as db:
            migrate(db)

    def copy_tables_from(self, other: Path, *, prefix: str) -> int:
        """Copy the tables named `<prefix>…` of the ledger file at `other` into this one (see
        `ledger_upkeep.copy_tables`); returns the rows copied."""
        with self._transaction() as db:
            return copy_tables(db, other, prefix)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for tables that share this file (`office.mail_ledger`)."""
        return self._db

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One IMMEDIATE transaction on `connection`, for tables that share this file."""
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

    # --- writing: one transaction per state change ----------------------------------------------

    def next_sequence(self) -> int:
        """A new claim sequence number, never handed out before (also across a rebuild: the
        counter is kept at least the highest `seq` of any row)."""
        with self._transaction() as db:
            return take_sequence(db)

    def claim(
        self,
        sha256: str,
        file_name: str,
        received_at: datetime,
        claimed_path: Path,
        *,
        seq: int | None = None,
        source: str = "inbox",
        sender: str | None = None,
        message_id: str | None = None,
    ) -> int:
        """Record a file just moved into the working folder; returns its id. It gets the next
        sequence number unless `seq` is given (a rebuild restoring the one it had, with the
        `source`, `sender` and `message_id` it had)."""
        with self._transaction() as db:
            number = take_sequence(db) if seq is None else keep_sequence(db, seq)
            cur = db.execute(
                "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, seq,"
                " source, sender, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256,
                    file_name,
                    iso(received_at),
                    str(claimed_path),
                    number,
                    source,
                    sender,
                    message_id,
                ),
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
        *,
        archived: Path | None = None,
        sender: str | None = None,
        message_id: str | None = None,
    ) -> int:
        """One finished row in one transaction, for a file processed where it lies (`workflow
        process`, `import-history`): never `claimed`, so the daemon's recovery leaves it alone.
        Its archive is `archived` (the copy under archive/process/ or archive/history/), or the
        file itself where none was made. Its sequence is `result.sequence` when the caller
        reserved one (`next_sequence`), else the next one."""
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, sender,"
                " message_id) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    sha256,
                    file_name,
                    iso(received_at),
                    str(source),
                    sender or result.sender,
                    message_id or result.message_id,
                ),
            )
            assert cur.lastrowid is not None
            self._write_outcome(db, cur.lastrowid, result, archived or source)
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
        owner = result.owner_agency
        (seq, source, sender) = db.execute(
            "SELECT seq, source, sender FROM submissions WHERE id = ?", (id,)
        ).fetchone()
        if seq is None:  # a row written by another module (the mail store): number it now
            seq = (
                take_sequence(db) if result.sequence is None else keep_sequence(db, result.sequence)
            )
        source = source or result.source or ("mail" if sender else None)
        db.execute(
            "UPDATE submissions SET status = ?, agency = ?, year = ?, outputs = ?,"
            " result_path = ?, error_count = ?, warning_count = ?, report_values = ?,"
            " archived_path = ?, finished_at = ?, attributed_by = ?, reason = ?,"
            " agency_key = ?, seq = ?, source = ? WHERE id = ?",
            (
                result.status,
                owner,
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
                agency_key(owner) if owner else None,
                seq,
                source,
                id,
            ),
        )

    def mark_duplicate(self, id: int, original: Record, archived_path: Path) -> None:
        """Record that row `id` holds the same bytes as `original` and was not processed."""
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET status = 'duplicate', duplicate_of = ?, agency = ?,"
                " agency_key = ?, year = ?, archived_path = ?, finished_at = ? WHERE id = ?",
                (
                    original.id,
                    original.agency,
                    original.agency_key,
                    original.year,
                    str(archived_path),
                    now_iso(),
                    id,
                ),
            )

    def set_owner(self, id: int, agency: str | None, year: int | None) -> None:
        """Name the agency and year of a row whose file is gone (a rebuild from a result.json
        alone): what the result.json says, with no values."""
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET agency = ?, agency_key = ?, year = ?, attributed_by = NULL"
                " WHERE id = ?",
                (agency, agency_key(agency) if agency else None, year, id),
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

    def _older_select(self, select: str) -> str | None:
        """`select` with NULL for each added column the table lacks; None when nothing is
        missing (or the table itself is gone: then the file is no ledger)."""
        missing = self._missing_columns() if has_table(self._db, "submissions") else []
        if not missing:
            return None
        for column in missing:
            select = re.sub(rf"\b{column}\b", f"NULL AS {column}", select, count=1)
        return select

    def _one(self, sql: str, *args: object, values: bool = True) -> Record | None:
        rows = self._all(sql, *args, values=values)
        return rows[0] if rows else None

    def _all(self, sql: str, *args: object, values: bool = True) -> list[Record]:
        """Rows of `SELECT <COLUMNS> FROM submissions <sql>` (with `values=False`, without
        the report values: the views and the daemon's bookkeeping never read them, and
        parsing them is most of a read's cost). A file that stopped being a ledger under the
        reader (replaced, emptied, its table gone) is reported as `LedgerDamaged`."""
        select = SELECT if values else _SELECT_WITHOUT_VALUES
        try:
            return [Record.from_row(r) for r in self._db.execute(f"{select} {sql}", args)]
        except sqlite3.OperationalError as exc:
            if "no such" not in str(exc):
                raise  # locked, I/O: a condition of the moment
            older = self._older_select(select) if "no such column" in str(exc) else None
            if older is None:
                raise LedgerDamaged(f"台账文件已不是完整的台账（{exc}）") from exc
            try:  # a ledger of an earlier release that could not be upgraded: read as it is
                return [Record.from_row(r) for r in self._db.execute(f"{older} {sql}", args)]
            except sqlite3.OperationalError as again:
                raise LedgerDamaged(f"台账文件已不是完整的台账（{again}）") from again
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, LedgerDamaged):
                raise
            raise LedgerDamaged(f"台账文件已损坏（{exc}）") from exc

    def records(self) -> list[Record]:
        """Every row, in the order taken: the audit trail of who sent what when."""
        return self._all("ORDER BY seq, id")

    def get(self, id: int) -> Record | None:
        return self._one("WHERE id = ?", id)

    def find_by_claimed_path(self, path: Path) -> Record | None:
        return self._one("WHERE claimed_path = ?", str(path))

    def find_done(self, sha256: str) -> Record | None:
        """The first processed row with these bytes."""
        return self._one(
            f"WHERE sha256 = ? AND status IN {_DONE_SQL} ORDER BY seq, id LIMIT 1", sha256
        )

    def find_original(self, sha256: str, before: int) -> Record | None:
        """The first row with these bytes, taken before row `before` and not itself a
        duplicate: processed or still in hand."""
        return self._one(
            "WHERE sha256 = ? AND id < ? AND status != 'duplicate' ORDER BY id LIMIT 1",
            sha256,
            before,
        )

    def unfinished(self) -> list[Record]:
        """Rows claimed but never finished, oldest first: what a crash left in hand."""
        return self._all("WHERE status = 'claimed' ORDER BY seq, id")

    def unarchived(self) -> list[Record]:
        """Finished rows whose original has not reached the archive yet."""
        return self._all(
            "WHERE status != 'claimed' AND archived_at IS NULL AND archived_path IS NOT NULL"
            " ORDER BY seq, id"
        )

    def latest(self, year: int | None = None) -> list[Record]:
        """Per agency and year, the latest processed submission, without its values: one
        window over the (agency_key, year) index, not a subquery per row."""
        return self._all(
            "WHERE id IN (SELECT id FROM ("
            "  SELECT id, ROW_NUMBER() OVER ("
            "    PARTITION BY agency_key, year ORDER BY seq DESC, id DESC) AS newest"
            f"  FROM submissions WHERE status IN {_DONE_SQL} AND agency_key IS NOT NULL"
            "  AND (? IS NULL OR year = ?)) WHERE newest = 1)"
            " ORDER BY year, agency",
            year,
            year,
            values=False,
        )

    def year_rows(self, year: int) -> list[Record]:
        """Every processed row of `year`, in claim order, without their values (the summary's
        states and file lists: the values of one row per agency come from `accepted`)."""
        return self._all(
            f"WHERE year = ? AND status IN {_DONE_SQL} ORDER BY seq, id", year, values=False
        )

    def accepted(self, agency: str, year: int) -> Record | None:
        """The latest passed report of `agency` for `year` (its `values` feed next year's
        cross-year checks); matched by `agency_key`, as the outbox and the summary match."""
        return self._one(
            "WHERE agency_key = ? AND year = ? AND status = 'passed'"
            " ORDER BY seq DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
        )

    def latest_with_values(self, agency: str, year: int) -> Record | None:
        """The latest passed or failed report of `agency` for `year` whose values were kept
        (imported history, or a submission that did not pass); matched by `agency_key`."""
        return self._one(
            "WHERE agency_key = ? AND year = ? AND status IN ('passed','failed')"
            " AND report_values IS NOT NULL ORDER BY seq DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
        )

    def published(self, agency: str, year: int | None) -> Record | None:
        """The latest passed or failed submission of `agency` for `year`, without its values:
        the one whose outputs the outbox must show (one folder per `agency_key`)."""
        return self._one(
            "WHERE agency_key = ? AND year IS ? AND status IN ('passed','failed')"
            " ORDER BY seq DESC, id DESC LIMIT 1",
            agency_key(agency),
            year,
            values=False,
        )

    def years(self) -> list[int]:
        """The report years with processed submissions, newest first."""
        try:
            rows = self._db.execute(
                f"SELECT DISTINCT year FROM submissions WHERE year IS NOT NULL"
                f" AND status IN {_DONE_SQL} ORDER BY year DESC"
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such" not in str(exc):
                raise
            raise LedgerDamaged(f"台账文件已不是完整的台账（{exc}）") from exc
        return [int(year) for (year,) in rows]


def ledger_path(config: Config) -> Path:
    return config.state / LEDGER_NAME


def open_ledger(config: Config) -> Ledger:
    return Ledger(ledger_path(config), lock_seconds=config.ledger_lock_seconds)
