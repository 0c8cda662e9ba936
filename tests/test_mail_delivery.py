"""Every verdict delivered: a stop while the SMTP server is slow, SMTP down for a while, a
reply an earlier release left in Sent before sending it. Real Dovecot, aiosmtpd and a silent
listener on 127.0.0.1; the program under test runs as its own process where it is stopped."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import WATCH
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part
from tests.mail_servers import AGENCY, SilentListener, free_port
from workflow.intake.mail.mailpass import run_pass
from workflow.office.mail_view import mail_overview


def _sent_copies(office: MailOffice) -> list[str]:
    with office.dovecot.client() as c:
        return [m["Message-ID"] for _, m in c.messages("Sent")]


def _stopped_while_sending(
    office: MailOffice, book: bytes, command: list[str], stop: signal.Signals
) -> int:
    """Run `command` against a silent SMTP server; send `stop` once it waits for the server.
    Returns the exit code."""
    silent = SilentListener()
    try:
        office.set_mail("smtp_port", silent.port)
        office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
        proc = subprocess.Popen(
            [*WATCH, *command, "--config", str(office.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            assert silent.connected.wait(60), "the reply never reached the SMTP server"
            time.sleep(0.2)
            os.kill(proc.pid, stop)
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    finally:
        silent.close()
    office.set_mail("smtp_port", office.smtp.port)
    return code


def _delivered_once(office: MailOffice) -> None:
    report = run_pass(office.config)
    assert report.replies == [AGENCY]
    [reply] = office.smtp.messages
    assert reply.message["In-Reply-To"] == "<m1@county.test>"
    [row] = office.records()
    assert (row.status, row.message_id) == ("passed", "<m1@county.test>")  # judged once
    assert _sent_copies(office) == [reply.message["Message-ID"]]
    assert run_pass(office.config).replies == []
    assert len(office.smtp.messages) == 1


@pytest.mark.slow
def test_ctrl_c_on_mail_once_while_smtp_is_slow_loses_no_reply(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    code = _stopped_while_sending(mail_office, book, ["mail", "--once"], signal.SIGINT)
    assert code != 0
    assert _sent_copies(mail_office) == []  # nothing in Sent claims it went out

    _delivered_once(mail_office)


@pytest.mark.slow
def test_sigterm_of_watch_while_smtp_is_slow_loses_no_reply(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    mail_office.set_mail("enabled", True)
    mail_office.set_mail("timeout_seconds", 3)
    book = make_workbook("r.xlsx").read_bytes()
    _stopped_while_sending(mail_office, book, ["watch"], signal.SIGTERM)
    assert _sent_copies(mail_office) == []

    _delivered_once(mail_office)


@pytest.mark.slow
def test_kill_9_while_smtp_is_slow_loses_no_reply(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    code = _stopped_while_sending(mail_office, book, ["mail", "--once"], signal.SIGKILL)
    assert code == -signal.SIGKILL

    _delivered_once(mail_office)


def test_every_mail_is_judged_while_smtp_is_down_and_answered_once_it_is_back(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    for i in range(10):
        mail_office.dovecot.deliver(
            raw_mail(message_id=f"<d{i}@x>", attachments=[rfc2231_part("r.xlsx", book)])
        )
    mail_office.set_mail("smtp_port", free_port())  # nothing listens: connection refused

    report = run_pass(mail_office.config)

    assert report.kinds == {"submission": 10} and report.replies == []
    assert report.waiting == 10 and report.smtp_error and "拒绝连接" in report.smtp_error
    assert len(mail_office.records()) == 10  # all judged and recorded as they arrived
    pending = mail_overview(mail_office.config).pending
    assert len(pending) == 10
    assert all(p.last_error and "smtp_port" in p.last_error for p in pending)

    mail_office.set_mail("smtp_port", mail_office.smtp.port)
    report = run_pass(mail_office.config)

    assert len(report.replies) == 10 and report.waiting == 0
    answered = sorted(c.message["In-Reply-To"] for c in mail_office.smtp.messages)
    assert answered == sorted(f"<d{i}@x>" for i in range(10))
    assert len(mail_office.records()) == 10  # not judged again
    assert mail_overview(mail_office.config).pending == []


def test_mail_once_says_the_replies_wait_and_fails_while_smtp_is_down(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    mail_office.set_mail("smtp_port", free_port())

    result = subprocess.run(
        [*WATCH, "mail", "--once", "--config", str(mail_office.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "处理新邮件 1 封（报送 1 封），发出回复 0 封；1 封回复待发送" in result.stdout
    status = subprocess.run(
        [*WATCH, "status", "--year", "2021", "--config", str(mail_office.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert "尚未发出的回复" in status.stdout and "拒绝连接" in status.stdout


def test_a_reply_an_earlier_release_put_in_sent_before_smtp_is_sent(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """An earlier release APPENDed the reply to Sent, then died before SMTP, and took the copy
    for proof it was sent. Only a copy marked accepted proves it now: this one goes out."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    mail_office.set_mail("smtp_port", free_port())
    run_pass(mail_office.config)
    path = mail_office.root / "state" / "ledger.sqlite3"
    with sqlite3.connect(path) as db:
        (reply_id,) = db.execute("SELECT reply_id FROM mail_messages").fetchone()
        db.execute("UPDATE mail_messages SET state = 'sending'")  # the old release's state
    old_copy = raw_mail(sender="office@county.test", to=AGENCY, message_id=reply_id)
    mail_office.dovecot.deliver(old_copy, folder="Sent")
    mail_office.set_mail("smtp_port", mail_office.smtp.port)

    assert run_pass(mail_office.config).replies == [AGENCY]
    assert len(mail_office.smtp.messages) == 1


