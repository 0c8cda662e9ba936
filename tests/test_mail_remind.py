"""`workflow remind` twice the same day chases nobody twice; `--again` does; `--dry-run` says
who would be skipped and why. Real SMTP capture on 127.0.0.1."""

from __future__ import annotations

from tests.mail_helpers import MailOffice
from tests.mail_servers import AGENCY


def _remind(office: MailOffice, *args: str) -> list[str]:
    code, out = office.cli("remind", "--year", "2021", *args)
    assert code == 0, out
    return out.splitlines()


def test_a_second_remind_the_same_day_sends_nothing_unless_again(mail_office: MailOffice) -> None:
    first = _remind(mail_office)
    assert len(first) == 2 and len(mail_office.smtp.wait_for(2)) == 2

    dry = _remind(mail_office, "--dry-run")
    assert len(dry) == 2 and all("今天" in line and "已催报过" in line for line in dry)
    assert any(line.startswith("后河镇人民政府：") and "--again" in line for line in dry)

    second = _remind(mail_office)
    assert all("已催报过" in line for line in second)
    assert len(mail_office.smtp.messages) == 2  # nothing more went out

    again = _remind(mail_office, "--again")
    assert f"后河镇人民政府 → {AGENCY}：空白工作簿（未提交）" in again
    assert len(mail_office.smtp.wait_for(4)) == 4


def test_reminders_carry_the_offices_name(mail_office: MailOffice) -> None:
    from email.header import decode_header, make_header

    mail_office.set_mail("display_name", "某某县政务公开办")
    _remind(mail_office)
    sent = mail_office.smtp.wait_for(2)
    assert all(
        str(make_header(decode_header(c.message["From"]))).startswith("某某县政务公开办 <")
        for c in sent
    )


def test_a_dry_run_before_any_reminder_creates_no_reminder_log(mail_office: MailOffice) -> None:
    from workflow.office.reminders import reminders_path

    log = reminders_path(mail_office.root / "state")
    assert not log.exists()
    dry = _remind(mail_office, "--dry-run")
    assert len(dry) == 2 and not any("已催报过" in line for line in dry)
    assert not log.exists()
