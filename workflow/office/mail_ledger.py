"""The ledger's mail tables: what each mail was, how far its handling got, what we sent.

They live in the same SQLite file as the submissions (`state/ledger.sqlite3`) and are created
on first use, so an existing ledger gains them without losing a row. A mail is known by its
`key` (its Message-ID, or the hash of its bytes when it has none) — not by its UID, which a
UIDVALIDITY change renumbers — and its handling advances through states, each committed before
the next step starts:

    received   the raw .eml is in the archive
    processed  every workbook went through the pipeline; the verdicts are stored
    sending    the reply is built; it is (being) appended to Sent, then handed to SMTP
    sent       SMTP accepted the reply
    done       the message carries our keyword and sits in its folder on the server

Before a reply is sent, its fixed Message-ID is looked up in the Sent folder (where it is
appended before SMTP): there means sent — after a crash between `sending` and `sent`, or with
a ledger lost or restored from an old backup — so a reply is never sent twice. `appended`
marks a reply in Sent that SMTP surely refused; it is sent on the next pass.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from workflow.core.outcome import ProcessResult
from workflow.office.ledger import Ledger, Record, run_statements

__all__ = ["MailRow", "MailStore", "Verdict"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_messages (
    key          TEXT PRIMARY KEY,
    message_id   TEXT,
    uidvalidity  INTEGER,
    uid          INTEGER,
    sender       TEXT NOT NULL,
    agency       TEXT,
    subject      TEXT,
    received_at  TEXT NOT NULL,
    eml_path     TEXT,
    kind         TEXT NOT NULL,   -- submission | no_workbook | refused | ignored | bounce
    reason       TEXT,
    reply_id     TEXT,
    state        TEXT NOT NULL,   -- received | processed | sending | sent | done
    sent_at      TEXT,
    done_at      TEXT
);
CREATE INDEX IF NOT EXISTS mail_messages_sender ON mail_messages(sender);
CREATE TABLE IF NOT EXISTS mail_uids (
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    key          TEXT NOT NULL,
    PRIMARY KEY (uidvalidity, uid)
);
CREATE TABLE IF NOT EXISTS mail_attachments (
    key          TEXT NOT NULL,
    position     INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    submission   INTEGER,
    verdict      TEXT NOT NULL,
    PRIMARY KEY (key, position)
);
CREATE TABLE IF NOT EXISTS mail_sent (
    message_id   TEXT PRIMARY KEY,
    to_addr      TEXT NOT NULL,
    kind         TEXT NOT NULL,   -- reply | note | remind
    sent_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_blocked (
    address      TEXT PRIMARY KEY,
    since        TEXT NOT NULL,
    reason       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_meta (
    name         TEXT PRIMARY KEY,
    value        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_notes (
    address      TEXT NOT NULL,
    day          TEXT NOT NULL,
    PRIMARY KEY (address, day)
)
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one attachment, as the reply tells it (kept in the ledger as JSON)."""

    file: str
    status: str  # passed | failed | rejected | wrong_agency | too_big | unopened
    agency: str | None = None
    year: int | None = None
    messages: tuple[str, ...] = ()  # the errors (or the reason), in Chinese
    warnings: int = 0
    attach: tuple[str, ...] = ()  # paths of files to attach
    advice: str = ""  # for a refused file: what to do, agreeing with its reason
    notes: tuple[str, ...] = ()  # the warnings, each naming its sheet and place

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "status": self.status, "agency": self.agency,
                "year": self.year, "messages": list(self.messages), "warnings": self.warnings,
                "attach": list(self.attach), "advice": self.advice,
                "notes": list(self.notes)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Verdict:
        return cls(
            file=str(data["file"]), status=str(data["status"]),
            agency=data.get("agency") or None,  # type: ignore[arg-type]
            year=data.get("year") or None,  # type: ignore[arg-type]
            messages=tuple(data.get("messages") or ()),  # type: ignore[arg-type]
            warnings=int(data.get("warnings") or 0),  # type: ignore[call-overload]
            attach=tuple(data.get("attach") or ()),  # type: ignore[arg-type]
            advice=str(data.get("advice") or ""),
            notes=tuple(data.get("notes") or ()),  # type: ignore[arg-type]
        )  # fmt: skip