def test_a_lost_ledger_finds_the_accepted_copy_in_sent(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    with mail_office.dovecot.client() as c:
        [(_, filed)] = c.messages("Sent")
    assert filed["X-Workflow-Accepted"].startswith("reply; ")
    assert filed["Message-ID"] == mail_office.smtp.messages[0].message["Message-ID"]
    for p in Path(mail_office.root / "state").glob("ledger.sqlite3*"):
        p.unlink()
    with mail_office.dovecot.client() as c:  # and the message is back in INBOX, unmarked
        [(_, handled)] = c.messages("已处理")
    mail_office.dovecot.deliver(handled.as_bytes())

    assert run_pass(mail_office.config).replies == []
    assert len(mail_office.smtp.messages) == 1


def test_a_bounce_arriving_while_a_reply_waits_stops_that_reply(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    from tests.test_mail_classify import dsn

    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    [first] = mail_office.smtp.messages
    mail_office.set_mail("smtp_port", free_port())
    mail_office.dovecot.deliver(
        raw_mail(message_id="<m2@x>", attachments=[rfc2231_part("r.xlsx", book)])
    )
    mail_office.dovecot.deliver(dsn(first.message["Message-ID"], AGENCY))
    assert run_pass(mail_office.config).waiting == 1  # then the bounce blocks the address
    mail_office.set_mail("smtp_port", mail_office.smtp.port)

    report = run_pass(mail_office.config)

    assert report.replies == [] and report.waiting == 0
    assert len(mail_office.smtp.messages) == 1


@pytest.mark.slow
def test_watch_retries_a_waiting_reply_soon_not_after_a_whole_idle(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    from tests.test_mail_watch import _log, _wait, watching

    mail_office.set_mail("enabled", True)  # poll_seconds stays 180: IDLE up to 25 minutes
    mail_office.smtp.refuse = "451 4.3.0 try again later"
    book = make_workbook("r.xlsx").read_bytes()
    with watching(mail_office):
        assert _wait(lambda: "开始收取邮箱" in _log(mail_office), 60), _log(mail_office)
        mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
        assert _wait(lambda: "1 封回复待发送" in _log(mail_office), 60), _log(mail_office)
        mail_office.smtp.refuse = None
        [reply] = mail_office.replies(1, timeout=60)  # the backoff starts at 5 s
        assert reply["In-Reply-To"] == "<m1@county.test>"
        assert _wait(lambda: "待发送的回复已发出" in _log(mail_office), 60), _log(mail_office)


def test_a_reply_the_server_refuses_waits_alone_and_the_others_go_out(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    other = "chengguan@county.test"
    mail_office.smtp.refuse_to = {other}
    mail_office.dovecot.deliver(raw_mail(sender=other, message_id="<c1@x>", body="没有附件"))
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))

    report = run_pass(mail_office.config)

    assert report.replies == [AGENCY] and report.waiting == 1
    [pending] = mail_overview(mail_office.config).pending
    assert pending.sender == other and "550" in (pending.last_error or "")


def test_a_second_process_waits_for_the_pass_in_progress(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """`mail --once` (or `--accept`) beside a running `watch`: one pass at a time, so a
    waiting reply is never sent by both."""
    from workflow.intake.mail.mailpass import pass_lock

    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    with pass_lock(mail_office.root / "state"):  # another process's pass is under way
        proc = subprocess.Popen(
            [*WATCH, "mail", "--once", "--config", str(mail_office.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(4)
        assert proc.poll() is None and mail_office.smtp.messages == []
    assert proc.wait(60) == 0
    assert len(mail_office.smtp.messages) == 1


def test_the_summary_lists_the_replies_that_wait(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from workflow.cli import main

    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    mail_office.set_mail("smtp_port", free_port())
    run_pass(mail_office.config)

    result = CliRunner().invoke(
        main, ["summary", "--year", "2021", "--config", str(mail_office.config_path)]
    )

    wb = load_workbook(result.output.strip(), read_only=True)
    rows = [[c for c in row if c] for row in wb["邮件往来"].iter_rows(values_only=True)]
    wb.close()
    title = rows.index(["尚未发出的回复（已校验，等待发信服务器接受）"])
    [(_, to, _, why)] = [r for r in rows[title + 2 :] if r]
    assert to == AGENCY and "拒绝连接" in why
