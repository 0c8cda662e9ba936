"""Our replies and reminders: Chinese bodies, threading headers, names every program shows.

A reply is answerable by construction: `In-Reply-To` / `References` keep it in the sender's
thread, `Auto-Submitted: auto-replied` tells other robots not to answer it (RFC 3834), and
its `Message-ID` is derived from the mail it answers, so that a second attempt after a crash
produces the same id and can be looked up in the Sent folder.

Attachment names are Chinese. Outlook and Foxmail read the RFC 2047 encoded `name=` of
Content-Type; Thunderbird, Apple Mail and 163/QQ web mail read RFC 2231 `filename*=`. Every
attachment carries both (plus an encoded `filename=` for old readers); the headers are written
by hand because `EmailMessage.set_param` with Chinese text can write a broken Content-Type.
"""

from __future__ import annotations

import hashlib
import mimetypes
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import encoders, policy
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

from workflow.office.mail_ledger import Verdict

__all__ = [
    "NOT_YOU",
    "Outgoing",
    "Verdict",
    "build_message",
    "note_body",
    "reply_id",
    "reply_text",
]

_WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=0)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNATURE = "\n\n（本邮件由公开办年度报告收集程序自动发送；如有疑问请直接联系公开办。）\n"
NOT_YOU = "如果这封邮件不是您发送的，请立即联系公开办。\n"
"""The last line of every answer to an agency's mail: a forged mail that got past the checks
still reaches the real agency's eyes through our reply, and the agency tells the office."""


