"""Every sender answered as it should be, through Dovecot and an SMTP capture on 127.0.0.1:
each classification rule tripped alone; a zip from Chinese Windows and Outlook's winmail.dat
opened; a mail over the size limit answered; notes that name what was found; one verdict per
workbook; From with the office's name; warnings listed where they are."""

from __future__ import annotations

import os
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_helpers import (
    MailOffice,
    body_text,
    gbk_zip,
    plain_part,
    raw_mail,
    tnef,
    write_office,
)
from tests.mail_servers import AGENCY, OFFICE, Dovecot, SmtpCapture
from tests.test_mail_classify import dsn
from workflow.core.errors import WorkflowError
from workflow.intake.mail.held import accept_held
from workflow.intake.mail.mailpass import run_pass
from workflow.intake.mail.message import parse_message
from workflow.office.ledger import ledger_path
from workflow.office.mail_ledger import MailStore

NOT_YOU = "如果这封邮件不是您发送的，请立即联系公开办。"
EXTRA = 'authserv_id = "mx.county.test"\ndisplay_name = "某某县政务公开办"'


def _office(tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, extra: str = "") -> MailOffice:
    return write_office(tmp_path / "o", dovecot, smtp, extra=EXTRA + "\n" + extra)


def _rows(office: MailOffice) -> dict[str, tuple[str, str]]:
    with MailStore(ledger_path(office.config), readonly=True) as store:
        return {r.message_id or r.key: (r.kind, r.reason or "") for r in store.rows()}


