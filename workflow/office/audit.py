"""The web page's audit trail: who did what, when, from where, and how it ended.

Every action taken on the office's web page (a reminder round sent, replies resumed for an
address, a held mail taken in or left) is one row of `web_audit` in the ledger's database, the
office's one record of what happened in the season; the page shows the latest rows. The table
is created on first use (CREATE TABLE IF NOT EXISTS), so an existing ledger gains it without
losing anything, and the daemon, which never reads it, is not concerned.

`record_action` is the one function every action calls; it opens the ledger for writing for
one transaction (WAL: the daemon writing at the same time only waits a moment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workflow.office.ledger import Ledger, run_statements
from workflow.office.ledger_upkeep import has_table

__all__ = ["AuditEntry", "recent_actions", "record_action"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_audit (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,     -- ISO 8601 with offset
    user     TEXT NOT NULL,     -- the web user's name
    address  TEXT NOT NULL,     -- the browser's IP address as the server saw it
    action   TEXT NOT NULL,     -- a stable code: remind.send, mail.resume, mail.accept, ...
    target   TEXT NOT NULL,     -- what it was about: a year, an address, a mail's key
    outcome  TEXT NOT NULL,     -- what came of it, in Chinese, as the page said it
    ok       INTEGER NOT NULL   -- 1 done, 0 refused or failed
);
CREATE INDEX IF NOT EXISTS web_audit_target ON web_audit(target)
"""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    address: str
    action: str
    target: str
    outcome: str
    ok: bool


def record_action(
    ledger_file: Path,
    *,
    user: str,
    address: str,
    action: str,
    target: str,
    outcome: str,
    ok: bool,
    at: datetime | None = None,
) -> int:
    """Write one row (creating the table, and the ledger, if need be); returns its id."""
    when = (at or datetime.now().astimezone()).isoformat(timespec="seconds")
    with Ledger(ledger_file) as ledger, ledger.transaction() as db:
        run_statements(db, _SCHEMA)
        cur = db.execute(
            "INSERT INTO web_audit (at, user, address, action, target, outcome, ok)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (when, user, address, action, target, outcome, int(ok)),
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def recent_actions(
    ledger_file: Path, *, limit: int = 50, target: str | None = None
) -> list[AuditEntry]:
    """The latest rows, newest first (all of them about `target` when given); [] without a
    ledger or before the first action."""
    if not ledger_file.exists():
        return []
    with Ledger(ledger_file, readonly=True) as ledger:
        db = ledger.connection
        if not has_table(db, "web_audit"):
            return []
        rows = db.execute(
            "SELECT * FROM web_audit WHERE (? IS NULL OR target = ?) ORDER BY id DESC LIMIT ?",
            (target, target, limit),
        ).fetchall()
    return [
        AuditEntry(
            id=r["id"],
            at=datetime.fromisoformat(r["at"]),
            user=r["user"],
            address=r["address"],
            action=r["action"],
            target=r["target"],
            outcome=r["outcome"],
            ok=bool(r["ok"]),
        )
        for r in rows
    ]
