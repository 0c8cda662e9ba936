"""The mail tables after a ledger rebuild: from the archive and the Sent folder, a bounced
address stays blocked, held mail stays held, sent replies stay sent, a waiting one goes out."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MakeWorkbook
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part
from tests.mail_servers import AGENCY, free_port
from tests.test_mail_classify import dsn
from workflow.intake.mail.mailpass import run_pass
from workflow.office.ledger import Ledger
from workflow.office.mail_ledger import MailStore
from workflow.office.mail_rebuild import rebuild_mail_tables
from workflow.office.mail_view import mail_overview
from workflow.office.rebuild import rebuild_on_demand
from workflow.office.year import year_states

OTHER = "chengguan@county.test"


def _lose_and_rebuild(office: MailOffice) -> int:
    path = office.root / "state" / "ledger.sqlite3"
    for p in Path(office.root / "state").glob("ledger.sqlite3*"):
        p.unlink()
    with Ledger(path) as ledger:
        return rebuild_mail_tables(ledger, office.root / "archive")


def test_mail_state_survives_a_ledger_rebuild(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    deliver = mail_office.dovecot.deliver
    deliver(raw_mail(message_id="<sent@x>", attachments=[rfc2231_part("r.xlsx", book)]))
    deliver(raw_mail(sender=OTHER, message_id="<note@x>", body="忘了附件"))
    run_pass(mail_office.config)
    note = next(c for c in mail_office.smtp.messages if c.rcpt_tos == [OTHER])
    deliver(dsn(note.message["Message-ID"], OTHER))  # the note bounced: OTHER is blocked
    forged = "Authentication-Results: mx.county.test; dmarc=fail header.from=county.test"
    deliver(raw_mail(message_id="<held@x>", headers=[forged], body="x"))
    run_pass(mail_office.config)
    mail_office.set_mail("smtp_port", free_port())  # SMTP down: this reply waits
    deliver(raw_mail(message_id="<wait@x>", attachments=[rfc2231_part("r.xlsx", book)]))
    assert run_pass(mail_office.config).waiting == 1
    mail_office.set_mail("smtp_port", mail_office.smtp.port)
    assert len(mail_office.smtp.messages) == 2

    assert _lose_and_rebuild(mail_office) == 5

    overview = mail_overview(mail_office.config)
    assert [a for a, _, _ in overview.blocked] == [OTHER]
    assert [r.message_id for r in overview.refused] == ["<held@x>"]
    report = run_pass(mail_office.config)

    assert report.replies == [AGENCY]  # the waiting reply, and no other
    assert mail_office.smtp.messages[-1].message["In-Reply-To"] == "<wait@x>"
    assert len(mail_office.smtp.messages) == 3
    with MailStore(mail_office.root / "state" / "ledger.sqlite3", readonly=True) as store:
        states = {r.message_id: r.state for r in store.rows()}
        assert store.sent_to([note.message["Message-ID"]]) == [OTHER]  # found in Sent
    assert states["<sent@x>"] == "done" and states["<held@x>"] == "held"
    assert run_pass(mail_office.config).replies == []


def test_an_unblocked_address_stays_unblocked_after_a_rebuild(
    mail_office: MailOffice,
) -> None:
    mail_office.dovecot.deliver(raw_mail(body="没有附件"))
    run_pass(mail_office.config)
    [note] = mail_office.smtp.messages
    mail_office.dovecot.deliver(dsn(note.message["Message-ID"], AGENCY))
    run_pass(mail_office.config)
    with MailStore(
        mail_office.root / "state" / "ledger.sqlite3", archive=mail_office.root / "archive"
    ) as store:
        assert store.unblock(AGENCY)

    _lose_and_rebuild(mail_office)

    assert mail_overview(mail_office.config).blocked == []


def test_an_archived_mail_without_its_facts_is_handled_again(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """A crash right after the archive write, before any facts: the rebuilt row is read
    again from its .eml by the next pass, which answers it."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.set_mail("smtp_port", free_port())
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    [facts] = (mail_office.root / "archive" / "mail").rglob("mail.json")
    facts.unlink()
    mail_office.set_mail("smtp_port", mail_office.smtp.port)

    _lose_and_rebuild(mail_office)
    report = run_pass(mail_office.config)

    assert report.replies == [AGENCY]
    assert len(mail_office.smtp.messages) == 1


