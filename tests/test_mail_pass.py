"""A pass over a real mailbox (Dovecot on 127.0.0.1) answering through a real SMTP capture."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_helpers import (
    MailOffice,
    body_text,
    plain_part,
    raw_mail,
    rfc2231_part,
    write_office,
)
from tests.mail_servers import AGENCY, Dovecot, SmtpCapture
from workflow.intake.mail.mailpass import run_pass
from workflow.intake.mail.message import parse_message


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


def _submissions(office: MailOffice) -> list[tuple[str, str | None, str | None]]:
    from workflow.office.ledger import Ledger

    path = office.root / "state" / "ledger.sqlite3"
    if not path.exists():
        return []
    with Ledger(path, readonly=True) as ledger:
        return [(r.status, r.sender, r.message_id) for r in ledger.records()]


def test_failing_workbook_gets_the_error_workbook_and_the_findings(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("报告.xlsx", apply_new_natural=9999).read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("报告.xlsx", book)]))

    run_pass(mail_office.config)

    [reply] = mail_office.replies(1)
    body = body_text(reply)
    assert "未通过校验" in body and "作为附件回复本邮件" in body
    assert "1." in body
    names = parse_message(reply.as_bytes()).workbooks
    assert [a.name for a in names] == ["后河镇人民政府2021年报告校验结果.xlsx"]
    assert _submissions(mail_office) == [("failed", AGENCY, "<m1@county.test>")]


def test_unreadable_attachment_is_rejected_with_the_reason(mail_office: MailOffice) -> None:
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("报告.xlsx", b"not a zip")]))

    run_pass(mail_office.config)

    [reply] = mail_office.replies(1)
    assert "无法读取" in body_text(reply)
    assert [a.name for a in parse_message(reply.as_bytes()).workbooks] == ["退回说明.xlsx"]
    assert _submissions(mail_office) == [("rejected", AGENCY, "<m1@county.test>")]
    from workflow.office.ledger import Ledger

    with Ledger(mail_office.root / "state" / "ledger.sqlite3", readonly=True) as ledger:
        [row] = ledger.records()
    assert (row.agency, row.attributed_by) == (
        "后河镇人民政府",
        "mail",
    )  # whose it is: the sender's


def test_a_refused_attachments_reply_says_what_its_reason_calls_for(
    mail_office: MailOffice,
) -> None:
    """The 怎么办 of the reply agrees with the 原因, as the rejection note does: an attachment
    that arrived empty is to be sent again, not filled in again."""
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("报告.xlsx", b"")]))

    run_pass(mail_office.config)

    [reply] = mail_office.replies(1)
    body = body_text(reply)
    assert "空文件" in body
    assert "重新作为附件完整发送一次" in body
    assert "公开办下发的年度报告工作簿（.xlsx）填写" not in body


def test_unknown_sender_with_a_forged_workbook_changes_nothing(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("后河镇.xlsx").read_bytes()  # a perfect workbook of a real agency
    raw = raw_mail(sender="stranger@evil.test", attachments=[rfc2231_part("后河镇.xlsx", book)])
    mail_office.dovecot.deliver(raw)

    report = run_pass(mail_office.config)

    assert report.kinds == {"refused": 1} and report.replies == []
    assert mail_office.smtp.messages == []
    assert _submissions(mail_office) == []
    assert not (mail_office.root / "outbox" / "2021").exists()
    with mail_office.dovecot.client() as c:
        assert c.messages("INBOX") == []
        [(flags, moved)] = c.messages("待人工处理")
        assert moved["From"] == "stranger@evil.test" and "$WorkflowHandled" in flags
    [eml] = (mail_office.root / "archive" / "mail").rglob("message.eml")
    assert eml.read_bytes() == raw


def test_a_second_pass_sends_nothing(mail_office: MailOffice, make_workbook: MakeWorkbook) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    assert len(mail_office.replies(1)) == 1

    again = run_pass(mail_office.config)

    assert again.seen == 0 and again.replies == []
    assert len(mail_office.smtp.messages) == 1
    assert len(_submissions(mail_office)) == 1


def test_auto_replies_and_lists_get_no_answer_and_stay_in_the_inbox(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    for i, header in enumerate(["Auto-Submitted: auto-replied", "Precedence: bulk",
                                "List-Id: <all.county.test>"]):  # fmt: skip
        mail_office.dovecot.deliver(
            raw_mail(
                message_id=f"<auto{i}@x>",
                headers=[header],
                attachments=[rfc2231_part("r.xlsx", book)],
            )
        )

    report = run_pass(mail_office.config)

    assert report.kinds == {"ignored": 3}
    assert mail_office.smtp.messages == []
    with mail_office.dovecot.client() as c:
        inbox = c.messages("INBOX")
    assert len(inbox) == 3 and all("$WorkflowHandled" in flags for flags, _ in inbox)
    assert run_pass(mail_office.config).seen == 0


def test_no_workbook_gets_one_note_a_day(mail_office: MailOffice) -> None:
    mail_office.dovecot.deliver(raw_mail(message_id="<n1@x>", body="报告见附件"))
    mail_office.dovecot.deliver(raw_mail(message_id="<n2@x>", body="忘了附件"))

    report = run_pass(mail_office.config)

    assert report.kinds == {"no_workbook": 2}
    [note] = mail_office.smtp.messages  # sent before run_pass returned
    assert "没有找到报告工作簿附件" in body_text(note.message)
    assert note.message["In-Reply-To"] == "<n1@x>"


def test_a_bounce_of_our_reply_stops_replies_until_cleared(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    from click.testing import CliRunner

    from tests.test_mail_classify import dsn
    from workflow.cli import main

    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    [reply] = mail_office.replies(1)
    mail_office.dovecot.deliver(dsn(reply["Message-ID"], AGENCY))
    assert run_pass(mail_office.config).kinds == {"bounce": 1}

    mail_office.dovecot.deliver(
        raw_mail(message_id="<m2@county.test>", attachments=[rfc2231_part("r2.xlsx", book)])
    )
    report = run_pass(mail_office.config)
    assert report.kinds == {"submission": 1} and report.replies == []
    assert len(_submissions(mail_office)) == 2  # processed all the same: nothing lost

    cli = ["mail", "--unblock", AGENCY, "--config", str(mail_office.config_path)]
    result = CliRunner().invoke(main, cli)
    assert result.exit_code == 0 and "已恢复自动回复" in result.output
    mail_office.dovecot.deliver(
        raw_mail(message_id="<m3@county.test>", attachments=[rfc2231_part("r3.xlsx", book)])
    )
    assert run_pass(mail_office.config).replies == [AGENCY]


def test_a_registered_sender_cannot_replace_another_agency(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()  # 后河镇's workbook, from 城关镇's address
    sender = "chengguan@county.test"
    mail_office.dovecot.deliver(raw_mail(sender=sender, attachments=[plain_part("r.xlsx", book)]))

    run_pass(mail_office.config)

    [reply] = mail_office.replies(1)
    assert "只登记为“城关镇人民政府”的报送邮箱" in body_text(reply)
    assert _submissions(mail_office) == []
    assert not (mail_office.root / "outbox" / "2021" / "后河镇人民政府").exists()


def test_filenames_in_gbk_arrive_through_the_server(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    name = "后河镇堃报告.xlsx"
    head = (
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"
        f' name="=?GB2312?B?{base64.b64encode(name.encode("gbk")).decode()}?="\r\n'
        "Content-Disposition: attachment"
    ).encode()
    raw8 = plain_part(name, book)[0].replace(name.encode("utf-8"), name.encode("gbk"))
    mail_office.dovecot.deliver(raw_mail(message_id="<g1@x>", attachments=[(head, book)]))
    mail_office.dovecot.deliver(raw_mail(message_id="<g2@x>", attachments=[(raw8, book)]))

    run_pass(mail_office.config)

    assert len(mail_office.replies(2)) == 2
    archived = sorted(p.name for p in (mail_office.root / "archive" / "mail").rglob("*.xlsx"))
    assert archived == ["01-后河镇堃报告.xlsx", "01-后河镇堃报告.xlsx"]


def test_mailed_reports_get_the_cross_year_checks(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    from workflow.office.ledger import Ledger

    last = make_workbook("2021.xlsx", year=2021).read_bytes()
    this = make_workbook(
        "2022.xlsx", year=2022, report_year=2022
    ).read_bytes()  # last year's figures unchanged
    mail_office.dovecot.deliver(
        raw_mail(message_id="<y0@x>", attachments=[plain_part("a.xlsx", last)])
    )
    run_pass(mail_office.config)
    mail_office.dovecot.deliver(
        raw_mail(message_id="<y1@x>", attachments=[plain_part("b.xlsx", this)])
    )
    run_pass(mail_office.config)

    with Ledger(mail_office.root / "state" / "ledger.sqlite3", readonly=True) as ledger:
        latest = ledger.records()[-1]
    assert latest.year == 2022 and latest.result_path is not None
    rules = {f["rule"] for f in json.loads(latest.result_path.read_text("utf-8"))["findings"]}
    assert "copy.figures_unchanged" in rules  # compared with the 2021 report mailed before


def test_mail_older_than_the_first_pass_is_left_alone_unless_since_says_so(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    last_year = time.time() - 365 * 86400
    old = raw_mail(message_id="<old@x>", attachments=[rfc2231_part("r.xlsx", book)])
    mail_office.dovecot.deliver(old, arrived=last_year)
    mail_office.dovecot.deliver(raw_mail(message_id="<new@x>", body="没有附件"))

    assert run_pass(mail_office.config).kinds == {"no_workbook": 1}
    assert _submissions(mail_office) == []

    text = mail_office.config_path.read_text("utf-8")
    since = f"since = {time.strftime('%Y-%m-%d', time.localtime(last_year - 86400))}\n"
    mail_office.config_path.write_text(text.replace("[mail]\n", "[mail]\n" + since), "utf-8")
    assert run_pass(mail_office.config).kinds == {"submission": 1}
    assert _submissions(mail_office) == [("passed", AGENCY, "<old@x>")]


def test_a_bug_with_one_message_holds_up_no_other(
    mail_office: MailOffice, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.intake.mail import mailpass

    real = mailpass.parse_message

    def parse(raw: bytes, **options: object) -> object:
        if b"<poison@x>" in raw:
            raise RuntimeError("a bug met by this message only")
        return real(raw, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(mailpass, "parse_message", parse)
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(message_id="<poison@x>", body="x"))
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))

    assert run_pass(mail_office.config).replies == [AGENCY]
    with mail_office.dovecot.client() as c:
        [(flags, left)] = c.messages("INBOX")
    assert left["Message-ID"] == "<poison@x>" and "$WorkflowHandled" not in flags


def test_replies_per_hour_are_limited_but_every_workbook_is_processed(
    tmp_path: Path, dovecot: Dovecot, smtp: SmtpCapture, make_workbook: MakeWorkbook
) -> None:
    office = write_office(tmp_path / "o", dovecot, smtp, extra="max_replies_per_hour = 1")
    book = make_workbook("r.xlsx").read_bytes()
    for i in range(2):
        dovecot.deliver(
            raw_mail(message_id=f"<r{i}@x>", attachments=[rfc2231_part("r.xlsx", book)])
        )

    report = run_pass(office.config)

    assert report.kinds == {"submission": 2} and report.replies == [AGENCY]
    assert report.waiting == 1  # the second reply waits for the hour; it is not dropped
    assert [s[0] for s in _submissions(office)] == ["passed", "passed"]
    with dovecot.client() as c:
        [(flags, waiting)] = c.messages("INBOX")  # stays until its reply is out
        assert waiting["Message-ID"] == "<r1@x>" and "$WorkflowHandled" not in flags
        assert len(c.messages("已处理")) == 1
    from workflow.office.mail_view import mail_overview

    [pending] = mail_overview(office.config).pending
    assert pending.message_id == "<r1@x>"
    assert pending.last_error and "max_replies_per_hour = 1" in pending.last_error


def test_a_registered_address_failing_dmarc_is_refused_not_processed(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    forged = raw_mail(
        headers=[
            "Authentication-Results: mx.county.test; spf=fail smtp.mailfrom=county.test;"
            " dmarc=fail header.from=county.test",
            "Authentication-Results: forger; dmarc=pass",  # a forger may add this; no matter
        ],
        attachments=[rfc2231_part("r.xlsx", book)],
    )
    mail_office.dovecot.deliver(forged)

    report = run_pass(mail_office.config)

    assert report.kinds == {"refused": 1} and mail_office.smtp.messages == []
    assert _submissions(mail_office) == []
    with mail_office.dovecot.client() as c:
        assert len(c.messages("待人工处理")) == 1


def test_the_reply_keeps_the_agencys_thread(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    """The References of the agency's mail (an earlier exchange) go on in our reply's, read
    from the archived mail's headers."""
    book = make_workbook("后河镇2021年报.xlsx").read_bytes()
    headers = ["References: <first@county.test>", "In-Reply-To: <ours@county.test>"]
    mail_office.dovecot.deliver(
        raw_mail(headers=headers, attachments=[rfc2231_part("后河镇2021年报.xlsx", book)])
    )
    run_pass(mail_office.config)
    [reply] = mail_office.replies(1)
    assert reply["References"].split() == [
        "<first@county.test>",
        "<ours@county.test>",
        "<m1@county.test>",
    ]
