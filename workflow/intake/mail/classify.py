"""Mail that must never be answered, and bounces of our own mail.

An auto-reply to an auto-reply is how two robots mail each other forever; a reply to a list
reaches everyone on it; a reply to a bounce bounces. So we never answer (RFC 3834):
`Auto-Submitted` other than `no`; `Precedence` bulk / junk / list; list mail (any `List-*`
header); delivery reports (multipart/report, message/delivery-status) and bounces; senders
such as mailer-daemon, postmaster, noreply; mail from our own address. Out-of-office replies
of Chinese services that set none of these headers are caught by their subject. A mail without
a workbook that answers one of ours ("收到，谢谢") draws nothing either (`answers_us`).
Whether a registered sender is who it says is `trust`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from workflow.intake.mail.message import ParsedMail, message_ids_in

__all__ = ["Bounce", "answers_us", "bounce_of", "never_answer_reason"]

_ROBOT_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|"
    r"mail[-_.]?daemon|auto[-_.]?reply|autoreply)([+\-_.].*)?$",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery failure|returned mail|"
    r"mail delivery failed|failure notice|系统退信|退信|投递失败|无法投递|发送失败)",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(r"^(自动回复|auto(matic)?[ -]?reply|out of (the )?office|休假)", re.I)


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery report: the Message-IDs it quotes and the recipients it names."""

    message_ids: tuple[str, ...]
    recipients: tuple[str, ...]


def _is_report(mail: ParsedMail) -> bool:
    for part in mail.message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            return True
        if ctype == "multipart/report":
            kind = str(part.get_param("report-type", "") or "").lower()
            if kind in ("delivery-status", "disposition-notification", ""):
                return True
    return False


def _robot_sender(address: str) -> bool:
    local = address.split("@", 1)[0]
    return bool(_ROBOT_LOCAL.match(local))


def bounce_of(mail: ParsedMail) -> Bounce | None:
    """The bounce this mail is, or None: a delivery report, or mail from mailer-daemon /
    postmaster, or with a bounce subject and an empty or robot sender."""
    report = _is_report(mail)
    robot = not mail.sender or _robot_sender(mail.sender)
    daemon = robot and mail.sender.split("@", 1)[0].lower() in ("mailer-daemon", "postmaster")
    subject = robot and (_BOUNCE_SUBJECT.search(mail.subject) or not mail.sender)
    if not (report or subject or daemon):
        return None
    recipients: list[str] = []
    for part in mail.message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            if not isinstance(block, Message):
                continue
            value = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            address = value.split(";", 1)[-1].strip().strip("<>").lower()
            if "@" in address:
                recipients.append(address)
    return Bounce(tuple(message_ids_in(mail.message)), tuple(dict.fromkeys(recipients)))


def answers_us(
    mail: ParsedMail, own_address: str, sent_to: Callable[[list[str]], list[str]]
) -> bool:
    """This mail answers one of ours: its In-Reply-To / References name a message we sent
    (recorded by `sent_to`, or one of our fixed reply ids / reminder ids in our domain, which
    still holds when the ledger lost its record). Without a workbook such a mail is a "收到，
    谢谢" and draws no reply; it stays in INBOX for the clerk to read."""
    if not mail.references:
        return False
    domain = "@" + own_address.split("@", 1)[-1].lower() + ">"
    for mid in mail.references:
        low = mid.lower()
        if low.endswith(domain) and (low.startswith("<wf-reply.") or ".wf-remind@" in low):
            return True
    return bool(sent_to(list(mail.references)))


def never_answer_reason(mail: ParsedMail, own_address: str) -> str | None:
    """Why this mail must get no reply (Chinese, for the log and the ledger), or None."""
    header = mail.message.get
    if not mail.sender:
        return "没有发件人地址"
    if mail.sender == own_address.lower():
        return "本邮箱自己发出的邮件"
    auto = str(header("Auto-Submitted", "") or "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"自动发送的邮件（Auto-Submitted: {auto}）"
    precedence = str(header("Precedence", "") or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"群发邮件（Precedence: {precedence}）"
    if any(key.lower().startswith("list-") for key in mail.message):
        return "邮件列表的邮件"
    if header("X-Autoreply") or header("X-Autorespond"):
        return "自动回复"
    if _is_report(mail):
        return "投递报告或退信"
    if _robot_sender(mail.sender):
        return f"系统地址发出的邮件（{mail.sender}）"
    if _AUTO_SUBJECT.search(mail.subject):
        return "自动回复"
    return None