def test_the_ledgers_own_rebuild_brings_the_mail_tables_back(mail_office: MailOffice) -> None:
    """`rebuild-ledger` with no readable old ledger (and the daemon's automatic repair, which
    runs the same `write_rows`): a bounced address is still blocked afterwards."""
    mail_office.dovecot.deliver(raw_mail(body="没有附件"))
    run_pass(mail_office.config)
    [note] = mail_office.smtp.messages
    mail_office.dovecot.deliver(dsn(note.message["Message-ID"], AGENCY))
    run_pass(mail_office.config)
    assert [a for a, _, _ in mail_overview(mail_office.config).blocked] == [AGENCY]
    for p in Path(mail_office.root / "state").glob("ledger.sqlite3*"):
        p.write_bytes(b"not a database " * 100)  # overwritten: nothing to carry over

    report, _aside = rebuild_on_demand(mail_office.config, dry_run=False)

    assert "邮件往来记录" in report.mail_tables
    assert [a for a, _, _ in mail_overview(mail_office.config).blocked] == [AGENCY]


def test_a_mailed_report_is_found_again_with_its_sender_after_a_rebuild(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """result.json of a mailed workbook says it came by mail, from whom, in which message and
    in which claim order; a ledger rebuilt from the folders shows the same states."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(
        raw_mail(message_id="<m1@x>", attachments=[rfc2231_part("r.xlsx", book)])
    )
    run_pass(mail_office.config)
    [result] = (mail_office.root / "outbox").rglob("result.json")
    record = json.loads(result.read_text("utf-8"))
    assert (record["source"], record["sender"], record["message_id"]) == ("mail", AGENCY, "<m1@x>")
    assert isinstance(record["sequence"], int)
    before = [(s.agency, s.status) for s in year_states(mail_office.config, 2021)]
    assert ("后河镇人民政府", "passed") in before
    for p in Path(mail_office.root / "state").glob("ledger.sqlite3*"):
        p.unlink()

    rebuild_on_demand(mail_office.config, dry_run=False)

    assert [(s.agency, s.status) for s in year_states(mail_office.config, 2021)] == before
    with Ledger(mail_office.root / "state" / "ledger.sqlite3") as ledger:
        [row] = ledger.connection.execute(
            "SELECT sender, message_id, seq FROM submissions"
        ).fetchall()
    assert tuple(row) == (AGENCY, "<m1@x>", record["sequence"])


def _submissions(office: MailOffice) -> list[tuple[str, str]]:
    with Ledger(office.root / "state" / "ledger.sqlite3", readonly=True) as ledger:
        rows = ledger.connection.execute("SELECT message_id, status FROM submissions ORDER BY id")
        return [tuple(r) for r in rows]


def test_a_message_id_without_brackets_is_rebuilt_as_the_intake_stored_it(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """`Message-ID: abc@host` is `<abc@host>` to the intake; a rebuild reads it so from the
    archived .eml too, so the reply still due finds its attachment already recorded."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.set_mail("smtp_port", free_port())  # SMTP down: the reply waits
    mail_office.dovecot.deliver(
        raw_mail(message_id="bare@county.test", attachments=[rfc2231_part("r.xlsx", book)])
    )
    assert run_pass(mail_office.config).waiting == 1
    assert _submissions(mail_office) == [("<bare@county.test>", "passed")]
    for p in Path(mail_office.root / "state").glob("ledger.sqlite3*"):
        p.unlink()
    mail_office.set_mail("smtp_port", mail_office.smtp.port)

    rebuild_on_demand(mail_office.config, dry_run=False)

    assert _submissions(mail_office) == [("<bare@county.test>", "passed")]
    assert run_pass(mail_office.config).replies == [AGENCY]
    assert _submissions(mail_office) == [("<bare@county.test>", "passed")], "recorded once"


def test_a_mail_without_its_facts_is_rebuilt_under_the_intakes_key(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """Without mail.json, the mail's row is read from its .eml: its key is the Message-ID as
    the intake made it (`<abc@host>`), so the next pass knows the mail and its attachment."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.set_mail("smtp_port", free_port())
    mail_office.dovecot.deliver(
        raw_mail(message_id="bare@county.test", attachments=[rfc2231_part("r.xlsx", book)])
    )
    run_pass(mail_office.config)
    [facts] = (mail_office.root / "archive" / "mail").rglob("mail.json")
    facts.unlink()
    for p in Path(mail_office.root / "state").glob("ledger.sqlite3*"):
        p.unlink()
    mail_office.set_mail("smtp_port", mail_office.smtp.port)

    rebuild_on_demand(mail_office.config, dry_run=False)

    path = mail_office.root / "state" / "ledger.sqlite3"
    with MailStore(path, readonly=True) as store:
        assert [(r.key, r.message_id) for r in store.rows()] == [("<bare@county.test>",) * 2]
    assert run_pass(mail_office.config).replies == [AGENCY]
    assert _submissions(mail_office) == [("<bare@county.test>", "passed")], "recorded once"