def _now() -> datetime:
    return datetime.now().astimezone()


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class MailRow:
    key: str
    message_id: str | None
    uidvalidity: int | None
    uid: int | None
    sender: str
    agency: str | None
    subject: str | None
    received_at: datetime
    eml_path: str | None
    kind: str
    reason: str | None
    reply_id: str | None
    state: str
    sent_at: str | None
    done_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MailRow:
        data = dict(row)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return cls(**data)


class MailStore:
    """The mail tables of the ledger at `path` (its own connection; WAL lets the folder intake
    write at the same time)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        # A writing Ledger creates the submissions table and its migration first.
        self._ledger = Ledger(path, readonly=readonly)
        self._db = self._ledger._db
        if not readonly:
            with self._tx() as db:
                run_statements(db, _SCHEMA)

    def close(self) -> None:
        self._ledger.close()

    def __enter__(self) -> MailStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._ledger._transaction() as db:
            yield db

    def _has_tables(self) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='mail_messages'"
        ).fetchone()
        return row is not None

    # --- messages -------------------------------------------------------------------------------

    def get(self, key: str) -> MailRow | None:
        row = self._db.execute("SELECT * FROM mail_messages WHERE key = ?", (key,)).fetchone()
        return MailRow.from_row(row) if row else None

    def key_of_uid(self, uidvalidity: int, uid: int) -> str | None:
        row = self._db.execute(
            "SELECT key FROM mail_uids WHERE uidvalidity = ? AND uid = ?", (uidvalidity, uid)
        ).fetchone()
        return row[0] if row else None

    def add(self, row: dict[str, Any]) -> None:
        """Record a mail just archived (state `received`), with where the server holds it."""
        row = {**row, "received_at": _iso(row["received_at"]), "state": "received"}
        with self._tx() as db:
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            db.execute(
                f"INSERT OR IGNORE INTO mail_messages ({names}) VALUES ({marks})",
                tuple(row.values()),
            )
            self._seen(db, row["key"], row.get("uidvalidity"), row.get("uid"))

    def seen_at(self, key: str, uidvalidity: int, uid: int) -> None:
        with self._tx() as db:
            self._seen(db, key, uidvalidity, uid)

    @staticmethod
    def _seen(db: sqlite3.Connection, key: str, uidvalidity: int | None, uid: int | None) -> None:
        if uidvalidity is not None and uid is not None:
            db.execute(
                "INSERT OR REPLACE INTO mail_uids (uidvalidity, uid, key) VALUES (?, ?, ?)",
                (uidvalidity, uid, key),
            )

    def set_state(self, key: str, state: str, **columns: object) -> None:
        stamp = {"sent": "sent_at", "done": "done_at"}.get(state)
        if stamp:
            columns[stamp] = _iso(_now())
        columns["state"] = state
        assigns = ", ".join(f"{name} = ?" for name in columns)
        with self._tx() as db:
            db.execute(
                f"UPDATE mail_messages SET {assigns} WHERE key = ?", (*columns.values(), key)
            )

    def first_pass_date(self) -> date:
        """The day of the first pass over this mailbox (recorded by it). Mail that arrived
        before it is left alone unless `[mail] since` says otherwise: turning the intake on
        must not answer, or process, years of old mail in the office mailbox."""
        today = _now().date().isoformat()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_meta (name, value) VALUES ('first_pass', ?)", (today,)
            )
            row = db.execute("SELECT value FROM mail_meta WHERE name = 'first_pass'").fetchone()
        return date.fromisoformat(row[0])

    # --- attachments ----------------------------------------------------------------------------

    def verdicts(self, key: str) -> dict[int, Verdict]:
        rows = self._db.execute(
            "SELECT position, verdict FROM mail_attachments WHERE key = ? ORDER BY position",
            (key,),
        )
        return {pos: Verdict.from_json(json.loads(text)) for pos, text in rows}

    def add_verdict(
        self, key: str, position: int, sha256: str, verdict: Verdict, submission: int | None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO mail_attachments"
                " (key, position, sha256, file_name, submission, verdict) VALUES (?,?,?,?,?,?)",
                (key, position, sha256, verdict.file, submission,
                 json.dumps(verdict.to_json(), ensure_ascii=False)),
            )  # fmt: skip

    def record_submission(
        self, source: Path, result: ProcessResult, *, sender: str, message_id: str | None
    ) -> int:
        """Enter a mailed attachment, processed where it lies in the archive, into the
        submissions table with its sender and Message-ID, in one transaction (as
        `Ledger.record_processed` enters a file given on the command line)."""
        received = result.received_at or _now()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, sender,"
                " message_id) VALUES (?, ?, ?, ?, ?, ?)",
                (result.sha256, result.file, _iso(received), str(source), sender, message_id),
            )
            assert cur.lastrowid is not None
            Ledger._write_outcome(db, cur.lastrowid, result, source)
            db.execute(
                "UPDATE submissions SET archived_at = ? WHERE id = ?", (_iso(_now()), cur.lastrowid)
            )
        return cur.lastrowid

    def submission_of(self, message_id: str | None, sha256: str) -> Record | None:
        """The ledger row of this attachment of this mail, if it was processed already."""
        if not message_id:
            return None
        row = self._db.execute(
            "SELECT id FROM submissions WHERE message_id = ? AND sha256 = ?"
            " AND status IN ('passed','failed','rejected') ORDER BY id DESC LIMIT 1",
            (message_id, sha256),
        ).fetchone()
        return self._ledger.get(row[0]) if row else None

    # --- what we sent, bounces, limits ----------------------------------------------------------

    def record_sent(self, message_id: str, to: str, kind: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_sent (message_id, to_addr, kind, sent_at)"
                " VALUES (?, ?, ?, ?)",
                (message_id, to, kind, _iso(_now())),
            )

    def sent_to(self, message_ids: list[str]) -> list[str]:
        """The addresses our messages with these ids went to (a bounce names them)."""
        found = []
        for mid in message_ids:
            row = self._db.execute(
                "SELECT to_addr FROM mail_sent WHERE message_id = ?", (mid,)
            ).fetchone()
            if row:
                found.append(row[0])
        return found

    def replies_within(self, address: str, hours: float = 1.0) -> int:
        since = _iso(_now() - timedelta(hours=hours))
        row = self._db.execute(
            "SELECT COUNT(*) FROM mail_sent WHERE to_addr = ? AND sent_at >= ?", (address, since)
        ).fetchone()
        return int(row[0])

    def block(self, address: str, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_blocked (address, since, reason) VALUES (?, ?, ?)",
                (address, _iso(_now()), reason),
            )

    def unblock(self, address: str) -> bool:
        with self._tx() as db:
            cur = db.execute("DELETE FROM mail_blocked WHERE address = ?", (address.lower(),))
        return cur.rowcount > 0

    def is_blocked(self, address: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM mail_blocked WHERE address = ?", (address,)
        ).fetchone()
        return row is not None

    def blocked(self) -> list[tuple[str, str, str]]:
        if not self._has_tables():
            return []
        return list(self._db.execute("SELECT address, since, reason FROM mail_blocked"))

    def take_daily_note(self, address: str) -> bool:
        """True the first time today that `address` is due a note (and remember it)."""
        day = _now().date().isoformat()
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO mail_notes (address, day) VALUES (?, ?)", (address, day)
            )
        return cur.rowcount == 1

    # --- the office's view ----------------------------------------------------------------------

    def rows(self, kind: str | None = None) -> list[MailRow]:
        if not self._has_tables():
            return []
        rows = self._db.execute(
            "SELECT * FROM mail_messages WHERE (? IS NULL OR kind = ?) ORDER BY received_at",
            (kind, kind),
        )
        return [MailRow.from_row(r) for r in rows]

    def unfinished(self) -> list[MailRow]:
        return [r for r in self.rows() if r.state != "done"]
