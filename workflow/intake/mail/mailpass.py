"""One pass over the office mailbox, exactly once.

For each message in INBOX without our keyword, oldest first, the handling advances through
the states of `store` — each step committed before the next starts, so that a crash at any
point resumes where it stopped:

1. the raw message into the archive, a ledger row (`received`);
2. what it is: a bounce of our mail (stop replying to that address until the clerk clears
   it), mail never to answer (auto-replies, lists, reports, robots, ourselves), an unknown
   sender (nothing processed, moved to the refused folder for the clerk), a registered
   sender's mail without a workbook (one note a day), or a submission: every workbook through
   the pipeline (`processed`);
3. the reply, with its fixed Message-ID: `sending`, APPEND to Sent, SMTP, `sent`. A crash
   in between finds the reply in Sent and does not send it again: a reply is sent at most
   once, a submission is never lost;
4. our keyword on the message, then the move to its folder (`done`). Mail never to answer
   only gets the keyword and stays in INBOX where the clerk reads it. Nothing is deleted.

A mail over `max_message_mb` is not downloaded: its headers are archived and it goes to the
refused folder, whole, for the clerk. A message whose Message-ID the ledger already knows (a
UIDVALIDITY change renumbered it, or a second copy arrived) only gets our keyword again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.errors import MailError
from workflow.intake.mail.attachments import (
    archive_eml,
    process_attachment,
    recorded_verdict,
)
from workflow.intake.mail.classify import answers_us, bounce_of, never_answer_reason
from workflow.intake.mail.compose import build_message, note_body, reply_id, reply_text
from workflow.intake.mail.imap import CONNECTION_ERRORS, ImapSession
from workflow.intake.mail.message import ParsedMail, parse_message
from workflow.intake.mail.smtp import send
from workflow.intake.mail.trust import sender_trust
from workflow.office.ledger import ledger_path
from workflow.office.mail_ledger import MailRow, MailStore
from workflow.office.year import refresh_summary

__all__ = ["PassReport", "run_pass"]

log = logging.getLogger("workflow.mail")


@dataclass
class PassReport:
    """What one pass did (counts by kind, and the replies sent)."""

    seen: int = 0
    replies: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)

    def line(self) -> str:
        labels = {"submission": "报送", "no_workbook": "无附件", "refused": "待人工处理",
                  "ignored": "无需回复", "bounce": "退信",
                  "too_large": "邮件过大", "other_files": "无工作簿"}  # fmt: skip
        parts = [f"{labels.get(k, k)} {n} 封" for k, n in sorted(self.kinds.items())]
        kinds = "，".join(parts) or "无"
        return f"处理新邮件 {self.seen} 封（{kinds}），发出回复 {len(self.replies)} 封"


def run_pass(
    config: Config, *, session: ImapSession | None = None, stop: threading.Event | None = None
) -> PassReport:
    """Handle every new message once; with `session`, use (and keep) that connection."""
    settings = config.mail
    settings.require()
    password = settings.password()
    own = session is None
    session = session or ImapSession(settings, password)
    try:
        session.prepare_folders()
        session.select_inbox()
        with MailStore(ledger_path(config)) as store:
            mail_pass = _Pass(config, store, session, password)
            since = settings.since or store.first_pass_date()
            for uid in session.unhandled(since):
                if stop is not None and stop.is_set():
                    break
                mail_pass.guarded(uid)
            report = mail_pass.report
    except CONNECTION_ERRORS as exc:
        raise MailError(f"与收信服务器 {settings.imap_host} 的连接出错：{exc}") from exc
    finally:
        if own:
            session.close()
    for year in sorted(report.years):
        try:
            refresh_summary(config, year)
        except Exception:  # the summary is a view; the mail is handled either way
            log.exception("汇总表更新失败：%s 年", year)
    return report


class _Pass:
    def __init__(self, config: Config, store: MailStore, session: ImapSession, pw: str) -> None:
        self.config, self.store, self.session, self.password = config, store, session, pw
        self.settings = config.mail
        self.report = PassReport()

    def guarded(self, uid: int) -> None:
        """`handle`, but a bug with one message must not hold up the others: it is logged and
        the message is left unmarked, to be tried again by the next pass (nothing is lost)."""
        try:
            self.handle(uid)
        except (MailError, *CONNECTION_ERRORS):
            raise
        except Exception:
            log.exception("处理第 %s 封邮件（UID）时出错，下次再试；其他邮件照常处理", uid)

    # --- step 1: archive and record -------------------------------------------------------------

    def handle(self, uid: int) -> None:
        uv = self.session.uidvalidity
        key = self.store.key_of_uid(uv, uid)
        row = self.store.get(key) if key else None
        if row is None:
            too_big = self.session.size(uid) > self.settings.max_message_bytes
            raw = self.session.fetch(uid, headers_only=too_big)
            if raw is None:
                return
            mail = parse_message(raw, unpack_limit=self.settings.max_message_bytes)
            row = self.store.get(mail.key)
            if row is None:
                row = self._record(mail, raw, uid, too_big)
            else:
                self.store.seen_at(mail.key, uv, uid)
        self._advance(row, uid)

    def _record(self, mail: ParsedMail, raw: bytes, uid: int, too_big: bool) -> MailRow:
        received = datetime.now().astimezone()
        eml = archive_eml(self.config, mail.key, received, raw)
        kind, reason, agency = self._classify(mail, too_big)
        self.report.seen += 1
        self.report.kinds[kind] = self.report.kinds.get(kind, 0) + 1
        log.info("新邮件：%s，%s（%s）", mail.sender or "无发件人", mail.subject, reason or kind)
        self.store.add({
            "key": mail.key, "message_id": mail.message_id,
            "uidvalidity": self.session.uidvalidity, "uid": uid, "sender": mail.sender,
            "agency": agency, "subject": mail.subject[:300], "received_at": received,
            "eml_path": str(eml), "kind": kind, "reason": reason,
            "reply_id": reply_id(mail.key, self.settings.address),
        })  # fmt: skip
        row = self.store.get(mail.key)
        assert row is not None
        return row

    def _classify(self, mail: ParsedMail, too_big: bool) -> tuple[str, str | None, str | None]:
        bounce = bounce_of(mail)
        if bounce is not None:
            ours = self.store.sent_to(list(bounce.message_ids))
            for address in dict.fromkeys(ours):
                self.store.block(address, f"本程序发给它的邮件被退回（{mail.subject[:80]}）")
                log.warning("发给 %s 的邮件被退回：暂停向它自动回复，直到公开办解除", address)
            return ("bounce" if ours else "ignored"), "退信", None
        reason = never_answer_reason(mail, self.settings.address)
        if reason:
            return "ignored", reason, None
        agencies = self.config.agencies_of(mail.sender)
        if not agencies:
            return "refused", "发件人不在单位名录的报送邮箱中", None
        names = "、".join(a.name for a in agencies)
        trust = sender_trust(mail, self.settings.authserv_id)
        if not trust.trusted:  # held for the clerk, as an unknown sender's mail is
            return "refused", trust.reason, names
        if too_big:
            return "too_large", f"邮件超过 {self.settings.max_message_mb:g} MB，未下载", names
        if not mail.workbooks:
            if answers_us(mail, self.settings.address, self.store.sent_to):
                return "ignored", "回复本程序的邮件，没有工作簿（如“收到，谢谢”）", names
            if mail.other_files:
                return "other_files", "没有工作簿，只有其他文件", names
            return "no_workbook", None, names
        return "submission", None, names

    # --- steps 2-4 ------------------------------------------------------------------------------

    def _advance(self, row: MailRow, uid: int) -> None:
        if row.state == "received":
            if row.kind == "submission":
                self._process(row)
            self.store.set_state(row.key, "processed")
            row = self._reload(row)
        if row.state in ("processed", "appended", "sending"):
            self._reply(row)
            row = self._reload(row)
        if row.state == "done":  # handled before (renumbered, or a second copy): mark only,
            self.session.mark(uid)  # so that its folder never holds it twice
        elif row.state == "sent":
            self.session.mark(uid)
            folder = {"submission": self.settings.handled_folder,
                      "no_workbook": self.settings.handled_folder,
                      "other_files": self.settings.handled_folder,
                      "refused": self.settings.refused_folder,
                      "too_large": self.settings.refused_folder}.get(row.kind)  # fmt: skip
            if folder:
                self.session.move(uid, folder)
            self.store.set_state(row.key, "done")

    def _reload(self, row: MailRow) -> MailRow:
        fresh = self.store.get(row.key)
        assert fresh is not None
        return fresh

    def _process(self, row: MailRow) -> None:
        assert row.eml_path
        mail = self._parsed(row)
        done = self.store.verdicts(row.key)
        for position, attachment in enumerate(mail.workbooks):
            if position in done:
                continue
            record = self.store.submission_of(row.message_id, attachment.sha256)
            submission: int | None
            if record is not None:  # processed, then a crash before its verdict was stored
                verdict, submission = recorded_verdict(record), record.id
            else:
                verdict, submission = process_attachment(
                    self.config, attachment, position, key=row.key, received_at=row.received_at,
                    sender=row.sender, message_id=row.message_id, store=self.store,
                )  # fmt: skip
            if verdict.year:
                self.report.years.add(verdict.year)
            self.store.add_verdict(row.key, position, attachment.sha256, verdict, submission)

    def _outgoing(self, row: MailRow) -> tuple[bytes, str] | None:
        """The reply due for `row` (bytes, kind), or None when none is due."""
        if row.kind not in ("submission", "no_workbook", "other_files", "too_large"):
            return None
        if self.store.is_blocked(row.sender):
            log.warning("%s 曾退信，暂停自动回复（已处理附件）", row.sender)
            return None
        if row.state == "processed":
            if self.store.replies_within(row.sender) >= self.settings.max_replies_per_hour:
                log.warning("一小时内已回复 %s 太多次，本封不再回复（附件已处理）", row.sender)
                return None
            if row.kind == "no_workbook" and not self.store.take_daily_note(row.sender):
                return None
        files: list[Path] = []
        if row.kind == "no_workbook":
            body = note_body("no_workbook")
        elif row.kind == "other_files":
            body = note_body("other_files", found=self._parsed(row).other_files)
        elif row.kind == "too_large":
            body = note_body("too_large", limit_mb=self.settings.max_message_mb)
        else:
            verdicts = list(self.store.verdicts(row.key).values())
            body = reply_text(verdicts)
            files = [Path(p) for v in verdicts for p in v.attach if Path(p).is_file()]
        subject = row.subject or ""
        subject = subject if subject.lower().startswith(("回复", "re:")) else f"回复：{subject}"
        raw = build_message(
            sender=self.settings.from_header, to=row.sender, subject=subject, body=body,
            message_id=row.reply_id or reply_id(row.key, self.settings.address),
            in_reply_to=row.message_id, references=self._references(row), attachments=files,
        )  # fmt: skip
        return raw, ("reply" if row.kind == "submission" else "note")

    def _parsed(self, row: MailRow) -> ParsedMail:
        assert row.eml_path
        raw = Path(row.eml_path).read_bytes()
        return parse_message(raw, unpack_limit=self.settings.max_message_bytes)

    def _references(self, row: MailRow) -> list[str]:
        if not row.eml_path or not Path(row.eml_path).exists():
            return []
        return self._parsed(row).references

    def _reply(self, row: MailRow) -> None:
        mid = row.reply_id or reply_id(row.key, self.settings.address)
        outgoing = self._outgoing(row)
        # Sent is the record that outlives the ledger: a crash during SMTP, or a state folder
        # restored from an old backup, finds the reply there and does not send it again.
        if outgoing is not None and row.state != "appended" and self.session.in_sent(mid):
            log.info("回复 %s 已在“已发送”中（上次中断于发送时）：不再重发", mid)
            self.store.record_sent(mid, row.sender, "reply")
            self.store.set_state(row.key, "sent")
            return
        if outgoing is None:
            self.store.set_state(row.key, "sent")
            return
        raw, kind = outgoing
        self.store.set_state(row.key, "sending")
        if row.state != "appended":
            self.session.append_sent(raw)  # first: a crash after SMTP finds it there
        try:
            send(self.settings, self.password, row.sender, raw)
        except MailError:
            self.store.set_state(row.key, "appended")  # in Sent, surely not sent: retry SMTP
            raise
        self.store.record_sent(mid, row.sender, kind)
        self.store.set_state(row.key, "sent")
        self.report.replies.append(row.sender)
        log.info("已回复 %s：%s", row.sender, row.subject)
