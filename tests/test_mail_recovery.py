"""Crashes, renumbered mailboxes, servers like 163/QQ, TLS with the office's own CA."""

from __future__ import annotations

import imaplib
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import WATCH
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part, write_office
from tests.mail_servers import NO_IDLE_NO_MOVE, Dovecot, SmtpCapture
from workflow.intake.mail.imap import ImapSession
from workflow.intake.mail.mailpass import run_pass


@pytest.mark.slow
def test_kill_9_between_the_servers_250_and_our_record_sends_the_reply_again(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """The one window where a second copy is possible: the server has the reply and is about
    to say 250 when the sender dies. Not recorded as accepted, it is sent again: the agency
    may get the same reply (same Message-ID) twice, never none."""
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    cmd = [*WATCH, "mail", "--once", "--config", str(mail_office.config_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The SMTP server has the reply; the sender dies before it hears "250" or marks anything.
    mail_office.smtp.on_message = lambda _: os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(mail_office.smtp.messages) == 1
    with mail_office.dovecot.client() as c:
        [(flags, _)] = c.messages("INBOX")
        assert "$WorkflowHandled" not in flags  # not marked: the crash came first
        assert c.messages("Sent") == []  # our copy goes there only after the 250
    mail_office.smtp.on_message = None

    report = run_pass(mail_office.config)

    assert report.replies == ["a1@county.test"]
    first, second = mail_office.smtp.messages
    assert first.message["Message-ID"] == second.message["Message-ID"]
    [row] = mail_office.records()  # nothing lost, judged once
    assert (row.status, row.message_id) == ("passed", "<m1@county.test>")
    with mail_office.dovecot.client() as c:
        assert c.messages("INBOX") == []
        assert len(c.messages("已处理")) == 1
        assert len(c.messages("Sent")) == 1


def test_smtp_refusal_keeps_the_reply_for_the_next_pass(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    mail_office.smtp.refuse = "451 4.3.0 try again later"
    report = run_pass(mail_office.config)
    assert report.replies == [] and report.waiting == 1
    with mail_office.dovecot.client() as c:
        assert c.messages("Sent") == []  # not accepted: no copy claims it went out
    mail_office.smtp.refuse = None

    report = run_pass(mail_office.config)

    assert report.replies == ["a1@county.test"]
    assert len(mail_office.smtp.messages) == 1
    [row] = mail_office.records()
    assert (row.status, row.message_id) == ("passed", "<m1@county.test>")
    with mail_office.dovecot.client() as c:
        assert len(c.messages("Sent")) == 1  # filed once, after the accepted retry


def _strip_keyword(server: Dovecot) -> None:
    with server.client() as c:
        c.imap.select("INBOX")
        c.imap.uid("STORE", "1:*", "-FLAGS", "($WorkflowHandled)")
        c.imap.close()


def test_server_without_idle_and_move_like_163(
    dovecot_factory: Callable[..., Dovecot], smtp: SmtpCapture, tmp_path: Path,
    make_workbook: MakeWorkbook,
) -> None:  # fmt: skip
    server = dovecot_factory(capability=NO_IDLE_NO_MOVE)
    office = write_office(tmp_path / "o", server, smtp)
    book = make_workbook("r.xlsx").read_bytes()
    server.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    with ImapSession(office.config.mail, "office-pass") as session:
        assert not session.can_idle and "MOVE" not in session.capabilities

    run_pass(office.config)

    assert len(office.replies(1)) == 1
    with server.client() as c:
        [(flags, _)] = c.messages("INBOX")  # COPY, never delete: the original stays, marked
        assert "$WorkflowHandled" in flags and "\\Deleted" not in flags
        assert len(c.messages("已处理")) == 1
    assert run_pass(office.config).seen == 0
    assert len(smtp.messages) == 1


def test_uidvalidity_change_reprocesses_nothing(
    dovecot_factory: Callable[..., Dovecot], smtp: SmtpCapture, tmp_path: Path,
    make_workbook: MakeWorkbook,
) -> None:  # fmt: skip
    server = dovecot_factory(capability=NO_IDLE_NO_MOVE)  # the original stays in INBOX
    office = write_office(tmp_path / "o", server, smtp)
    book = make_workbook("r.xlsx").read_bytes()
    server.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(office.config)
    # The mailbox is rebuilt: new UIDVALIDITY, new UIDs, and our keyword lost with it.
    _strip_keyword(server)
    server.set_uidvalidity(1900000001)

    report = run_pass(office.config)

    assert report.seen == 0 and report.replies == []
    assert len(smtp.messages) == 1
    [row] = office.records()
    assert (row.status, row.message_id) == ("passed", "<m1@county.test>")
    with server.client() as c:
        [(flags, _)] = c.messages("INBOX")
        assert "$WorkflowHandled" in flags
        assert len(c.messages("已处理")) == 1  # not copied a second time


def test_id_is_sent_before_select(mail_office: MailOffice, monkeypatch: pytest.MonkeyPatch) -> None:
    wire: list[bytes] = []
    original = imaplib.IMAP4.send

    def record(self: imaplib.IMAP4, data: bytes) -> None:
        wire.append(data)
        original(self, data)

    monkeypatch.setattr(imaplib.IMAP4, "send", record)
    run_pass(mail_office.config)

    commands = [line.split()[1].upper() for line in wire if len(line.split()) > 1]
    assert commands.index(b"ID") < commands.index(b"SELECT")
    assert commands.index(b"LOGIN") < commands.index(b"ID")
    assert "ID sent: name=gov-report-workflow" in mail_office.dovecot.log()


def test_tls_with_the_offices_own_ca_through_ca_file(
    dovecot_factory: Callable[..., Dovecot], tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    import ssl

    server = dovecot_factory(tls=True)
    assert server.cert is not None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server.cert, server.folder / "key.pem")
    smtp = SmtpCapture(ssl_context=context, login=("office@county.test", "office-pass")).start()
    try:
        extra = f'ca_file = "{server.cert}"'
        office = write_office(tmp_path / "o", server, smtp, imap_port=server.tls_port,
                              security="ssl", extra=extra)  # fmt: skip
        text = office.config_path.read_text("utf-8").replace(
            'smtp_security = "plain"', 'smtp_security = "ssl"'
        )
        office.config_path.write_text(text, "utf-8")
        book = make_workbook("r.xlsx").read_bytes()
        server.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))

        run_pass(office.config)
        assert len(smtp.messages) == 1

        # Without ca_file the same server is refused: there is no switch to skip verification.
        office.config_path.write_text(text.replace(extra, ""), "utf-8")
        server.deliver(raw_mail(message_id="<m2@x>", attachments=[rfc2231_part("r.xlsx", book)]))
        result = subprocess.run(
            [*WATCH, "mail", "--once", "--config", str(office.config_path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1
        assert (
            "无法连接收信服务器" in result.stderr and "CERTIFICATE_VERIFY_FAILED" in result.stderr
        )
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()


def test_wrong_authorization_code_is_said_in_chinese(
    mail_office: MailOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKFLOW_MAIL_PASSWORD", "wrong")
    result = subprocess.run(
        [*WATCH, "mail", "--once", "--config", str(mail_office.config_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "拒绝登录：请检查 [mail] address（或 user）和授权码" in result.stderr


def test_a_crash_after_processing_before_the_verdict_is_stored_processes_once(
    mail_office: MailOffice, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.office.mail_ledger import MailStore

    book = make_workbook("r.xlsx", apply_new_natural=9999).read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    real = MailStore.add_verdict

    def power_cut(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies here: the ledger row is written, no verdict

    monkeypatch.setattr(MailStore, "add_verdict", power_cut)
    with pytest.raises(KeyboardInterrupt):
        run_pass(mail_office.config)
    monkeypatch.setattr(MailStore, "add_verdict", real)

    run_pass(mail_office.config)

    [row] = mail_office.records()
    assert (row.status, row.message_id) == ("failed", "<m1@county.test>")  # processed once
    [reply] = mail_office.replies(1)
    assert "未通过校验，共 2 处错误" in reply.get_payload()[0].get_payload(decode=True).decode()
    assert len(reply.get_payload()) == 2  # the error workbook is attached


def test_a_lost_ledger_sends_no_second_reply(
    dovecot_factory: Callable[..., Dovecot], smtp: SmtpCapture, tmp_path: Path,
    make_workbook: MakeWorkbook,
) -> None:  # fmt: skip
    server = dovecot_factory(capability=NO_IDLE_NO_MOVE)  # the original stays in INBOX
    office = write_office(tmp_path / "o", server, smtp)
    book = make_workbook("r.xlsx").read_bytes()
    server.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(office.config)
    # The state folder is lost (a disk replaced, a backup from last week) and the keyword too.
    for path in (office.root / "state").glob("ledger.sqlite3*"):
        path.unlink()
    _strip_keyword(server)

    run_pass(office.config)

    assert len(smtp.messages) == 1  # the reply in Sent is found: not sent again
    with server.client() as c:
        assert len(c.messages("Sent")) == 1


def test_starttls_for_both_servers(
    dovecot_factory: Callable[..., Dovecot], tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    import ssl

    server = dovecot_factory(tls=True)  # its plain port offers STARTTLS
    assert server.cert is not None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server.cert, server.folder / "key.pem")
    smtp = SmtpCapture(
        starttls_context=context, login=("office@county.test", "office-pass")
    ).start()
    try:
        office = write_office(tmp_path / "o", server, smtp, security="starttls",
                              extra=f'ca_file = "{server.cert}"')  # fmt: skip
        text = office.config_path.read_text("utf-8")
        text = text.replace('smtp_security = "plain"', 'smtp_security = "starttls"')
        office.config_path.write_text(text, "utf-8")
        book = make_workbook("r.xlsx").read_bytes()
        server.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))

        assert run_pass(office.config).replies == ["a1@county.test"]
        assert len(smtp.messages) == 1
    finally:
        smtp.stop()
