"""The ledger's mail tables: what each mail was, how far its handling got, what we sent.

They live in the same SQLite file as the submissions (`state/ledger.sqlite3`), created on
first use, so an existing ledger gains them without losing a row. `MailStore` is their only
door: it works through the `Ledger`'s public connection and transaction and enters mailed
attachments through `Ledger.record_processed`. A mail is known by its `key` (its Message-ID,
or the hash of its bytes when it has none) — not by its UID, which a UIDVALIDITY change
renumbers — and, for the clerk, by its `number` (the row number shown by `workflow status`
and taken by `workflow mail --accept`).

The one vocabulary of states (`STATES`, with the Chinese the clerk reads), each committed
before the next step starts:

    received   the raw .eml is in the archive
    held       held for the clerk (stranger, forged, or failing every attempt): nothing
               processed, until `workflow mail --accept` says go on; a registered agency's
               mail too large to download comes here after its reply went out
    processed  every workbook went through the pipeline; the verdicts are stored
    pending    a reply is due and no SMTP server has accepted it yet (`last_error`: why)
    sent       the reply step is over: SMTP answered 250 and it is in `mail_sent` (recorded
               in the same transaction as this state), or no reply was due
    done       the message carries our keyword and sits in its folder on the server
    rebuilt    known only from the archive after a ledger rebuild; the next pass decides
               from the Sent folder whether its reply went out (`office.mail_rebuild`)

A reply counts as sent only when it is in `mail_sent`; everything else is sent (again) —
at least once, and twice only if the process dies between the server's 250 and our commit.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.atomic import atomic_write_bytes
from workflow.core.outcome import ProcessResult
from workflow.office.ledger import (
    DEFAULT_LOCK_SECONDS,
    Ledger,
    Record,
    ledger_path,
    run_statements,
)
from workflow.office.ledger_upkeep import add_columns, has_table
from workflow.office.mail_verdict import Verdict

__all__ = [
    "FACTS_NAME",
    "JOURNAL_NAME",
    "KINDS",
    "STATES",
    "MailRow",
    "MailStore",
    "Verdict",
    "insert_message",
    "open_mail_store",
    "resume_replies",
]

STATES = {
    "received": "已收到，待处理",
    "held": "待人工处理",
    "processed": "已校验，待回复",
    "pending": "回复待发送",
    "sent": "已回复",
    "done": "已完成",
    "rebuilt": "据存档重建，待与“已发送”核对",
}
"""Every state a mail can be in, and how the clerk reads it."""

KINDS = {
    "submission": "报送",
    "no_workbook": "无附件",
    "refused": "待人工处理",
    "ignored": "无需回复",
    "bounce": "退信",
    "too_large": "邮件过大",
    "other_files": "无工作簿",
    "unknown": "待分类",
}
"""What a mail was, and how the clerk reads it."""

_OLD_STATES = ("sending", "appended")
"""States of earlier releases: a reply maybe in Sent, not recorded as accepted -> pending."""

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
    kind         TEXT NOT NULL,
    reason       TEXT,
    reply_id     TEXT,
    state        TEXT NOT NULL,
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
);
CREATE TABLE IF NOT EXISTS mail_failures (
    subject      TEXT PRIMARY KEY,  -- "key:<mail key>" or "uid:<uidvalidity>:<uid>"
    count        INTEGER NOT NULL,
    last_error   TEXT NOT NULL
)
"""

_ADDED_COLUMNS = {"last_error": "TEXT", "reply_due": "INTEGER", "accepted_at": "TEXT"}
"""Columns of `mail_messages` added after its first release: older ledgers get them on open."""


FACTS_NAME = "mail.json"
JOURNAL_NAME = "blocks.jsonl"


def _write_facts(folder: Path, facts: dict[str, object]) -> None:
    """`facts` as mail.json in the mail's archive folder (replaced whole, atomically)."""
    text = json.dumps(facts, ensure_ascii=False, indent=1)
    atomic_write_bytes(folder / FACTS_NAME, text.encode("utf-8"))


def _journal_block(archive: Path, address: str, since: str, reason: str | None) -> None:
    """Append a block (`reason`) or an unblock (`reason` None) of `address` to the journal."""
    path = archive / "mail" / JOURNAL_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"address": address, "since": since, "reason": reason}, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _now() -> datetime:
    return datetime.now().astimezone()


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class MailRow:
    number: int
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
    last_error: str | None = None
    reply_due: int | None = None
    accepted_at: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MailRow:
        data = dict(row)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return cls(**data)

    @property
    def state_text(self) -> str:
        return STATES.get(self.state, self.state)


_SELECT = "SELECT rowid AS number, * FROM mail_messages"


