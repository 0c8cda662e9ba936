"""One pass over the office mailbox: every mail judged once, every reply delivered.

For each message in INBOX without our keyword, oldest first, the handling advances through
the states of `office.mail_ledger.STATES` — each committed before the next step starts, so a
stop at any point (kill -9, Ctrl-C, a service stop) resumes where it stopped:

1. the raw message into the archive, a ledger row: `received`, or `held` for the clerk (an
   unknown sender, a forged one) — moved to the refused folder, nothing processed until
   `workflow mail --accept` (`intake.mail.held`). A registered agency's mail too large to
   download is answered first (the limit, and what to do), then held the same way;
2. every workbook of a submission through the pipeline, verdicts stored (`processed`), and
   the reply decided once (`pending`: one is due; or `sent`: none is — mail never to answer,
   a bounced address, the day's note already given);
3. the reply, with its fixed Message-ID: SMTP, and only its 250 makes it count — recorded
   with the state `sent` in one transaction — then our copy into Sent marked as accepted. A
   stop before the 250 leaves it `pending` and it is sent again; a second copy reaches the
   agency only if the process dies between the server's 250 and that commit;
4. our keyword on the message, then the move to its folder (`done`). Nothing is deleted.

SMTP down, or a reply throttled (`max_replies_per_hour`), does not stop the pass: every mail
is still judged and recorded as it arrives; its reply waits `pending` with the reason, which
`workflow status` shows, and goes out on a later pass. A message that fails three times (a
bug it alone trips) is held for the clerk with the error instead of being tried forever.

Before a reply is sent, Sent is searched for an accepted copy of it (the ledger may have been
lost); after a ledger rebuild, every accepted copy in Sent is entered first (`_reconcile`).

One pass at a time per office: `watch`'s passes, `workflow mail --once` and `--accept` take
`state/mail.lock` for the length of a pass (not while waiting in IDLE), so two processes never
send the same waiting reply side by side.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.utils import parseaddr
from pathlib import Path

from workflow.config import Config
from workflow.core.errors import MailError
from workflow.core.locks import state_lock
from workflow.intake.mail.attachments import archive_eml, process_attachment, recorded_verdict
from workflow.intake.mail.classify import answers_us, bounce_of, never_answer_reason
from workflow.intake.mail.compose import build_message, note_body, reply_id, reply_text
from workflow.intake.mail.connection_errors import explain
from workflow.intake.mail.imap import CONNECTION_ERRORS, ImapSession
from workflow.intake.mail.message import ParsedMail, parse_message, references_of
from workflow.intake.mail.smtp import MessageRefused, send
from workflow.intake.mail.trust import sender_trust
from workflow.office.mail_ledger import KINDS, MailRow, MailStore, open_mail_store
from workflow.office.year import refresh_summary

__all__ = ["POISON_ATTEMPTS", "PassReport", "pass_lock", "run_pass"]

log = logging.getLogger("workflow.mail")

POISON_ATTEMPTS = 3
"""Failed attempts at one message before it is held for the clerk."""

REPLY_KINDS = ("submission", "no_workbook", "other_files", "too_large")
"""The kinds of mail that are answered (unless the address bounced, or, for `no_workbook`,
the address had its note today)."""


@dataclass
class PassReport:
    """What one pass did (counts by kind, the replies sent, the replies left waiting)."""

    seen: int = 0
    replies: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)
    waiting: int = 0
    smtp_error: str | None = None

    def line(self) -> str:
        parts = [f"{KINDS.get(k, k)} {n} 封" for k, n in sorted(self.kinds.items())]
        kinds = "，".join(parts) or "无"
        text = f"处理新邮件 {self.seen} 封（{kinds}），发出回复 {len(self.replies)} 封"
        if self.waiting:
            why = self.smtp_error or "见 workflow status"
            text += f"；{self.waiting} 封回复待发送（{why}）"
        return text


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
        with pass_lock(config.state):
            report = _run(config, session, password, stop)
    except CONNECTION_ERRORS as exc:
        raise MailError(f"与收信服务器的连接出错：{explain(exc, 'imap', settings)}") from exc
    finally:
        if own:
            session.close()
    for year in sorted(report.years):
        try:
            refresh_summary(config, year)
        except Exception:  # the summary is a view; the mail is handled either way
            log.exception("汇总表更新失败：%s 年", year)
    return report


def pass_lock(state: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the office's mail-pass lock (waiting for a pass in another process to end)."""
    return state_lock(state, "mail.lock")


