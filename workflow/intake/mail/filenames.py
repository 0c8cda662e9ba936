"""Attachment names (and subjects) as Chinese mail programs really write them.

Four forms reach the office, sometimes mixed in one header:
- RFC 2231 (`filename*=UTF-8''%E5%90%8E…`, with `*0*=` continuations): modern clients;
- RFC 2047 encoded words in a quoted name (`name="=?GB2312?B?…?="`): Foxmail, Outlook;
- a GB2312 label over GBK bytes: Foxmail and Outlook on Chinese Windows label text `GB2312`
  but write GBK, whose extra characters (堃, 喆, 镕 …) a strict GB2312 decoder drops or
  garbles. Every GB-family label is therefore decoded as GB18030, the superset of both;
- raw 8-bit bytes in the header (no encoding at all): tried as UTF-8, then GB18030.

Messages are parsed with the compat32 policy, which keeps raw header text (8-bit bytes as
surrogate escapes) so that we decide how to decode, instead of a lenient default that would
silently replace characters.
"""

from __future__ import annotations

import codecs
import re
import urllib.parse
from email.header import decode_header
from email.message import Message
from email.policy import Compat32

__all__ = ["RAW_POLICY", "attachment_name", "decode_bytes", "decode_text"]


class _RawHeaders(Compat32):
    """compat32, but a header holding 8-bit bytes comes back as its raw text (bytes kept as
    surrogate escapes) instead of a `Header` object, so that `decode_text` decides."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


RAW_POLICY = _RawHeaders(linesep="\r\n")

_GB_FAMILY = {
    "gb2312",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "gb_2312-80",
    "euc-cn",
    "euccn",
    "chinese",
    "csgb2312",
    "gb18030",
    "x-gb18030",
    "hz-gb-2312",
}
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    if name in _GB_FAMILY and name != "hz-gb-2312":
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes of a header in `charset` (GB family as GB18030); unlabelled: UTF-8, then GB18030."""
    codec = _codec(charset)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    for fallback in ("utf-8", "gb18030"):
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", "replace")


def _raw_bytes(text: str) -> bytes:
    """Header text back to its bytes: 8-bit bytes were kept as surrogate escapes."""
    return text.encode("ascii", "surrogateescape")


def decode_text(value: str | None) -> str:
    """A header value with encoded words and/or raw 8-bit bytes -> text."""
    if not value:
        return ""
    if not _ENCODED_WORD.search(value):
        try:
            return decode_bytes(_raw_bytes(value))
        except UnicodeEncodeError:  # already text (non-ASCII str from an API caller)
            return value
    try:
        parts = decode_header(value)
    except Exception:  # a malformed encoded word: keep what is readable
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset) if charset else decode_bytes(chunk))
    return "".join(out)


def _rfc2231(value: tuple[str | None, str | None, str]) -> str:
    charset, _language, text = value
    # compat32 unquotes %XX as latin-1: each char is one byte of the original
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        data = _raw_bytes(text) if not any(ord(c) > 0xFFFF for c in text) else text.encode()
    if "%" in text:  # not yet unquoted (some parsers leave continuations quoted)
        data = urllib.parse.unquote_to_bytes(data)
    return decode_bytes(data, charset)


def _param(part: Message, name: str, header: str) -> str | None:
    value = part.get_param(name, None, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):
        return _rfc2231(value)
    return decode_text(str(value))


def attachment_name(part: Message) -> str | None:
    """The attachment's file name as the sender saw it: Content-Disposition `filename`, else
    Content-Type `name`; None when the part names no file."""
    for name, header in (("filename", "content-disposition"), ("name", "content-type")):
        try:
            text = _param(part, name, header)
        except (UnicodeError, LookupError, ValueError):
            text = None
        if text:
            text = text.replace("\x00", "").strip()
            return text.replace("/", "_").replace("\\", "_") or None
    return None
