"""`workflow mail`, `workflow remind`, and the mail in `workflow status` and the summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from tests.conftest import MakeWorkbook
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part
from tests.mail_servers import AGENCY
from workflow.cli import main
from workflow.intake.mail.mailpass import run_pass
from workflow.intake.mail.message import parse_message


def test_mail_once_prints_what_it_did(mail_office: MailOffice, make_workbook: MakeWorkbook) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    code, out = mail_office.cli("mail", "--once")
    assert (code, out) == (0, "处理新邮件 1 封（报送 1 封），发出回复 1 封\n")


def test_mail_without_a_mailbox_configured_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[mail]\n", "utf-8")
    result = CliRunner().invoke(main, ["mail", "--once", "--config", str(cfg)])
    assert result.exit_code == 2
    assert "配置项 [mail] 缺少 address、imap_host、smtp_host" in result.output


def test_remind_sends_blank_workbooks_and_error_workbooks_but_not_to_passed(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    # 后河镇 failed; 城关镇 sent nothing.
    book = make_workbook("r.xlsx", apply_new_natural=9999).read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    run_pass(mail_office.config)
    mail_office.smtp.clear()

    code, out = mail_office.cli("remind", "--year", "2021", "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        f"（演练，未发送）后河镇人民政府 → {AGENCY}：校验结果工作簿（未通过）",
        "（演练，未发送）城关镇人民政府 → chengguan@county.test：空白工作簿（未提交）",
    ]
    assert mail_office.smtp.messages == []

    code, out = mail_office.cli("remind", "--year", "2021")
    assert code == 0 and len(out.splitlines()) == 2
    sent = {c.rcpt_tos[0]: parse_message(c.raw) for c in mail_office.smtp.messages}
    assert [a.name for a in sent[AGENCY].workbooks] == ["后河镇人民政府2021年报告校验结果.xlsx"]
    blank = sent["chengguan@county.test"]
    assert [a.name for a in blank.workbooks] == [
        "城关镇人民政府2021年政府信息公开工作年度报告.xlsx"
    ]
    assert blank.message["Auto-Submitted"] == "auto-generated"

    # once 后河镇 passes, it is left alone
    good = make_workbook("good.xlsx").read_bytes()
    mail_office.dovecot.deliver(
        raw_mail(message_id="<m2@county.test>", attachments=[rfc2231_part("g.xlsx", good)])
    )
    run_pass(mail_office.config)
    code, out = mail_office.cli("remind", "--year", "2021", "--dry-run")
    assert "后河镇人民政府：已通过，不发送" in out.splitlines()


def test_status_and_summary_show_last_mail_and_refused_mail(
    mail_office: MailOffice, make_workbook: MakeWorkbook
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail_office.dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book)]))
    mail_office.dovecot.deliver(
        raw_mail(sender="stranger@evil.test", message_id="<s@x>", subject="冒名报告",
                 attachments=[rfc2231_part("r.xlsx", book)])
    )  # fmt: skip
    run_pass(mail_office.config)

    code, out = mail_office.cli("status", "--year", "2021", "--json")
    records = {r["agency"]: r for r in map(json.loads, out.splitlines())}
    assert records["后河镇人民政府"]["last_mail_from"] == AGENCY
    assert records["后河镇人民政府"]["last_mail_at"]
    assert records["城关镇人民政府"]["last_mail_from"] is None

    code, out = mail_office.cli("status", "--year", "2021")
    assert code == 0
    assert "各单位最近来信" in out and "待人工处理的邮件" in out and "stranger@evil.test" in out

    code, out = mail_office.cli("summary", "--year", "2021")
    wb = load_workbook(out.strip(), read_only=True)
    rows = [[c for c in row if c] for row in wb["邮件往来"].iter_rows(values_only=True)]
    wb.close()
    assert rows[2][:1] == ["后河镇人民政府"] and AGENCY in rows[2]
    assert any("stranger@evil.test" in row and "冒名报告" in row for row in rows)