def _run(
    config: Config, session: ImapSession, password: str, stop: threading.Event | None
) -> PassReport:
    session.prepare_folders()
    session.select_inbox()
    with open_mail_store(config) as store:
        mail_pass = _Pass(config, store, session, password, stop)
        mail_pass.run()
        return mail_pass.report


class _Pass:
    def __init__(
        self,
        config: Config,
        store: MailStore,
        session: ImapSession,
        password: str,
        stop: threading.Event | None,
    ) -> None:
        self.config, self.store, self.session, self.password = config, store, session, password
        self.settings = config.mail
        self.stop = stop
        self.report = PassReport()
        self.visited: set[str] = set()
        self.smtp_error: str | None = None  # SMTP failed in this pass: no more tries in it

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def run(self) -> None:
        if self.store.needs_reconcile():
            self._reconcile()
        since = self.settings.since or self.store.first_pass_date()
        uv = self.session.uidvalidity
        for uid in self.session.unhandled(since):
            if self._stopped():
                return
            self.guarded(f"uid:{uv}:{uid}", functools.partial(self.handle, uid), uid=uid)
        # Mail not in INBOX with its handling unfinished: accepted by the clerk from the
        # refused folder, rebuilt from the archive, or moved away by hand.
        for row in self.store.unfinished():
            if self._stopped():
                return
            if row.key not in self.visited and row.state != "rebuilt":
                self.guarded(f"key:{row.key}", functools.partial(self._advance, row, None))
        self.report.waiting = sum(1 for r in self.store.unfinished() if r.state == "pending")
        self.report.smtp_error = self.smtp_error

    def guarded(self, subject: str, action: Callable[[], None], uid: int | None = None) -> None:
        """`action`, but a bug with one message must not hold up the others: it is logged and
        tried again by the next pass; after `POISON_ATTEMPTS` failures it is held for the
        clerk with the error (one traceback in the log, not one per pass forever)."""
        try:
            action()
        except (MailError, *CONNECTION_ERRORS):
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            count = self.store.failed(subject, error)
            if count == 1:
                log.exception("处理邮件（%s）时出错，下次再试；其他邮件照常处理", subject)
            else:
                log.error("处理邮件（%s）第 %s 次出错：%s", subject, count, error)
            if count >= POISON_ATTEMPTS:
                self._hold_poison(subject, uid, count, error)

    def _hold_poison(self, subject: str, uid: int | None, count: int, error: str) -> None:
        reason = f"连续 {count} 次处理出错（{error}），已停止自动处理，请查看日志"
        if subject.startswith("key:"):
            key: str | None = subject[4:]
        else:
            key = self.store.key_of_uid(self.session.uidvalidity, uid) if uid else None
        if key is None and uid is not None:
            raw = self.session.fetch(uid)
            if raw is None:
                return
            key = self._record_unreadable(raw, uid, reason)
        assert key is not None
        self.store.hold(key, reason)
        log.warning("邮件（%s）已转待人工处理：%s", subject, reason)
        if uid is not None:
            self.session.mark(uid)
            self.session.move(uid, self.settings.refused_folder)

    def _record_unreadable(self, raw: bytes, uid: int, reason: str) -> str:
        """A row for a message our parser cannot read: what the stdlib makes of it."""
        import hashlib

        message = message_from_bytes(raw)
        key = "".join(str(message.get("Message-ID") or "").split())
        key = key or "sha256:" + hashlib.sha256(raw).hexdigest()
        received = datetime.now().astimezone()
        eml = archive_eml(self.config, key, received, raw)
        self.store.add(
            {
                "key": key,
                "message_id": key if not key.startswith("sha256:") else None,
                "uidvalidity": self.session.uidvalidity,
                "uid": uid,
                "sender": parseaddr(str(message.get("From") or ""))[1].lower(),
                "agency": None,
                "subject": str(message.get("Subject") or "")[:300],
                "received_at": received,
                "eml_path": str(eml),
                "kind": "refused",
                "reason": reason,
                "reply_id": reply_id(key, self.settings.address),
            },
            state="held",
        )
        return key

    def _reconcile(self) -> None:
        """After a ledger rebuild: every reply Sent holds as accepted is entered as sent."""
        copies = self.session.accepted_copies()
        for message_id, to, kind in copies:
            self.store.record_sent(message_id, to, kind)
        self.store.reconciled()
        log.info("邮件记录已与“已发送”文件夹核对：%s 封已发出的邮件", len(copies))

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
        self.visited.add(row.key)
        self._advance(row, uid)

    def _record(self, mail: ParsedMail, raw: bytes, uid: int, too_big: bool) -> MailRow:
        received = datetime.now().astimezone()
        eml = archive_eml(self.config, mail.key, received, raw)
        kind, reason, agency = self._classify(mail, too_big)
        self.report.seen += 1
        self.report.kinds[kind] = self.report.kinds.get(kind, 0) + 1
        log.info("新邮件：%s，%s（%s）", mail.sender or "无发件人", mail.subject, reason or kind)
        row = {
            "key": mail.key,
            "message_id": mail.message_id,
            "uidvalidity": self.session.uidvalidity,
            "uid": uid,
            "sender": mail.sender,
            "agency": agency,
            "subject": mail.subject[:300],
            "received_at": received,
            "eml_path": str(eml),
            "kind": kind,
            "reason": reason,
            "reply_id": reply_id(mail.key, self.settings.address),
        }
        return self.store.add(row, state="held" if kind == "refused" else "received")

    def _classify(self, mail: ParsedMail, too_big: bool) -> tuple[str, str | None, str | None]:
        """(kind, reason, agency names); kind `refused` is mail held for the clerk."""
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

    def _advance(self, row: MailRow, uid: int | None) -> None:
        if row.state == "rebuilt":  # in INBOX, unmarked: its handling never finished
            self.store.set_state(row.key, "received")
            row = self._reload(row)
        if row.state == "received" and row.kind == "unknown":  # rebuilt without its facts
            row = self._reclassify(row)
        if row.state == "held":
            if uid is not None:  # recorded, then stopped before the move: move it now
                self.session.mark(uid)
                self.session.move(uid, self.settings.refused_folder)
            return
        if row.state == "received":
            if row.kind == "submission":
                self._process(row)
            self.store.set_state(row.key, "processed")
            row = self._reload(row)
        if row.state == "processed":
            row = self._decide(row)
        if row.state == "pending":
            self._reply(row)
            row = self._reload(row)
        if row.state == "done":  # handled before (renumbered, or a second copy): mark only,
            if uid is not None:  # so that its folder never holds it twice
                self.session.mark(uid)
        elif row.state == "sent":
            if uid is not None:
                self.session.mark(uid)
                folder = {
                    "submission": self.settings.handled_folder,
                    "no_workbook": self.settings.handled_folder,
                    "other_files": self.settings.handled_folder,
                    "too_large": self.settings.refused_folder,  # whole, for the clerk
                }.get(row.kind)
                if folder:
                    self.session.move(uid, folder)
            if row.kind == "too_large":  # answered; the clerk sees it among the held mail
                answered = "；已回复单位上限和重发办法" if row.reply_due else ""
                self.store.hold(row.key, f"{row.reason or '邮件过大'}{answered}")
            else:
                self.store.set_state(row.key, "done")

    def _reload(self, row: MailRow) -> MailRow:
        fresh = self.store.get(row.key)
        assert fresh is not None
        return fresh

    def _reclassify(self, row: MailRow) -> MailRow:
        assert row.eml_path
        mail = self._parsed(row)
        kind, reason, agency = self._classify(mail, too_big=False)
        self.store.set_state(row.key, "received", kind=kind, reason=reason, agency=agency)
        if kind == "refused":
            return self.store.hold(row.key, reason or "")
        return self._reload(row)

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
                    self.config,
                    attachment,
                    position,
                    key=row.key,
                    received_at=row.received_at,
                    sender=row.sender,
                    message_id=row.message_id,
                    store=self.store,
                )
            if verdict.year:
                self.report.years.add(verdict.year)
            self.store.add_verdict(row.key, position, attachment.sha256, verdict, submission)

    def _decide(self, row: MailRow) -> MailRow:
        """Whether a reply is due, decided once (the day's note is spent here)."""
        due = row.kind in REPLY_KINDS
        if due and self.store.is_blocked(row.sender):
            log.warning("%s 曾退信，暂停自动回复（已处理附件）", row.sender)
            due = False
        if due and row.kind == "no_workbook" and not self.store.take_daily_note(row.sender):
            due = False
        return self.store.decide(row.key, reply_due=due)

    def _reply(self, row: MailRow) -> None:
        mid = row.reply_id or reply_id(row.key, self.settings.address)
        if self.store.was_accepted(mid):  # the 250 was recorded: the step is over
            self.store.set_state(row.key, "sent")
            return
        if self.store.is_blocked(row.sender):  # bounced while the reply waited
            log.warning("%s 曾退信，暂停自动回复：待发送的回复不再发出", row.sender)
            self.store.set_state(row.key, "sent")
            return
        if self.smtp_error:
            self.store.wait(row.key, self.smtp_error)
            return
        sent = self.store.replies_within(row.sender)
        limit = self.settings.max_replies_per_hour
        if sent >= limit:
            why = (
                f"一小时内已向该地址回复 {sent} 封（max_replies_per_hour = {limit}），稍后自动发送"
            )
            self.store.wait(row.key, why)
            log.warning("%s：%s", row.sender, why)
            return
        raw, kind = self._outgoing(row, mid)
        # The ledger may have been lost (a state folder restored from an old backup): a copy
        # in Sent marked as accepted is the server's word that this reply went out.
        if self.session.accepted_in_sent(mid):
            log.info("回复 %s 已在“已发送”中，记为已发出：不再重发", mid)
            self.store.accepted(row.key, mid, row.sender, kind)
            return
        try:
            send(self.settings, self.password, row.sender, raw)
        except MessageRefused as exc:  # this message only: the others go on
            self.store.wait(row.key, str(exc))
            log.warning("给 %s 的回复未被接受，稍后重试：%s", row.sender, exc)
            return
        except MailError as exc:
            self.smtp_error = str(exc)
            self.store.wait(row.key, self.smtp_error)
            log.warning("发信服务器暂时无法使用，回复稍后发送（校验照常进行）：%s", exc)
            return
        self.store.accepted(row.key, mid, row.sender, kind)
        self.report.replies.append(row.sender)
        log.info("已回复 %s：%s", row.sender, row.subject)
        try:
            self.session.append_sent(raw, kind)
        except MailError as exc:  # the reply is out; only our copy is missing
            log.warning("回复已发出，但未能存入“已发送”：%s", exc)

    def _outgoing(self, row: MailRow, message_id: str) -> tuple[bytes, str]:
        """The reply due for `row`: (bytes, kind)."""
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
            sender=self.settings.from_header,
            to=row.sender,
            subject=subject,
            body=body,
            message_id=message_id,
            in_reply_to=row.message_id,
            references=self._references(row),
            attachments=files,
        )
        return raw, ("reply" if row.kind == "submission" else "note")

    def _parsed(self, row: MailRow) -> ParsedMail:
        assert row.eml_path
        raw = Path(row.eml_path).read_bytes()
        return parse_message(raw, unpack_limit=self.settings.max_message_bytes)

    def _references(self, row: MailRow) -> list[str]:
        if not row.eml_path or not Path(row.eml_path).exists():
            return []
        return references_of(Path(row.eml_path).read_bytes())
