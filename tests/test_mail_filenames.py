"""Attachment names as Foxmail, Outlook, 163/QQ web mail and old clients write them."""

from __future__ import annotations

import base64
import quopri
from urllib.parse import quote

import pytest

from tests.mail_helpers import raw_mail
from workflow.intake.mail.message import parse_message

NAME = "后河镇堃2021年报告.xlsx"  # 堃 is GBK, not GB2312: a strict GB2312 decoder loses it
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _b(text: bytes) -> str:
    return base64.b64encode(text).decode()


def _headers() -> dict[str, bytes]:
    gbk = NAME.encode("gbk")
    utf8 = NAME.encode("utf-8")
    q = quopri.encodestring(gbk, header=True).decode()
    return {
        "rfc2231 utf-8": f"Content-Type: {XLSX}\r\nContent-Disposition: attachment;"
        f" filename*=UTF-8''{quote(utf8)}".encode(),
        "rfc2231 gbk continuations": f"Content-Type: {XLSX}\r\nContent-Disposition: attachment;"
        f"\r\n filename*0*=gb2312''{quote(gbk[:6])};\r\n filename*1*={quote(gbk[6:])}".encode(),
        "rfc2047 utf-8 in name=": f'Content-Type: {XLSX}; name="=?UTF-8?B?{_b(utf8)}?="\r\n'
        "Content-Disposition: attachment".encode(),
        "foxmail: GB2312 label over GBK bytes": f"Content-Type: {XLSX};\r\n"
        f' name="=?GB2312?B?{_b(gbk)}?="\r\nContent-Disposition: attachment;\r\n'
        f' filename="=?GB2312?B?{_b(gbk)}?="'.encode(),
        "outlook: quoted-printable gb2312": f'Content-Type: {XLSX}; name="=?gb2312?Q?{q}?="'
        "\r\nContent-Disposition: attachment".encode(),
        "raw 8-bit utf-8": f"Content-Type: {XLSX}\r\nContent-Disposition: attachment;"
        ' filename="'.encode()
        + utf8
        + b'"',
        "raw 8-bit gbk": f"Content-Type: {XLSX}\r\nContent-Disposition: attachment;"
        ' filename="'.encode()
        + gbk
        + b'"',
    }


@pytest.mark.parametrize("kind", list(_headers()))
def test_every_encoding_gives_the_chinese_name(kind: str) -> None:
    raw = raw_mail(attachments=[(_headers()[kind], b"PK\x03\x04data")])
    mail = parse_message(raw)
    assert [a.name for a in mail.workbooks] == [NAME]
    assert mail.workbooks[0].data == b"PK\x03\x04data"


def test_a_forwarded_message_gives_its_attachments() -> None:
    inner = raw_mail(
        message_id="<inner@x>",
        attachments=[(_headers()["foxmail: GB2312 label over GBK bytes"], b"PK\x03\x04inner")],
    )
    outer = raw_mail(
        message_id="<outer@x>",
        attachments=[(b"Content-Type: message/rfc822\r\nContent-Disposition: inline", b"")],
    ).replace(
        b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n",
        b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner,
    )
    mail = parse_message(outer)
    assert mail.message_id == "<outer@x>"
    assert [(a.name, a.data) for a in mail.workbooks] == [(NAME, b"PK\x03\x04inner")]


def test_other_files_are_not_workbooks_and_a_gbk_subject_decodes() -> None:
    raw = raw_mail(
        attachments=[(b'Content-Type: image/png; name="photo.png"', b"\x89PNG")]
    ).replace(
        b"Subject: ",
        b"Subject: =?GB2312?B?" + _b("堃的报告".encode("gbk")).encode() + b"?=\r\nX-Old: ",
    )
    mail = parse_message(raw)
    assert mail.workbooks == []
    assert mail.other_files == ["photo.png"]
    assert mail.subject == "堃的报告"
