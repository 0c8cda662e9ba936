"""The mail tables back from the archive, after a ledger rebuild.

Every mail is archived as it came (`archive/mail/<year>/<stamp>-<id>/message.eml`); beside it
`MailStore` keeps `mail.json`, the facts of the mail as last decided (what it was, why it was
held, whether a reply was due), and `archive/mail/blocks.jsonl` journals every address our
bounced mail blocked and every one the clerk unblocked. `rebuild_mail_tables` reads them back:

- a mail held for the clerk stays held; a mail whose reply was due becomes `rebuilt`, and the
  next pass looks for the reply in the Sent folder (`MailStore.needs_reconcile`): found, it
  stays sent; not found, the mail is handled again and the reply goes out — never lost;
- a mail decided without a reply is `done`; one never decided (a crash came first), or
  without its mail.json, is `received` and handled again by the next pass;
- a bounced address stays blocked unless the journal says the clerk cleared it.

`office.rebuild` calls it after refilling the submissions; the mail pass does the rest.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.core.digest import sha256_file
from workflow.office.ledger import Ledger
from workflow.office.mail_ledger import FACTS_NAME, JOURNAL_NAME, MailStore, insert_message
from workflow.office.rebuild_sources import eml_facts

__all__ = ["rebuild_mail_tables"]

log = logging.getLogger("workflow.office.rebuild")


def _facts_from_eml(eml: Path) -> dict[str, Any]:
    """What the message itself says (`rebuild_sources.eml_facts`), for a mail archived
    without its mail.json."""
    facts = eml_facts(eml)
    received = facts.received_at or datetime.fromtimestamp(eml.stat().st_mtime).astimezone()
    return {  # the key as `intake.mail.message.ParsedMail.key` makes it
        "key": facts.message_id or "sha256:" + sha256_file(eml),
        "message_id": facts.message_id,
        "sender": facts.sender,
        "subject": facts.subject[:300],
        "received_at": received.isoformat(),
        "kind": "unknown",
        "state": "received",
    }


def _state_after_rebuild(facts: dict[str, Any]) -> str:
    state = str(facts.get("state") or "received")
    if state == "held":
        return "held"
    if state == "received" or facts.get("reply_due") is None:
        return "received"
    return "rebuilt" if facts.get("reply_due") else "done"


def rebuild_mail_tables(ledger: Ledger, archive: Path) -> int:
    """Fill the (empty) mail tables of `ledger` from `archive`; returns the mails entered.
    The next mail pass reconciles the replies with the Sent folder."""
    MailStore.over(ledger)  # the tables, created if this ledger has none yet
    count = 0
    root = archive / "mail"
    db = ledger.connection
    with ledger.transaction():
        for eml in sorted(root.glob("*/*/message.eml")):
            path = eml.parent / FACTS_NAME
            try:
                facts = json.loads(path.read_text("utf-8")) if path.exists() else None
            except (OSError, ValueError):
                facts = None
            facts = facts or _facts_from_eml(eml)
            row = {
                "key": facts["key"],
                "message_id": facts.get("message_id"),
                "sender": facts.get("sender") or "",
                "agency": facts.get("agency"),
                "subject": facts.get("subject"),
                "received_at": facts["received_at"],
                "eml_path": str(eml),
                "kind": facts.get("kind") or "unknown",
                "reason": facts.get("reason"),
                "reply_id": facts.get("reply_id"),
                "state": _state_after_rebuild(facts),
                "reply_due": facts.get("reply_due"),
                "accepted_at": facts.get("accepted_at"),
            }
            count += insert_message(db, row)
        journal = root / JOURNAL_NAME
        lines = journal.read_text("utf-8").splitlines() if journal.exists() else []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the event before it stands
            if event.get("reason") is None:
                db.execute("DELETE FROM mail_blocked WHERE address = ?", (event["address"],))
            else:
                db.execute(
                    "INSERT OR IGNORE INTO mail_blocked (address, since, reason) VALUES (?,?,?)",
                    (event["address"], event["since"], event["reason"]),
                )
        db.execute("INSERT OR REPLACE INTO mail_meta (name, value) VALUES ('reconcile_sent', '1')")
    if count:
        log.info("据存档重建邮件记录 %s 封；下次收取邮件时与“已发送”文件夹核对回复", count)
    return count