def reply_id(key: str, address: str) -> str:
    """The fixed Message-ID of our reply to the mail identified by `key`."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return f"<wf-reply.{digest}@{address.split('@', 1)[-1]}>"


def _numbered(messages: Sequence[str], limit: int = 30) -> str:
    lines = [f"  {i}. {m}" for i, m in enumerate(messages[:limit], 1)]
    if len(messages) > limit:
        lines.append(f"  ……另有 {len(messages) - limit} 处，见附件中的校验结果工作簿。")
    return "\n".join(lines)


def _paragraph(v: Verdict) -> str:
    who = f"{v.agency}{v.year or ''}年报告" if v.agency else "该工作簿"
    if v.status == "passed":
        text = (
            f"《{v.file}》：{who}已通过校验。附件是据此生成的 Word 报告，"
            "请核对后按程序发布。无需再发送。"
        )
        if v.notes:
            text += (
                f"\n另有 {len(v.notes)} 条提示，不影响通过；"
                "请核对原文，确有不妥的改正后重新发送：\n"
                f"{_numbered(v.notes)}"
            )
        return text
    if v.status == "failed":
        return (
            f"《{v.file}》：{who}未通过校验，共 {len(v.messages)} 处错误：\n"
            f"{_numbered(v.messages)}\n"
            "附件中的“校验结果”工作簿已把每处错误标成红色并写明原因。请直接在这个工作簿中改正"
            "（或在原工作簿中改正），保存后作为附件回复本邮件即可，程序会重新校验。"
        )
    if v.status in ("wrong_agency", "too_big"):
        return f"《{v.file}》：未处理。{''.join(v.messages)}"
    if v.status == "unopened":
        return (
            f"《{v.file}》：未打开。{''.join(v.messages)}。"
            "请把填好的工作簿（.xlsx）直接作为附件发送，不要压缩。"
        )
    advice = v.advice or (
        "请使用公开办下发的年度报告工作簿（.xlsx）填写，保存后作为附件重新发送；不要加密或压缩。"
    )
    return (
        f"《{v.file}》：无法读取，已退回：\n{_numbered(v.messages)}\n"
        f"{advice}附件“退回说明”写明了原因。"
    )


def reply_text(verdicts: Sequence[Verdict]) -> str:
    paragraphs = [_paragraph(v) for v in verdicts]
    return (
        "您好！\n\n收到您发来的年度报告工作簿，校验结果如下：\n\n"
        + "\n\n".join(paragraphs)
        + SIGNATURE
        + NOT_YOU
    )


def note_body(kind: str, *, found: Sequence[str] = (), limit_mb: float = 0) -> str:
    """The body of a short note: `no_workbook`; `other_files` (naming what was `found`);
    `too_large` (over `limit_mb`, not downloaded)."""
    if kind == "no_workbook":
        text = (
            "您好！\n\n本邮箱用于接收政府信息公开工作年度报告。您的来信中没有找到报告工作簿附件"
            "（公开办下发的 .xlsx 文件）。请把填好的工作簿作为附件（直接附上，或放在不加密的"
            " .zip 压缩包中）发送到本邮箱，"
            "程序会在几分钟内回复校验结果。\n\n（今天内再收到没有附件的来信，将不再重复提示。）"
        )
    elif kind == "other_files":
        listed = "\n".join(f"  {i}. {name}" for i, name in enumerate(found[:30], 1))
        text = (
            f"您好！\n\n您的来信附有以下文件：\n{listed}\n"
            "其中没有年度报告工作簿（公开办下发的 .xlsx 文件），程序未作处理。"
            "请把填好的工作簿直接作为附件发送到本邮箱，程序会在几分钟内回复校验结果。"
        )
    elif kind == "too_large":
        text = (
            f"您好！\n\n您的来信超过 {limit_mb:g} MB，超出本邮箱自动处理的上限，程序没有下载，"
            "其中的工作簿也未校验。年度报告工作簿本身通常不到 1 MB：请只附上填好的工作簿"
            "（.xlsx，不要附照片、扫描件等大文件），重新发送到本邮箱。"
            "确需发送大文件的，请直接联系公开办。"
        )
    else:
        raise ValueError(kind)
    return text + SIGNATURE + NOT_YOU


def _encoded_words(name: str) -> str:
    """RFC 2047 for a parameter value: short encoded words, folded by the caller."""
    return " ".join(Header(name, "utf-8", maxlinelen=74).encode(linesep=" ").split())


def attachment_part(path: Path, name: str | None = None) -> MIMEBase:
    name = name or path.name
    ctype = {".xlsx": _XLSX, ".docx": _DOCX}.get(path.suffix.lower())
    ctype = ctype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, subtype = ctype.split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(path.read_bytes())
    encoders.encode_base64(part)
    encoded = _encoded_words(name).replace('"', "")
    star = urllib.parse.quote(name.encode("utf-8"), safe="")
    del part["Content-Type"]
    part["Content-Type"] = f'{ctype};\r\n name="{encoded}"'
    part["Content-Disposition"] = (
        f"attachment;\r\n filename*=UTF-8''{star};\r\n filename=\"{encoded}\""
    )
    return part


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[Path] = (),
    auto: str = "auto-replied",
) -> bytes:
    """The message on the wire (CRLF line ends), ready for SMTP and IMAP APPEND. `sender` is
    the From header as written (`MailSettings.from_header`: the display name RFC 2047-encoded)."""
    msg = MIMEMultipart("mixed") if attachments else MIMEText(body, "plain", "utf-8")
    if attachments:
        msg.attach(MIMEText(body, "plain", "utf-8"))
        for path in attachments:
            msg.attach(attachment_part(Path(path)))
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = Header(subject, "utf-8").encode()
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        refs = [*references, in_reply_to] if in_reply_to not in references else list(references)
        msg["References"] = " ".join(dict.fromkeys(refs))
    msg["Auto-Submitted"] = auto
    msg["X-Auto-Response-Suppress"] = "All"
    return msg.as_bytes(policy=_WIRE)


@dataclass(slots=True)
class Outgoing:
    """A message built and addressed, with the id we record and look for in Sent."""

    message_id: str
    to: str
    raw: bytes
    attachments: list[str] = field(default_factory=list)
