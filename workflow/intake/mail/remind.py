"""`workflow remind`: mail every registered agency without a passed report for the year.

Who gets what is decided from the ledger, as the summary workbook shows it:
- 未提交 (or 退回: nothing readable arrived) -> the agency's blank workbook, made now by the
  template writer; at the start of the season this is how the office sends the workbooks out;
- 未通过 -> the latest error workbook and the errors left to fix;
- 已通过 -> nothing.
Each agency's registered addresses get one mail each; an address that bounced our mail is
skipped until the clerk clears it (`workflow mail --unblock`). Reminders are marked
`Auto-Submitted: auto-generated` and copied to the Sent folder when the mailbox allows.

Every reminder the SMTP server accepted is recorded (`office.reminders`, right after the
server's answer); an agency reminded today is skipped — a second run the same day sends
nothing twice — unless `--again`. `--dry-run` lists who would be skipped and why.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from pathlib import Path

from workflow.config import Config
from workflow.core.errors import MailError
from workflow.core.findings import Severity
from workflow.core.outcome import FAILED, PASSED
from workflow.intake.mail.compose import SIGNATURE, build_message
from workflow.intake.mail.imap import ImapSession
from workflow.intake.mail.smtp import send
from workflow.office.ledger import Ledger, ledger_path
from workflow.office.mail_ledger import MailStore, open_mail_store
from workflow.office.reminders import ReminderLog
from workflow.office.year import year_states
from workflow.workbook.template import template_filename, write_template

__all__ = ["Reminder", "plan_reminders", "send_reminders"]

log = logging.getLogger("workflow.mail")


@dataclass(frozen=True, slots=True)
class Reminder:
    agency: str
    address: str
    what: str  # what the clerk reads: 空白工作簿 / 校验结果工作簿
    subject: str
    body: str
    attachments: tuple[Path, ...]


def _errors_of(config: Config, agency: str, year: int) -> tuple[list[str], Path | None]:
    path = ledger_path(config)
    if not path.exists():
        return [], None
    with Ledger(path, readonly=True) as ledger:
        record = ledger.published(agency, year)
    if record is None or record.status != FAILED:
        return [], None
    errors = Path(record.outputs["errors"]) if record.outputs.get("errors") else None
    messages: list[str] = []
    if record.result_path and record.result_path.exists():
        data = json.loads(record.result_path.read_text("utf-8"))
        messages = [
            f["message"] for f in data.get("findings", []) if f["severity"] == Severity.ERROR
        ]
    return messages, errors if errors and errors.exists() else None


def _reminded_today(config: Config, year: int) -> dict[str, datetime]:
    """When each agency was last reminded about `year` today (one connection for them all; a
    missing reminder log is read as empty, never created)."""
    reminded: dict[str, datetime] = {}
    with ReminderLog(config.state) as log_:
        for agency in config.agencies:
            when = log_.sent_today(agency.name, year)
            if when is not None:
                reminded[agency.name] = when
    return reminded


def plan_reminders(
    config: Config, year: int, *, again: bool = False, dry_run: bool = False
) -> tuple[list[Reminder], list[str]]:
    """(the mails to send, lines about agencies that get none); with `again`, agencies
    reminded today are reminded once more; with `dry_run` the blank workbooks are named but
    not written (a dry run of a hundred agencies stays instant)."""
    reminders: list[Reminder] = []
    skipped: list[str] = []
    states = {s.agency: s for s in year_states(config, year)}
    blocked = set()
    if ledger_path(config).exists():
        with MailStore(ledger_path(config), readonly=True) as store:
            blocked = {address for address, _, _ in store.blocked()}
    reminded = {} if again else _reminded_today(config, year)
    for agency in config.agencies:
        state = states.get(agency.name)
        if state is not None and state.status == PASSED:
            skipped.append(f"{agency.name}：已通过，不发送")
            continue
        if not agency.emails:
            skipped.append(f"{agency.name}：名录中没有登记邮箱，未发送")
            continue
        when = reminded.get(agency.name)
        if when is not None:
            skipped.append(
                f"{agency.name}：今天 {when:%H:%M} 已催报过，不再重复发送（确需再发，加 --again）"
            )
            continue
        if state is not None and state.status == FAILED:
            messages, errors = _errors_of(config, agency.name, year)
            listed = "\n".join(f"  {i}. {m}" for i, m in enumerate(messages[:30], 1))
            body = (
                f"您好！\n\n贵单位报送的{year}年政府信息公开工作年度报告尚未通过校验，"
                f"还有 {len(messages)} 处错误需要改正：\n{listed}\n\n"
                "附件是标出每处错误的校验结果工作簿。请改正后保存，作为附件回复本邮件。"
            )
            subject = f"【催报】{agency.name}{year}年政府信息公开工作年度报告尚未通过校验"
            files = (errors,) if errors else ()
            what = "校验结果工作簿（未通过）"
        else:
            folder = config.state / "remind" / str(year)
            if dry_run:
                files = (folder / template_filename(agency.name, year),)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                files = (write_template(folder, agency.name, year, config.fee_decimals),)
            body = (
                f"您好！\n\n请填写附件中的《{agency.name}{year}年政府信息公开工作年度报告》"
                "工作簿（单位名称、年度已填好），填好后保存，作为附件回复本邮件即可，"
                "程序会自动校验并回复结果。"
            )
            subject = f"{agency.name}{year}年政府信息公开工作年度报告（请填写后回复）"
            what = "空白工作簿（未提交）"
        for address in agency.emails:
            if address in blocked:
                skipped.append(f"{agency.name} → {address}：曾退信，已暂停，未发送")
                continue
            reminders.append(Reminder(agency.name, address, what, subject, body + SIGNATURE, files))
    return reminders, skipped


def send_reminders(
    config: Config, year: int, *, dry_run: bool = False, again: bool = False
) -> list[str]:
    """Send (or with `dry_run` only list) the reminders; returns one line per agency/address,
    then one per agency skipped, with the reason."""
    reminders, lines = plan_reminders(config, year, again=again, dry_run=dry_run)
    if dry_run:
        return [f"（演练，未发送）{r.agency} → {r.address}：{r.what}" for r in reminders] + lines
    settings = config.mail
    password = settings.password() if reminders else ""
    done: list[str] = []
    with open_mail_store(config) as store, ReminderLog(config.state) as sent_log:
        session = _sent_folder(config, password) if reminders else None
        try:
            for r in reminders:
                mid = make_msgid("wf-remind", domain=settings.address.split("@", 1)[-1])
                raw = build_message(
                    sender=settings.from_header,
                    to=r.address,
                    subject=r.subject,
                    body=r.body,
                    message_id=mid,
                    attachments=r.attachments,
                    auto="auto-generated",
                )
                send(settings, password, r.address, raw)
                sent_log.record(r.agency, r.address, year, mid, r.what)
                store.record_sent(mid, r.address, "remind")
                done.append(f"{r.agency} → {r.address}：{r.what}")
                if session is not None:
                    try:
                        session.append_sent(raw, "remind")
                    except MailError as exc:
                        log.warning("提醒邮件未能存入“已发送”：%s", exc)
        finally:
            if session is not None:
                session.close()
    return done + lines


def _sent_folder(config: Config, password: str) -> ImapSession | None:
    """An IMAP session for copying reminders into Sent, or None when IMAP is unavailable."""
    try:
        session = ImapSession(config.mail, password)
        session.prepare_folders()
        return session
    except MailError as exc:
        log.warning("无法连接收信服务器，提醒邮件不存入“已发送”：%s", exc)
        return None