def test_each_sender_rule_alone(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    book = plain_part("r.xlsx", make_workbook("r.xlsx").read_bytes())
    mails = {
        "<trusted@x>": [],
        "<auto@x>": ["Auto-Submitted: auto-replied"],
        "<list@x>": ["List-Id: <all.county.test>"],
        "<forged@x>": [],  # and Return-Path in another domain, below
        "<forged-ar@x>": [
            "Authentication-Results: mx.county.test; dmarc=fail header.from=county.test"
        ],
    }
    for mid, headers in mails.items():
        envelope = "someone@other.test" if mid == "<forged@x>" else AGENCY
        raw = raw_mail(
            message_id=mid, headers=[f"Return-Path: <{envelope}>", *headers], attachments=[book]
        )
        dovecot.deliver(raw)
    stranger = raw_mail(
        sender="stranger@county.test",
        message_id="<stranger@x>",
        headers=["Return-Path: <stranger@county.test>"],
        attachments=[book],
    )
    dovecot.deliver(stranger)
    report_only = dsn("<not-ours@elsewhere.test>", AGENCY)  # a delivery report, from an
    report_only = report_only.replace(b"MAILER-DAEMON@", b"mailsys@")  # ordinary-looking sender
    dovecot.deliver(report_only)

    report = run_pass(office.config)

    rows = _rows(office)
    assert rows["<trusted@x>"] == ("submission", "")
    assert rows["<auto@x>"][0] == "ignored" and "Auto-Submitted" in rows["<auto@x>"][1]
    assert rows["<list@x>"][0] == "ignored" and "邮件列表" in rows["<list@x>"][1]
    assert rows["<dsn1@county.test>"] == ("ignored", "退信")  # the bounce rule, not another
    assert rows["<stranger@x>"][0] == "refused"
    assert rows["<forged@x>"][0] == "refused" and "Return-Path" in rows["<forged@x>"][1]
    assert rows["<forged-ar@x>"][0] == "refused" and "DMARC" in rows["<forged-ar@x>"][1]
    assert report.replies == [AGENCY]  # the trusted mail alone is answered
    [reply] = office.replies(1)
    assert reply["In-Reply-To"] == "<trusted@x>"
    with dovecot.client() as c:
        held = {m["Message-ID"] for _, m in c.messages("待人工处理")}
    assert held == {"<stranger@x>", "<forged@x>", "<forged-ar@x>"}
    from workflow.office.mail_view import mail_overview

    for_clerk = {r.message_id: r.reason for r in mail_overview(office.config).refused}
    assert set(for_clerk) == held  # listed in status and the summary, with the reason
    assert "可能被冒用" in str(for_clerk["<forged@x>"])


def test_a_zip_from_chinese_windows_is_opened_and_answered_with_warnings_listed(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    book = make_workbook("r.xlsx").read_bytes()  # passes, with a warning: 我局 in a town's text
    packed = gbk_zip([("后河镇堃报告.xlsx", book)])
    dovecot.deliver(raw_mail(attachments=[plain_part("报告.zip", packed)]))

    run_pass(office.config)

    [reply] = office.replies(1)
    body = body_text(reply)
    assert "《后河镇堃报告.xlsx》：后河镇人民政府2021年报告已通过校验" in body
    assert "条提示，不影响通过" in body
    assert "  1. 工作表“" in body and "我局" in body  # numbered, naming the sheet and place
    assert body.rstrip("\n").endswith(NOT_YOU)
    assert str(make_header(decode_header(reply["From"]))) == f"某某县政务公开办 <{OFFICE}>"
    archived = [p.name for p in (office.root / "archive" / "mail").rglob("*.xlsx")]
    assert archived == ["01-后河镇堃报告.xlsx"]


def test_a_workbook_in_winmail_dat_is_opened(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    book = make_workbook("r.xlsx", apply_new_natural=9999).read_bytes()  # fails
    head = (
        b'Content-Type: application/ms-tnef; name="winmail.dat"\r\nContent-Disposition: attachment'
    )
    dovecot.deliver(raw_mail(attachments=[(head, tnef([("后河镇报告.xlsx".encode("gbk"), book)]))]))

    run_pass(office.config)

    [reply] = office.replies(1)
    body = body_text(reply)
    assert "《后河镇报告.xlsx》：后河镇人民政府2021年报告未通过校验" in body
    assert "  1. 工作表“" in body  # the error line names its sheet
    names = [a.name for a in parse_message(reply.as_bytes()).workbooks]
    assert names == ["后河镇人民政府2021年报告校验结果.xlsx"]


def test_a_mail_over_the_limit_from_an_agency_gets_a_reply_saying_what_to_do(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp, "max_message_mb = 1")
    book = make_workbook("r.xlsx").read_bytes()
    photo = os.urandom(2 * 1024 * 1024)
    dovecot.deliver(
        raw_mail(attachments=[plain_part("r.xlsx", book), plain_part("照片.jpg", photo)])
    )

    report = run_pass(office.config)

    assert report.kinds == {"too_large": 1} and "未登记" not in report.line()
    [reply] = office.replies(1)
    body = body_text(reply)
    assert "超过 1 MB" in body and "只附上填好的工作簿" in body
    assert body.rstrip("\n").endswith(NOT_YOU)
    with dovecot.client() as c:
        [(_, kept)] = c.messages("待人工处理")  # whole, for the clerk
    assert len(kept.as_bytes()) > 2 * 1024 * 1024
    from workflow.office.mail_view import mail_overview

    overview = mail_overview(office.config)
    [held] = overview.refused  # listed for the clerk among the held mail, answered already,
    reason = held.reason or ""  # and not as an unknown sender
    assert "超过 1 MB" in reason and "已回复单位" in reason and "未登记" not in reason
    assert held.state == "held" and overview.pending == []
    assert overview.last["后河镇人民政府"].kind == "too_large"
    with pytest.raises(WorkflowError, match="过大，程序没有下载附件"):
        accept_held(office.config, held.number)  # the body was never downloaded
    assert run_pass(office.config).replies == []  # answered once


def test_notes_name_what_came_and_the_daily_note_is_kept_for_empty_mail(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    dovecot.deliver(raw_mail(message_id="<o1@x>", attachments=[plain_part("说明.docx", b"doc")]))
    dovecot.deliver(raw_mail(message_id="<o2@x>", attachments=[plain_part("照片.jpg", b"jpg")]))
    dovecot.deliver(raw_mail(message_id="<e1@x>", body="忘了附件"))

    report = run_pass(office.config)

    assert report.kinds == {"other_files": 2, "no_workbook": 1}
    notes = {c.message["In-Reply-To"]: body_text(c.message) for c in office.smtp.wait_for(3)}
    assert "说明.docx" in notes["<o1@x>"] and "没有年度报告工作簿" in notes["<o1@x>"]
    assert "照片.jpg" in notes["<o2@x>"]
    assert "没有找到报告工作簿附件" in notes["<e1@x>"]  # the day's note was still there
    assert all(n.rstrip("\n").endswith(NOT_YOU) for n in notes.values())


def test_thanks_in_our_thread_gets_nothing(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    book = make_workbook("r.xlsx").read_bytes()
    dovecot.deliver(raw_mail(attachments=[plain_part("r.xlsx", book)]))
    run_pass(office.config)
    [reply] = office.replies(1)
    thanks = raw_mail(
        message_id="<thanks@x>",
        subject="回复：后河镇2021年报告",
        body="收到，谢谢",
        headers=[
            f"In-Reply-To: {reply['Message-ID']}",
            f"References: <m1@county.test> {reply['Message-ID']}",
        ],
    )
    dovecot.deliver(thanks)
    dovecot.deliver(raw_mail(message_id="<empty@x>", body="忘了附件"))

    report = run_pass(office.config)

    assert report.kinds == {"ignored": 1, "no_workbook": 1}
    assert [c.message["In-Reply-To"] for c in office.smtp.wait_for(2)][1:] == ["<empty@x>"]
    assert _rows(office)["<thanks@x>"][0] == "ignored"
    with dovecot.client() as c:
        assert [m["Message-ID"] for _, m in c.messages("INBOX")] == ["<thanks@x>"]


def test_one_workbook_attached_twice_gets_one_verdict(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    book = make_workbook("r.xlsx", apply_new_natural=9999).read_bytes()
    twice = [plain_part("报告.xlsx", book), plain_part("报告(1).xlsx", book)]
    dovecot.deliver(raw_mail(attachments=twice))

    run_pass(office.config)

    [reply] = office.replies(1)
    body = body_text(reply)
    assert body.count("未通过校验") == 1 and "《报告(1).xlsx》" not in body
    assert len(parse_message(reply.as_bytes()).workbooks) == 1


def test_a_zip_inside_a_zip_is_answered_not_opened(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = _office(tmp_path, dovecot, smtp)
    inner = gbk_zip([("报告.xlsx", make_workbook("r.xlsx").read_bytes())])
    outer = gbk_zip([("里面.zip", inner)])
    dovecot.deliver(raw_mail(attachments=[plain_part("报告.zip", outer)]))

    report = run_pass(office.config)

    assert report.kinds == {"submission": 1}
    [reply] = office.replies(1)
    assert "《报告.zip》：未打开。压缩包中又有压缩包（里面.zip）" in body_text(reply)
    assert not (office.root / "outbox" / "2021").exists()  # nothing was processed
