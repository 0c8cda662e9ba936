"""Mail held for the clerk: listed with its number and reason, released by
`workflow mail --accept`; a mail that trips a bug every time is held after three tries."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_helpers import MailOffice, body_text, raw_mail, rfc2231_part
from tests.mail_servers import AGENCY
from workflow.intake.mail.mailpass import POISON_ATTEMPTS, run_pass
from workflow.office.mail_view import mail_overview

_FORGED = (
    "Authentication-Results: mx.county.test; spf=fail smtp.mailfrom=county.test;"
    " dmarc=fail header.from=county.test"
)


def test_held_mail_is_listed_with_its_number_and_accepted_by_the_clerk(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(
        raw_mail(headers=[_FORGED], attachments=[rfc2231_part("r.xlsx", book)])
    )
    run_pass(mail_office.config)
    [held] = mail_overview(mail_office.config).refused
    assert held.state == "held" and "DMARC" in (held.reason or "")
    code, out = mail_office.cli("status", "--year", "2021")
    assert "workflow mail --accept 编号" in out and f"{held.number}" in out
    assert [r.status for r in mail_office.records()] == [] and mail_office.smtp.messages == []

    code, out = mail_office.cli("mail", "--accept", str(held.number))

    assert code == 0, out
    assert f"第 {held.number} 封邮件（{AGENCY}" in out and "已接受" in out
    assert [r.status for r in mail_office.records()] == ["passed"]
    [reply] = mail_office.replies(1)
    assert reply["In-Reply-To"] == "<m1@county.test>"
    assert mail_overview(mail_office.config).refused == []
    assert run_pass(mail_office.config).replies == []  # answered once


def test_an_accepted_mail_with_only_other_files_gets_the_note_naming_them(
    mail_office: MailOffice,
) -> None:
    mail_office.dovecot.deliver(
        raw_mail(headers=[_FORGED], attachments=[rfc2231_part("说明.docx", b"doc")])
    )
    run_pass(mail_office.config)
    [held] = mail_overview(mail_office.config).refused

    code, out = mail_office.cli("mail", "--accept", str(held.number))

    assert code == 0, out
    [note] = mail_office.replies(1)
    body = body_text(note)
    assert "说明.docx" in body and "没有年度报告工作簿" in body


def test_a_strangers_mail_cannot_be_accepted_before_the_address_is_registered(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    raw = raw_mail(sender="new@county.test", attachments=[rfc2231_part("r.xlsx", book)])
    mail_office.dovecot.deliver(raw)
    run_pass(mail_office.config)
    [held] = mail_overview(mail_office.config).refused

    code, out = mail_office.cli("mail", "--accept", str(held.number))

    assert code == 1
    assert "不在单位名录中：请先把该地址加入对应单位的 emails" in out
    assert [r.status for r in mail_office.records()] == []
    assert mail_overview(mail_office.config).refused == [held]


def test_accepting_a_mail_that_is_not_held_says_so(mail_office: MailOffice) -> None:
    mail_office.dovecot.deliver(raw_mail(body="没有附件"))
    run_pass(mail_office.config)

    code, out = mail_office.cli("mail", "--accept", "1")

    assert code == 1 and "第 1 封邮件不在待人工处理中" in out


def test_a_mail_that_always_fails_is_held_after_three_tries_with_one_traceback(
    mail_office: MailOffice,
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from workflow.intake.mail import mailpass

    real = mailpass.parse_message

    def parse(raw: bytes, **options: object) -> object:
        if b"<poison@x>" in raw:
            raise RuntimeError("a bug met by this message only")
        return real(raw, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(mailpass, "parse_message", parse)
    mail_office.dovecot.deliver(raw_mail(message_id="<poison@x>", body="x"))
    caplog.set_level(logging.INFO, "workflow.mail")

    for _ in range(POISON_ATTEMPTS):
        run_pass(mail_office.config)

    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    with mail_office.dovecot.client() as c:
        assert c.messages("INBOX") == []
        [(_, moved)] = c.messages("待人工处理")
    assert moved["Message-ID"] == "<poison@x>"
    [held] = mail_overview(mail_office.config).refused
    assert "连续 3 次处理出错" in (held.reason or "") and "RuntimeError" in (held.reason or "")
    assert Path(held.eml_path or "").read_bytes().startswith(b"From: ")
    caplog.clear()
    run_pass(mail_office.config)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # quiet from now on


def test_a_mail_failing_twice_is_still_tried(
    mail_office: MailOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.intake.mail import mailpass

    real = mailpass.parse_message
    calls = []

    def parse(raw: bytes, **options: object) -> object:
        if b"<flaky@x>" in raw and len(calls) < POISON_ATTEMPTS - 1:
            calls.append(1)
            raise RuntimeError("twice only")
        return real(raw, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(mailpass, "parse_message", parse)
    mail_office.dovecot.deliver(raw_mail(message_id="<flaky@x>", body="没有附件"))
    for _ in range(POISON_ATTEMPTS):
        run_pass(mail_office.config)

    assert mail_overview(mail_office.config).refused == []
    assert len(mail_office.smtp.messages) == 1  # the day's note, once
