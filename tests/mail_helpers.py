"""Building agencies' mail the way real programs write it, and an office set up for mail."""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from click.testing import CliRunner

from tests.mail_servers import AGENCY, OFFICE, Dovecot, SmtpCapture
from workflow.cli import main
from workflow.config import Config, load_config
from workflow.example import SEED_AGENCY
from workflow.intake.mail.message import parse_message
from workflow.office.ledger import Ledger, Record

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def raw_mail(
    *,
    sender: str = AGENCY,
    to: str = OFFICE,
    subject: str = "后河镇2021年报告",
    message_id: str = "<m1@county.test>",
    body: str = "请审核。",
    attachments: Sequence[tuple[bytes, bytes]] = (),
    headers: Sequence[str] = (),
    content_type: str | None = None,
) -> bytes:
    """A message with `attachments` given as (their MIME header lines, data), so that each
    test writes the attachment names exactly as the program it imitates does."""
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: =?utf-8?b?{base64.b64encode(subject.encode()).decode()}?=",
        f"Message-ID: {message_id}",
        "Date: Mon, 10 Jan 2022 09:30:00 +0800",
        "MIME-Version: 1.0",
        *headers,
    ]
    boundary = "==b0undary=="
    text_part = [
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(body.encode()).decode(),
    ]
    if not attachments and content_type is None:
        out = "\r\n".join(lines + text_part).encode() + b"\r\n"
        return out
    lines.append(content_type or f'Content-Type: multipart/mixed; boundary="{boundary}"')
    parts = [b"\r\n".join(x.encode() for x in lines), b""]
    parts.append(f"--{boundary}".encode())
    parts.append("\r\n".join(text_part).encode())
    for head, data in attachments:
        parts.append(f"--{boundary}".encode())
        parts.append(head)
        parts.append(b"Content-Transfer-Encoding: base64")
        parts.append(b"")
        parts.append("\r\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)).encode())
    parts.append(f"--{boundary}--".encode())
    return b"\r\n".join(parts) + b"\r\n"


def body_text(message: Message) -> str:
    """The text of a reply: its first part when it has attachments."""
    msg = parse_message(message.as_bytes()).message
    part = msg.get_payload()[0] if msg.is_multipart() else msg
    return part.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]


def rfc2231_part(name: str, data: bytes) -> tuple[bytes, bytes]:
    from urllib.parse import quote

    head = (
        f"Content-Type: {_XLSX}\r\n"
        f"Content-Disposition: attachment; filename*=UTF-8''{quote(name.encode())}"
    )
    return head.encode(), data


def plain_part(name: str, data: bytes) -> tuple[bytes, bytes]:
    head = f'Content-Type: {_XLSX}\r\nContent-Disposition: attachment; filename="{name}"'
    return head.encode("utf-8", "surrogateescape"), data


@dataclass
class MailOffice:
    """An office folder whose config points at the test servers."""

    root: Path
    config_path: Path
    dovecot: Dovecot
    smtp: SmtpCapture

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def replies(self, count: int, timeout: float = 15.0) -> list[Message]:
        return [c.message for c in self.smtp.wait_for(count, timeout)]

    def records(self) -> list[Record]:
        """The ledger's submission rows, in claim order."""
        with Ledger(self.root / "state" / "ledger.sqlite3", readonly=True) as ledger:
            return ledger.records()

    def cli(self, *args: str) -> tuple[int, str]:
        """`workflow *args --config <this office>`: its exit code and output."""
        result = CliRunner(env={"COLUMNS": "250"}).invoke(
            main, [*args, "--config", str(self.config_path)]
        )
        return result.exit_code, result.output

    def set_mail(self, name: str, value: object) -> None:
        """Change (or add) one `[mail]` setting in config.toml, as the clerk would edit it."""
        import json
        import re

        text = self.config_path.read_text("utf-8")
        line = f"{name} = {json.dumps(value, ensure_ascii=False)}"
        pattern = re.compile(rf"^{re.escape(name)} = .*$", re.MULTILINE)
        if pattern.search(text):
            text = pattern.sub(line, text)
        else:
            text = text.replace("[mail]\n", f"[mail]\n{line}\n", 1)
        self.config_path.write_text(text, "utf-8")


def write_office(
    root: Path,
    dovecot: Dovecot,
    smtp: SmtpCapture,
    *,
    emails: Sequence[str] = (AGENCY,),
    extra: str = "",
    imap_port: int | None = None,
    security: str = "plain",
    poll: float = 180,
) -> MailOffice:
    root.mkdir(parents=True, exist_ok=True)
    (root / "code.txt").write_text("office-pass\n", "utf-8")
    email_list = ", ".join(f'"{e}"' for e in emails)
    text = f"""
[paths]
inbox = "inbox"
outbox = "outbox"
archive = "archive"
state = "state"

[watch]
scan_interval = 0.1
workers = 1

[mail]
address = "{OFFICE}"
password_file = "code.txt"
imap_host = "127.0.0.1"
imap_port = {imap_port or dovecot.port}
imap_security = "{security}"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "plain"
poll_seconds = {poll}
{extra}

[[agencies]]
name = "{SEED_AGENCY}"
kind = "镇"
emails = [{email_list}]

[[agencies]]
name = "城关镇人民政府"
kind = "镇"
emails = ["chengguan@county.test"]
"""
    path = root / "config.toml"
    path.write_text(text, "utf-8")
    return MailOffice(root, path, dovecot, smtp)


def gbk_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A .zip as Chinese Windows writes it: entry names in GBK bytes, the UTF-8 flag (bit 11)
    clear. `zipfile` would set the flag for a non-ASCII name, so each entry is written under
    an ASCII name of the same length and the name bytes are put in its place afterwards."""
    import io
    import zipfile

    buffer = io.BytesIO()
    names = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(entries):
            gbk = name.encode("gbk")
            stand_in = f"{i:03d}".encode().ljust(len(gbk), b"~")
            names.append((stand_in, gbk))
            archive.writestr(stand_in.decode(), data)
    out = buffer.getvalue()
    for stand_in, gbk in names:
        assert out.count(stand_in) == 2  # the local header and the central directory
        out = out.replace(stand_in, gbk)
    return out


def tnef(files: Sequence[tuple[bytes, bytes]], codepage: int = 936) -> bytes:
    """winmail.dat (TNEF, MS-OXTNEF) holding `files` as (title bytes in `codepage`, data), as
    Outlook on Chinese Windows writes it: a signature, then attributes, each one level byte,
    a 32-bit id (attribute | type << 16), a 32-bit length, the data and a 16-bit checksum."""
    import struct

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        head = struct.pack("<BII", level, name | kind << 16, len(data))
        return head + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attribute(1, 0x9007, 0x0006, struct.pack("<II", codepage, 0))  # attOemCodepage
    for title, data in files:
        out += attribute(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)
        out += attribute(2, 0x8010, 0x0001, title + b"\x00")  # attAttachTitle
        out += attribute(2, 0x800F, 0x0006, data)  # attAttachData
    return out
