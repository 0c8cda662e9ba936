"""Mail that must never be answered, and bounces of our own mail.

An auto-reply to an auto-reply is how two robots mail each other forever; a reply to a list
reaches everyone on it; a reply to a bounce bounces. So we never answer (RFC 3834):
`Auto-Submitted` other than `no`; `Precedence` bulk / junk / list; list mail (any `List-*`
header); delivery reports (multipart/report, message/delivery-status) and bounces; senders
such as mailer-daemon, postmaster, noreply; mail from our own address. Out-of-office replies
of Chinese services that set none of these headers are caught by their subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from workflow.intake.mail.message import ParsedMail, message_ids_in

__all__ = ["Bounce", "bounce_of", "forged_reason", "never_answer_reason"]

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
_AUTH_FAIL = re.compile(r"\b(dmarc|spf|dkim)=(fail|softfail)\b", re.IGNORECASE)
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


def forged_reason(mail: ParsedMail) -> str | None:
    """Why the From address looks forged, or None: the receiving server's own
    `Authentication-Results` says DMARC or SPF failed (or DKIM, with neither passing). A
    forger can add a header saying "pass" but cannot remove the server's "fail", so only a
    failure counts. Servers that add no such header leave this to the registered-address check.
    """
    results = " ".join(str(v) for v in mail.message.get_all("Authentication-Results") or [])
    failed = {m.group(1).lower() for m in _AUTH_FAIL.finditer(results)}
    if "dmarc" in failed or "spf" in failed:
        return f"发件服务器认证失败（{'、'.join(sorted(failed)).upper()}），发件人地址可能被冒用"
    if "dkim" in failed and not re.search(r"\b(dmarc|spf)=pass\b", results, re.IGNORECASE):
        return "发件服务器认证失败（DKIM），发件人地址可能被冒用"
    return None


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
