"""Talking to servers that differ: IMAP `ID` refused or not offered; connection failures said
in one Chinese line that names the setting to check."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part, write_office
from tests.mail_servers import BadIdProxy, Dovecot, SilentListener, SmtpCapture, free_port
from workflow.core.errors import MailError
from workflow.core.mail_settings import MailSettings
from workflow.intake.mail import imap as imap_module
from workflow.intake.mail import smtp as smtp_module
from workflow.intake.mail.connection_errors import CAUGHT, explain
from workflow.intake.mail.imap import ImapSession
from workflow.intake.mail.mailpass import run_pass
from workflow.intake.mail.smtp import send

_KEYS = (
    "imap_security",
    "smtp_security",
    "imap_host",
    "smtp_host",
    "imap_port",
    "smtp_port",
    "ca_file",
    "timeout_seconds",
    "address",
    "授权码",
    "emails",
)


def test_a_server_answering_bad_to_id_still_serves_the_mail(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    proxy = BadIdProxy(mail_office.dovecot.port)
    try:
        mail_office.set_mail("imap_port", proxy.port)
        book = make_workbook("r.xlsx").read_bytes()
        mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))

        report = run_pass(mail_office.config)

        assert len(proxy.refused) == 1  # ID was sent (advertised), refused with BAD
        assert report.replies == ["a1@county.test"]
    finally:
        proxy.close()


def test_id_is_not_sent_to_a_server_that_does_not_offer_it(
    dovecot_factory: Callable[..., Dovecot], smtp: SmtpCapture, tmp_path: Path
) -> None:
    server = dovecot_factory(capability="IMAP4rev1 LITERAL+ UIDPLUS SPECIAL-USE IDLE")
    office = write_office(tmp_path / "o", server, smtp)
    with ImapSession(office.config.mail, "office-pass") as session:
        assert "ID" not in session.capabilities
        assert "ID" not in session.commands
    assert "ID sent" not in server.log()


def test_tls_spoken_to_a_plain_imap_port_names_imap_security(mail_office: MailOffice) -> None:
    mail_office.set_mail("imap_security", "ssl")  # Dovecot's port here is plain
    with pytest.raises(MailError) as caught:
        ImapSession(mail_office.config.mail, "office-pass")
    assert "imap_security 应为 ssl（端口 993）或 starttls（端口 143）" in str(caught.value)
    assert "WRONG_VERSION_NUMBER" not in str(caught.value)


def test_tls_spoken_to_a_plain_smtp_port_names_smtp_security(mail_office: MailOffice) -> None:
    mail_office.set_mail("smtp_security", "ssl")
    with pytest.raises(MailError) as caught:
        send(mail_office.config.mail, "x", "a1@county.test", b"Subject: x\r\n\r\nx\r\n")
    assert "smtp_security 应为 ssl（端口 465）或 starttls（端口 587）" in str(caught.value)


def test_a_refused_connection_names_host_and_port(mail_office: MailOffice) -> None:
    mail_office.set_mail("smtp_port", free_port())
    with pytest.raises(MailError) as caught:
        send(mail_office.config.mail, "x", "a1@county.test", b"Subject: x\r\n\r\nx\r\n")
    assert "拒绝连接：请检查 smtp_host 和 smtp_port" in str(caught.value)


def test_a_silent_server_times_out_naming_timeout_seconds(mail_office: MailOffice) -> None:
    silent = SilentListener()
    try:
        mail_office.set_mail("imap_port", silent.port)
        mail_office.set_mail("timeout_seconds", 1)
        with pytest.raises(MailError) as caught:
            ImapSession(mail_office.config.mail, "office-pass")
    finally:
        silent.close()
    assert "超时（1 秒无应答）" in str(caught.value) and "timeout_seconds" in str(caught.value)


def _instance(cls: type[BaseException]) -> BaseException:
    """An instance of `cls` as the library would raise it."""
    if issubclass(cls, smtplib.SMTPRecipientsRefused):
        return cls({"a@x": (550, b"no such user")})
    if issubclass(cls, smtplib.SMTPResponseException):
        return cls(451, b"try later")
    if issubclass(cls, ssl.SSLCertVerificationError):
        return cls(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    if issubclass(cls, socket.gaierror):
        return cls(-2, "Name or service not known")
    return cls("something")


@pytest.fixture(scope="module")
def mail_settings(tmp_path_factory: pytest.TempPathFactory) -> MailSettings:
    """The [mail] settings `mail_office` has, written by the same `write_office`, with no
    server started: the mapping below only reads them (a port is a free one, as a server's
    would be)."""
    imap_server = cast(Dovecot, SimpleNamespace(port=free_port()))
    smtp_server = cast(SmtpCapture, SimpleNamespace(port=free_port()))
    office = write_office(tmp_path_factory.mktemp("settings") / "office", imap_server, smtp_server)
    return office.config.mail


@pytest.mark.parametrize("cls", CAUGHT, ids=lambda c: c.__name__)
@pytest.mark.parametrize("side", ["imap", "smtp"])
def test_every_caught_exception_maps_to_a_line_naming_a_setting(
    cls: type[BaseException], side: str, mail_settings: MailSettings
) -> None:
    line = explain(_instance(cls), side, mail_settings)
    assert "\n" not in line and any(key in line for key in _KEYS), line
    assert "Errno" not in line and "[SSL" not in line


def test_the_mail_code_catches_nothing_that_explain_does_not_know() -> None:
    """imap, smtp and the pass catch these around a server; each is mapped above."""
    for caught in (imap_module.NETWORK_ERRORS, imap_module.CONNECTION_ERRORS):
        for cls in caught:
            assert issubclass(cls, CAUGHT), cls
    assert smtp_module._REFUSALS and all(issubclass(c, CAUGHT) for c in smtp_module._REFUSALS)
    assert imaplib.IMAP4.error in CAUGHT and smtplib.SMTPException in CAUGHT


def test_mail_announced_after_the_search_wakes_the_idle_at_once(
    mail_office: MailOffice,
) -> None:
    """A mail that arrives after the pass's SEARCH and is announced in answer to a later
    command of the pass (here a NOOP) is news for the IDLE that follows, not a 25-minute wait."""
    with ImapSession(mail_office.config.mail, "office-pass") as session:
        session.select_inbox()
        assert session.unhandled(date(2000, 1, 1)) == []
        mail_office.dovecot.deliver(raw_mail(body="在搜索之后到达"))
        session.client.noop()  # the pass's next command: the server announces the mail here
        started = time.monotonic()
        assert session.idle(20, threading.Event())
        assert time.monotonic() - started < 5


def test_mail_that_came_before_the_select_back_from_sent_wakes_the_idle(
    mail_office: MailOffice,
) -> None:
    """Sending a reply looks in Sent and selects INBOX again; a mail that arrived meanwhile is
    counted in that SELECT's answer, and is still news for the IDLE."""
    with ImapSession(mail_office.config.mail, "office-pass") as session:
        session.select_inbox()
        assert session.unhandled(date(2000, 1, 1)) == []
        mail_office.dovecot.deliver(raw_mail(body="发送回复时到达"))
        session.select_inbox()
        started = time.monotonic()
        assert session.idle(20, threading.Event())
        assert time.monotonic() - started < 5


def test_a_select_back_from_sent_with_no_new_mail_is_no_news(mail_office: MailOffice) -> None:
    """No busy loop while replies wait for SMTP: the SELECT's own count is not news."""
    mail_office.dovecot.deliver(raw_mail(body="早已收到"))
    with ImapSession(mail_office.config.mail, "office-pass") as session:
        session.select_inbox()
        assert len(session.unhandled(date(2000, 1, 1))) == 1
        session.select_inbox()
        started = time.monotonic()
        assert not session.idle(2, threading.Event())
        assert time.monotonic() - started >= 1.5
