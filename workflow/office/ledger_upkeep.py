"""Keeping a ledger in shape: its schema brought up to date on open (columns added after the
first release, their indexes and backfill), the claim sequence handed out, tables copied
from another ledger file, and patience with another process's lock.

Functions on a connection, each run inside the caller's transaction (`Ledger` owns the
transactions); `ledger.py` is what the rest of the program calls.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from workflow.core.names import agency_key
from workflow.office.ledger_rows import INDEXES, SCHEMA

__all__ = [
    "ADDED_COLUMNS",
    "add_columns",
    "copy_tables",
    "has_table",
    "keep_sequence",
    "migrate",
    "run_statements",
    "take_sequence",
    "while_locked",
]

ADDED_COLUMNS = (
    ("attributed_by", "TEXT"),
    ("reason", "TEXT"),
    ("sender", "TEXT"),
    ("message_id", "TEXT"),
    ("seq", "INTEGER"),
    ("agency_key", "TEXT"),
    ("source", "TEXT"),
)
"""Columns added after the first release: older ledgers get them on open (and a backfill)."""


def while_locked(action: Callable[[], object], patience: float) -> None:
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


def migrate(db: sqlite3.Connection) -> None:
    """Bring the ledger of `db` up to the current schema (a no-op on a current one)."""
    run_statements(db, SCHEMA)
    add_columns(db, "submissions", ADDED_COLUMNS)
    run_statements(db, INDEXES)
    _backfill(db)


def add_columns(db: sqlite3.Connection, table: str, columns: Iterable[tuple[str, str]]) -> None:
    """Add each (name, SQL type) of `columns` that `table` lacks (a table of an earlier
    release), inside the caller's transaction."""
    have = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    for column, kind in columns:
        if column not in have:
            db.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} {kind}')


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether the database of `db` holds a table called `name`."""
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def take_sequence(db: sqlite3.Connection) -> int:
    """The next sequence number, inside the caller's transaction."""
    db.execute(
        "INSERT INTO ledger_meta (name, value) VALUES ('sequence', 1)"
        " ON CONFLICT(name) DO UPDATE SET value = value + 1"
    )
    return int(db.execute("SELECT value FROM ledger_meta WHERE name = 'sequence'").fetchone()[0])


def keep_sequence(db: sqlite3.Connection, seq: int) -> int:
    """Use `seq` (restored by a rebuild, or reserved earlier) and keep the counter above it."""
    db.execute(
        "INSERT INTO ledger_meta (name, value) VALUES ('sequence', ?)"
        " ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)",
        (seq,),
    )
    return seq


def _backfill(db: sqlite3.Connection) -> None:
    """Fill the columns a ledger of an earlier release lacks: `agency_key` from the agency
    (in Python, once, never inside a query), `seq` from the row order (which was the claim
    order), and the sequence counter at least the highest `seq`."""
    missing = db.execute(
        "SELECT id, agency FROM submissions WHERE agency IS NOT NULL AND agency_key IS NULL"
    ).fetchall()
    if missing:
        db.executemany(
            "UPDATE submissions SET agency_key = ? WHERE id = ?",
            [(agency_key(name), id) for id, name in missing],
        )
    db.execute("UPDATE submissions SET seq = id WHERE seq IS NULL")
    (highest,) = db.execute("SELECT max(seq) FROM submissions").fetchone()
    if highest is not None:
        keep_sequence(db, int(highest))


def run_statements(db: sqlite3.Connection, script: str) -> None:
    """Run a schema script inside the caller's transaction (`executescript` would commit
    early): one statement at a time."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def copy_tables(db: sqlite3.Connection, other: Path, prefix: str) -> int:
    """Copy the tables named `<prefix>…` of the ledger file at `other` into the ledger of
    `db`, inside the caller's transaction (a rebuild keeping the mail tables); returns the
    rows copied. A table `db` lacks is made as `other` made it; only the columns both tables
    have are copied. Raises `sqlite3.Error` when `other` cannot be read."""
    copied = 0
    source = sqlite3.connect(f"{other.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = source.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
            (prefix + "%",),
        ).fetchall()
        indexes = source.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE ?"
            " AND sql IS NOT NULL",
            (prefix + "%",),
        ).fetchall()
        have = {n for (n,) in db.execute("SELECT name FROM sqlite_master")}
        for name, sql in tables:  # tables this ledger lacks, as the other made them
            if name not in have:
                db.execute(sql)
        for (sql,) in indexes:
            with contextlib.suppress(sqlite3.OperationalError):  # exists already
                db.execute(sql)
        for name, _sql in tables:
            mine = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]
            theirs = {r[1] for r in source.execute(f'PRAGMA table_info("{name}")')}
            shared = [c for c in mine if c in theirs]
            if not shared:
                continue
            columns = ", ".join(f'"{c}"' for c in shared)
            rows = source.execute(f'SELECT {columns} FROM "{name}"').fetchall()
            marks = ", ".join("?" for _ in shared)
            db.executemany(f'INSERT OR IGNORE INTO "{name}" ({columns}) VALUES ({marks})', rows)
            copied += len(rows)
    finally:
        source.close()
    return copied