def insert_message(db: sqlite3.Connection, values: dict[str, Any]) -> int:
    """Insert a mail's row (its columns by name) unless its key is known already, inside the
    caller's transaction; returns 1 when inserted, else 0 (`MailStore.add`, and
    `office.mail_rebuild` filling the table from the archive)."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = db.execute(
        f"INSERT OR IGNORE INTO mail_messages ({names}) VALUES ({marks})", tuple(values.values())
    )
    return cur.rowcount


def _insert_sent(db: sqlite3.Connection, message_id: str, to: str, kind: str, when: str) -> None:
    """Record a message the SMTP server accepted, unless it is recorded already."""
    db.execute(
        "INSERT OR IGNORE INTO mail_sent (message_id, to_addr, kind, sent_at) VALUES (?, ?, ?, ?)",
        (message_id, to, kind, when),
    )


class MailStore:
    """The mail tables of one ledger. Opened on a path (its own `Ledger`, closed with it) or
    over an open `Ledger` (`MailStore.over`, e.g. inside a ledger rebuild). With `archive`,
    each mail's facts are also written beside its .eml and each block / unblock into a journal
    there, from which `office.mail_rebuild` rebuilds these tables."""

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        archive: Path | None = None,
        lock_seconds: float = DEFAULT_LOCK_SECONDS,
    ) -> None:
        """`lock_seconds`: how long to wait for another program's lock on the ledger (the
        office's `[ledger] lock_seconds` for a command; the ledger's default otherwise)."""
        ledger = Ledger(path, readonly=readonly, lock_seconds=lock_seconds)
        self._setup(ledger, owned=True, readonly=readonly, archive=archive)

    @classmethod
    def over(cls, ledger: Ledger, *, archive: Path | None = None) -> MailStore:
        """The mail tables of an open, writable `ledger` (which stays open after `close`)."""
        store = cls.__new__(cls)
        store._setup(ledger, owned=False, readonly=False, archive=archive)
        return store

    def _setup(self, ledger: Ledger, *, owned: bool, readonly: bool, archive: Path | None) -> None:
        self._ledger, self._owned, self.archive = ledger, owned, archive
        self._db = ledger.connection
        if not readonly:
            with ledger.transaction() as db:
                run_statements(db, _SCHEMA)
                add_columns(db, "mail_messages", _ADDED_COLUMNS.items())
                marks = ", ".join("?" for _ in _OLD_STATES)
                db.execute(
                    f"UPDATE mail_messages SET state = 'pending' WHERE state IN ({marks})",
                    _OLD_STATES,
                )

    def close(self) -> None:
        if self._owned:
            self._ledger.close()

    def __enter__(self) -> MailStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    def _has_tables(self) -> bool:
        return has_table(self._db, "mail_messages")

    # --- messages -------------------------------------------------------------------------------

    def get(self, key: str) -> MailRow | None:
        row = self._db.execute(f"{_SELECT} WHERE key = ?", (key,)).fetchone()
        return MailRow.from_row(row) if row else None

    def by_number(self, number: int) -> MailRow | None:
        row = self._db.execute(f"{_SELECT} WHERE rowid = ?", (number,)).fetchone()
        return MailRow.from_row(row) if row else None

    def key_of_uid(self, uidvalidity: int, uid: int) -> str | None:
        row = self._db.execute(
            "SELECT key FROM mail_uids WHERE uidvalidity = ? AND uid = ?", (uidvalidity, uid)
        ).fetchone()
        return row[0] if row else None

    def add(self, row: dict[str, Any], *, state: str = "received") -> MailRow:
        """Record a mail just archived (`received`, or `held` with its reason), with where the
        server holds it; returns the row."""
        values = {**row, "received_at": _iso(row["received_at"]), "state": state}
        with self._ledger.transaction() as db:
            insert_message(db, values)
            self._seen(db, values["key"], values.get("uidvalidity"), values.get("uid"))
        return self._written(values["key"])

    def _written(self, key: str) -> MailRow:
        """The row as it now stands; its facts copied beside its .eml (for a rebuild)."""
        row = self.get(key)
        assert row is not None
        if self.archive is not None and row.eml_path:
            _write_facts(Path(row.eml_path).parent, row_facts(row))
        return row

    def seen_at(self, key: str, uidvalidity: int, uid: int) -> None:
        with self._ledger.transaction() as db:
            self._seen(db, key, uidvalidity, uid)

    @staticmethod
    def _seen(db: sqlite3.Connection, key: str, uidvalidity: int | None, uid: int | None) -> None:
        if uidvalidity is not None and uid is not None:
            db.execute(
                "INSERT OR REPLACE INTO mail_uids (uidvalidity, uid, key) VALUES (?, ?, ?)",
                (uidvalidity, uid, key),
            )

    def set_state(self, key: str, state: str, **columns: object) -> None:
        """Move a mail to `state` (one of `STATES`), with any other columns, in one commit."""
        if state not in STATES:
            raise ValueError(state)
        self._update(self._db, key, state, columns)

    @staticmethod
    def _update(db: sqlite3.Connection, key: str, state: str, columns: dict[str, object]) -> None:
        stamp = {"sent": "sent_at", "done": "done_at"}.get(state)
        if stamp:
            columns[stamp] = _iso(_now())
        columns["state"] = state
        assigns = ", ".join(f"{name} = ?" for name in columns)
        db.execute(f"UPDATE mail_messages SET {assigns} WHERE key = ?", (*columns.values(), key))

    def decide(self, key: str, *, reply_due: bool, why: str | None = None) -> MailRow:
        """The reply decision, made once after processing: `pending` (with `why` it waits) or,
        when none is due, `sent` (the reply step is over)."""
        state = "pending" if reply_due else "sent"
        with self._ledger.transaction() as db:
            self._update(db, key, state, {"reply_due": int(reply_due), "last_error": why})
        return self._written(key)

    def wait(self, key: str, why: str) -> None:
        """The reply stays `pending`; `why` (Chinese) is what `workflow status` shows."""
        with self._ledger.transaction() as db:
            self._update(db, key, "pending", {"last_error": why})

    def accepted(self, key: str, message_id: str, to: str, kind: str) -> None:
        """SMTP answered 250 to our reply: recorded, and the mail moved to `sent`, together."""
        with self._ledger.transaction() as db:
            _insert_sent(db, message_id, to, kind, _iso(_now()))
            self._update(db, key, "sent", {"last_error": None})

    def hold(self, key: str, reason: str) -> MailRow:
        """Hold the mail for the clerk with `reason` (Chinese); nothing more is done with it."""
        with self._ledger.transaction() as db:
            self._update(db, key, "held", {"reason": reason})
        return self._written(key)

    def accept(self, number: int, kind: str, agency: str | None) -> MailRow:
        """The clerk checked held mail `number`: it goes on as `kind`, from `received`."""
        row = self.by_number(number)
        if row is None or row.state != "held":
            raise KeyError(number)
        columns: dict[str, object] = {"kind": kind, "agency": agency, "accepted_at": _iso(_now())}
        with self._ledger.transaction() as db:
            self._update(db, row.key, "received", columns)
            db.execute("DELETE FROM mail_failures WHERE subject = ?", (f"key:{row.key}",))
        return self._written(row.key)

    def first_pass_date(self) -> date:
        """The day of the first pass over this mailbox (recorded by it). Mail that arrived
        before it is left alone unless `[mail] since` says otherwise: turning the intake on
        must not answer, or process, years of old mail in the office mailbox."""
        today = _now().date().isoformat()
        with self._ledger.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_meta (name, value) VALUES ('first_pass', ?)", (today,)
            )
            row = db.execute("SELECT value FROM mail_meta WHERE name = 'first_pass'").fetchone()
        return date.fromisoformat(row[0])

    # --- failures (poison mail) -----------------------------------------------------------------

    def failed(self, subject: str, error: str) -> int:
        """Count one more failed attempt at `subject`; returns the count."""
        with self._ledger.transaction() as db:
            db.execute(
                "INSERT INTO mail_failures (subject, count, last_error) VALUES (?, 1, ?)"
                " ON CONFLICT(subject) DO UPDATE SET count = count + 1, last_error = ?",
                (subject, error, error),
            )
            row = db.execute(
                "SELECT count FROM mail_failures WHERE subject = ?", (subject,)
            ).fetchone()
        return int(row[0])

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
        text = json.dumps(verdict.to_json(), ensure_ascii=False)
        with self._ledger.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO mail_attachments"
                " (key, position, sha256, file_name, submission, verdict) VALUES (?,?,?,?,?,?)",
                (key, position, sha256, verdict.file, submission, text),
            )

    def next_sequence(self) -> int:
        """A claim sequence number for a mailed attachment, taken before it is processed, so
        that its result.json, its ledger row and a rebuilt row agree (`Ledger.next_sequence`)."""
        return self._ledger.next_sequence()

    def record_submission(
        self, source: Path, result: ProcessResult, *, sender: str, message_id: str | None
    ) -> int:
        """Enter a mailed attachment, processed where it lies in the archive, into the
        submissions table with its sender and Message-ID (`Ledger.record_processed`)."""
        received = result.received_at or _now()
        return self._ledger.record_processed(
            result.sha256,
            result.file,
            received,
            source,
            result,
            sender=sender,
            message_id=message_id,
        )

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

    def record_sent(self, message_id: str, to: str, kind: str, when: str | None = None) -> None:
        """Record a message the SMTP server accepted (a reminder; a copy found in Sent)."""
        with self._ledger.transaction() as db:
            _insert_sent(db, message_id, to, kind, when or _iso(_now()))

    def was_accepted(self, message_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM mail_sent WHERE message_id = ?", (message_id,)
        ).fetchone()
        return row is not None

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
        since = _iso(_now())
        with self._ledger.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_blocked (address, since, reason) VALUES (?, ?, ?)",
                (address, since, reason),
            )
        if self.archive is not None:
            _journal_block(self.archive, address, since, reason)

    def unblock(self, address: str) -> bool:
        with self._ledger.transaction() as db:
            cur = db.execute("DELETE FROM mail_blocked WHERE address = ?", (address.lower(),))
        if self.archive is not None and cur.rowcount:
            _journal_block(self.archive, address.lower(), _iso(_now()), None)
        return cur.rowcount > 0

    def is_blocked(self, address: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM mail_blocked WHERE address = ?", (address,)
        ).fetchone()
        return row is not None

    def blocked(self) -> list[tuple[str, str, str]]:
        if not self._has_tables():
            return []
        rows = self._db.execute("SELECT address, since, reason FROM mail_blocked")
        return [(str(a), str(s), str(r)) for a, s, r in rows]

    def take_daily_note(self, address: str) -> bool:
        """True the first time today that `address` is due a note (and remember it)."""
        day = _now().date().isoformat()
        with self._ledger.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO mail_notes (address, day) VALUES (?, ?)", (address, day)
            )
        return cur.rowcount == 1

    # --- after a ledger rebuild -----------------------------------------------------------------

    def needs_reconcile(self) -> bool:
        """Whether the tables were rebuilt from the archive and not yet matched with Sent."""
        row = self._db.execute("SELECT 1 FROM mail_meta WHERE name = 'reconcile_sent'").fetchone()
        return row is not None

    def reconciled(self) -> None:
        """Rows rebuilt from the archive: their reply in `mail_sent` (found in Sent) -> done;
        else handled again from `received` (a reply that never went out goes out now)."""
        with self._ledger.transaction() as db:
            db.execute(
                "UPDATE mail_messages SET state = 'done' WHERE state = 'rebuilt'"
                " AND reply_id IN (SELECT message_id FROM mail_sent)"
            )
            db.execute("UPDATE mail_messages SET state = 'received' WHERE state = 'rebuilt'")
            db.execute("DELETE FROM mail_meta WHERE name = 'reconcile_sent'")

    # --- the office's view ----------------------------------------------------------------------

    def rows(self, kind: str | None = None) -> list[MailRow]:
        if not self._has_tables():
            return []
        rows = self._db.execute(
            f"{_SELECT} WHERE (? IS NULL OR kind = ?) ORDER BY received_at", (kind, kind)
        )  # an old ledger read as it is: MailRow defaults the columns added since
        return [MailRow.from_row(r) for r in rows]

    def unfinished(self) -> list[MailRow]:
        """Mail whose handling is not over (held mail waits for the clerk: not counted)."""
        return [r for r in self.rows() if r.state not in ("done", "held")]


def open_mail_store(config: Config) -> MailStore:
    """The office's mail store as every writer opens it: journalling into the archive (so a
    rebuilt ledger keeps what was done) and waiting `[ledger] lock_seconds` for another
    program's write."""
    return MailStore(
        ledger_path(config), archive=config.archive, lock_seconds=config.ledger_lock_seconds
    )


def resume_replies(config: Config, addresses: Iterable[str]) -> Iterator[tuple[bool, str]]:
    """`workflow mail --unblock` and the web page's "resume replies": each address's bounce
    block lifted, one by one, and journalled in the archive, so that a ledger rebuilt from it
    keeps the address unblocked. Yields (whether it was blocked, the clerk's line)."""
    with open_mail_store(config) as store:
        for address in addresses:
            done = store.unblock(address)
            yield done, f"{address}：{'已恢复自动回复' if done else '未被暂停，无需恢复'}"


def row_facts(row: MailRow) -> dict[str, object]:
    """What a rebuild needs to know of a mail (written beside its .eml as mail.json)."""
    return {
        "key": row.key,
        "message_id": row.message_id,
        "sender": row.sender,
        "agency": row.agency,
        "subject": row.subject,
        "received_at": _iso(row.received_at),
        "kind": row.kind,
        "reason": row.reason,
        "reply_id": row.reply_id,
        "state": row.state,
        "reply_due": row.reply_due,
        "accepted_at": row.accepted_at,
    }
