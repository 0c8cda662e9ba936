"""A pass over a real mailbox (Dovecot on 127.0.0.1) answering through a real SMTP capture."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MakeWorkbook
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part
from tests.mail_servers import AGENCY
from workflow.mail.mailpass import run_pass
from workflow.mail.message import parse_message


def test_passing_workbook_gets_the_word_report_in_the_thread(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("后河镇2021年报.xlsx").read_bytes()
    raw = raw_mail(attachments=[rfc2231_part("后河镇2021年报.xlsx", book)])
    mail_office.dovecot.deliver(raw)

    report = run_pass(mail_office.config)

    assert report.kinds == {"submission": 1}
    [reply] = mail_office.replies(1)
    assert reply["To"] == AGENCY
    assert reply["In-Reply-To"] == "<m1@county.test>"
    assert "<m1@county.test>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    parsed = parse_message(reply.as_bytes())
    assert "已通过校验" in parsed.message.get_payload()[0].get_payload(decode=True).decode()
    assert parsed.other_files == ["后河镇人民政府2021年政府信息公开工作年度报告.docx"]
    with mail_office.dovecot.client() as c:
        assert c.messages("INBOX") == []
        [(flags, _moved)] = c.messages("已处理")
        assert "$WorkflowHandled" in flags
        [(_, sent)] = c.messages("Sent")
        assert sent["Message-ID"] == reply["Message-ID"]
    assert list(Path(mail_office.root / "archive" / "mail").rglob("message.eml"))
