"""`MailStore`: a ledger written by the release before keeps its mail, read as it is and
brought up to date on the first write; one vocabulary of states."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workflow.office.ledger import Ledger
from workflow.office.mail_ledger import KINDS, STATES, MailStore

_OLD_MESSAGES = """
CREATE TABLE mail_messages (
    key TEXT PRIMARY KEY, message_id TEXT, uidvalidity INTEGER, uid INTEGER,
    sender TEXT NOT NULL, agency TEXT, subject TEXT, received_at TEXT NOT NULL,
    eml_path TEXT, kind TEXT NOT NULL, reason TEXT, reply_id TEXT, state TEXT NOT NULL,
    sent_at TEXT, done_at TEXT
)
"""


def _old_ledger(tmp_path: Path) -> Path:
    """A ledger with the mail table as the release before wrote it: one reply appended to
    Sent before SMTP (`appended`), one mail from a stranger."""
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    with sqlite3.connect(path) as db:
        db.execute(_OLD_MESSAGES)
        for key, kind, state in (("<a@x>", "submission", "appended"), ("<s@x>", "refused", "done")):
            db.execute(
                "INSERT INTO mail_messages (key, message_id, sender, received_at, kind, state,"
                " reply_id) VALUES (?, ?, 'a1@county.test', '2022-01-10T09:30:00+08:00', ?, ?,"
                " '<r@x>')",
                (key, key, kind, state),
            )
    return path


def test_an_old_ledger_is_read_as_it_is(tmp_path: Path) -> None:
    path = _old_ledger(tmp_path)
    with MailStore(path, readonly=True) as store:
        rows = store.rows()
    assert [(r.key, r.state, r.last_error) for r in rows] == [
        ("<a@x>", "appended", None),
        ("<s@x>", "done", None),
    ]


def test_an_old_ledger_gains_the_columns_and_its_unsent_reply_is_pending(tmp_path: Path) -> None:
    path = _old_ledger(tmp_path)
    with MailStore(path) as store:
        row = store.get("<a@x>")
        assert row is not None and row.state == "pending"  # not recorded accepted: send again
        store.wait("<a@x>", "发信服务器无法连接")
        assert store.get("<a@x>").last_error == "发信服务器无法连接"  # type: ignore[union-attr]
        assert store.get("<s@x>").state == "done"  # type: ignore[union-attr]


def test_a_state_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    with MailStore(tmp_path / "ledger.sqlite3") as store, pytest.raises(ValueError):
        store.set_state("<a@x>", "sending")
    assert set(STATES) >= {"received", "held", "processed", "pending", "sent", "done"}
    assert KINDS["refused"] == STATES["held"] == "待人工处理"


def test_accepted_records_the_reply_and_the_state_together(tmp_path: Path) -> None:
    from datetime import datetime

    with MailStore(tmp_path / "ledger.sqlite3") as store:
        store.add(
            {
                "key": "<a@x>",
                "message_id": "<a@x>",
                "sender": "a1@county.test",
                "received_at": datetime.now().astimezone(),
                "kind": "submission",
                "reply_id": "<r@x>",
            }
        )
        assert not store.was_accepted("<r@x>")
        store.accepted("<a@x>", "<r@x>", "a1@county.test", "reply")
        assert store.was_accepted("<r@x>") and store.get("<a@x>").state == "sent"  # type: ignore[union-attr]
        assert [store.failed("uid:1:7", "boom") for _ in range(3)] == [1, 2, 3]
