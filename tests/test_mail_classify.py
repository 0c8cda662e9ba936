"""Mail that must never be answered, and bounces of our own replies."""

from __future__ import annotations

import pytest

from tests.mail_helpers import plain_part, raw_mail
from tests.mail_servers import OFFICE
from workflow.intake.mail.classify import bounce_of, never_answer_reason
from workflow.intake.mail.message import parse_message, references_of


@pytest.mark.parametrize(
    ("headers", "sender", "subject", "words"),
    [
        (["Auto-Submitted: auto-replied"], "a1@county.test", "x", "Auto-Submitted"),
        (["Auto-Submitted: auto-generated; foo"], "a1@county.test", "x", "Auto-Submitted"),
        (["Precedence: bulk"], "a1@county.test", "x", "Precedence"),
        (["Precedence: junk"], "a1@county.test", "x", "Precedence"),
        (["Precedence: list"], "a1@county.test", "x", "Precedence"),
        (["List-Id: <staff.county.test>"], "a1@county.test", "x", "邮件列表"),
        (["List-Unsubscribe: <mailto:u@x>"], "a1@county.test", "x", "邮件列表"),
        (["X-Autoreply: yes"], "a1@county.test", "x", "自动回复"),
        ([], "MAILER-DAEMON@county.test", "x", "系统地址"),
        ([], "postmaster@county.test", "x", "系统地址"),
        ([], "noreply@county.test", "x", "系统地址"),
        ([], "no-reply@163.com", "x", "系统地址"),
        ([], "do_not_reply@county.test", "x", "系统地址"),
        ([], OFFICE, "x", "自己"),
        ([], "a1@county.test", "自动回复：我正在休假", "自动回复"),
    ],
)
def test_never_answered(headers: list[str], sender: str, subject: str, words: str) -> None:
    mail = parse_message(raw_mail(sender=sender, subject=subject, headers=headers))
    reason = never_answer_reason(mail, OFFICE)
    assert reason is not None and words in reason


def test_ordinary_mail_is_answered_even_with_auto_submitted_no() -> None:
    mail = parse_message(raw_mail(headers=["Auto-Submitted: no"]))
    assert never_answer_reason(mail, OFFICE) is None
    assert bounce_of(mail) is None


def dsn(original_id: str, recipient: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@county.test>\r\n"
        f"To: {OFFICE}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@county.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; county.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {OFFICE}\r\nTo: {recipient}\r\nMessage-ID: {original_id}\r\n"
        "Subject: =?utf-8?b?5Zue5aSN?=\r\n\r\n--B--\r\n"
    ).encode()


def test_a_dsn_is_a_bounce_naming_our_message_and_the_recipient() -> None:
    mail = parse_message(dsn("<wf-reply.abc@county.test>", "A1@county.test"))
    assert never_answer_reason(mail, OFFICE) is not None
    bounce = bounce_of(mail)
    assert bounce is not None
    assert "<wf-reply.abc@county.test>" in bounce.message_ids
    assert bounce.recipients == ("a1@county.test",)


def test_a_chinese_bounce_without_report_parts_is_still_a_bounce() -> None:
    raw = raw_mail(sender="postmaster@163.com", subject="系统退信", headers=[
        "In-Reply-To: <wf-reply.abc@county.test>"])  # fmt: skip
    bounce = bounce_of(parse_message(raw))
    assert bounce is not None and bounce.message_ids == ("<wf-reply.abc@county.test>",)


def test_a_mail_answering_ours_is_known_by_our_ids_even_without_a_record() -> None:
    from workflow.intake.mail.classify import answers_us

    def nothing_recorded(ids: list[str]) -> list[str]:
        return []

    def answering(ref: str) -> bool:
        mail = parse_message(raw_mail(headers=[f"In-Reply-To: {ref}"], body="收到，谢谢"))
        return answers_us(mail, OFFICE, nothing_recorded)

    assert answering("<wf-reply.0123abcd@county.test>")  # our fixed reply id
    assert answering("<179657045392.17356.1138.wf-remind@county.test>")  # a reminder
    assert not answering("<wf-reply.0123abcd@elsewhere.test>")  # not our domain
    assert not answering("<m1@county.test>")  # someone else's mail
    recorded = parse_message(raw_mail(headers=["References: <m1@county.test>"]))
    assert answers_us(recorded, OFFICE, lambda ids: ["a1@county.test"])


def test_references_from_the_headers_alone_are_those_of_the_whole_parse() -> None:
    raw = raw_mail(
        headers=["References: <a@x.cn>\r\n <b@x.cn>", "In-Reply-To: <c@x.cn>"],
        attachments=[plain_part("年报.xlsx", b"PK\x03\x04 not really")],
    )
    assert (
        references_of(raw) == parse_message(raw).references == ["<a@x.cn>", "<b@x.cn>", "<c@x.cn>"]
    )
