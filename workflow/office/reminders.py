"""What `workflow remind` sent: so that running it twice in a day does not chase anyone twice.

One row per reminder sent (agency, address, report year, when, its Message-ID, what it carried),
kept in its own small SQLite file, `state/reminders.sqlite3`, beside the ledger rather than in
it: the ledger can be set aside and rebuilt from the outbox and the archive, which hold no
reminders, and this log must survive that.

Decision: "not twice within a day" means not twice on the same calendar day (local time) for
the same agency and year, whichever of its addresses got it. An office reminding every morning
reminds each agency once a morning, wherever in the morning it runs; `--again` overrides.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

__all__ = ["ReminderLog", "reminders_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reminders (
    agency      TEXT NOT NULL,
    address     TEXT NOT NULL,
    year        INTEGER NOT NULL,
    day         TEXT NOT NULL,     -- local date, YYYY-MM-DD
    sent_at     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    what        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reminders_by_day ON reminders(agency, year, day);
"""


def reminders_path(state: Path) -> Path:
    return state / "reminders.sqlite3"


class ReminderLog:
    """The reminders sent, in `state/reminders.sqlite3` (created on the first reminder)."""

    def __init__(self, state: Path) -> None:
        self._path = reminders_path(state)
        self._db: sqlite3.Connection | None = None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None and (create or self._path.exists()):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self._path, timeout=30)
            with self._db:
                self._db.executescript(_SCHEMA)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ReminderLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sent_today(self, agency: str, year: int) -> datetime | None:
        """When this agency was reminded about `year` today, or None."""
        db = self._open(create=False)
        if db is None:
            return None
        today = datetime.now().astimezone().date().isoformat()
        row = db.execute(
            "SELECT MAX(sent_at) FROM reminders WHERE agency = ? AND year = ? AND day = ?",
            (agency, year, today),
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def record(self, agency: str, address: str, year: int, message_id: str, what: str) -> None:
        """Remember one reminder the SMTP server accepted (committed at once)."""
        db = self._open(create=True)
        assert db is not None
        now = datetime.now().astimezone()
        with db:
            db.execute(
                "INSERT INTO reminders (agency, address, year, day, sent_at, message_id, what)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (agency, address, year, now.date().isoformat(), now.isoformat(), message_id, what),
            )
