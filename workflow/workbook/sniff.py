"""Decide, before openpyxl touches a file, whether it is something we may open at all.

Agencies send back whatever their mail client or office suite produced: the old .xls format,
a workbook with an opening password, a Word document or a PDF renamed .xlsx, a CSV export, an
attachment cut off half way. The shared server must also survive a hostile file: a zip bomb
(a few kilobytes that inflate to gigabytes) or XML with entity declarations ("billion laughs",
external entities that read local files). `inspect_file` looks only at magic bytes, the zip
central directory and the first few kilobytes of each XML member, so it is cheap and never
inflates more than it reads; it raises `RejectedFile` with a `file.*` rule code whose Chinese
message tells the agency what to send instead.

What this module does not see (a bad CRC deep in a member, XML that is malformed further on)
is found when openpyxl reads the file; the reader maps those failures to `file.damaged`, and
defusedxml's refusals to `file.unsafe`.
"""

from __future__ import annotations

import codecs
import mmap
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from workflow.core.errors import RejectedFile

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_TOTAL_UNCOMPRESSED",
    "MAX_XML_BYTES",
    "RATIO_MIN_BYTES",
    "UNSAFE_XML",
    "XML_PROLOG_BYTES",
    "inspect_file",
    "legacy_kind",
]

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
"""Sum of the declared uncompressed sizes; a filled report is a few hundred kilobytes."""
MAX_FILE_BYTES = MAX_TOTAL_UNCOMPRESSED
"""A file this large cannot be a report, whatever its zip directory says."""
MAX_XML_BYTES = 10 * 1024 * 1024
"""Default cap on the unpacked XML of a workbook (`[watch] file_xml_mb`): a filled report is
about 0.1–1 MB of XML (our template: 116 KB). The reader costs about 0.45 s per MB of XML (a
million shared strings, 22 MB, take 10 s and hundreds of MB), so a file over this is refused
before openpyxl opens it, as `file.oversized`; images and other binary parts do not count."""
MAX_MEMBERS = 10_000
"""A workbook has a few dozen members; a huge directory costs memory before anything inflates."""
MAX_RATIO = 200
"""Compression ratio above which a large member is a bomb. Real sheet XML stays far below."""
RATIO_MIN_BYTES = 10 * 1024 * 1024
"""Small members may compress extremely well (a run of empty rows); only large ones count."""
XML_PROLOG_BYTES = 4096
"""How much of each XML member is read to find its root element (Excel puts it at byte ~60)."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "，看起来是 PDF 文件"),
    (b"\x89PNG", "，看起来是图片"),
    (b"\xff\xd8\xff", "，看起来是图片"),
    (b"GIF8", "，看起来是图片"),
    (b"BM", "，看起来是图片"),
    (b"II*\x00", "，看起来是图片"),
    (b"MM\x00*", "，看起来是图片"),
    (b"{\\rtf", "，看起来是 RTF 文档"),
    (b"Rar!", "，看起来是 RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "，看起来是 7z 压缩包"),
    (b"\x1f\x8b", "，看起来是压缩包"),
)

_UNSAFE_SIZE = "解压后体积异常大，疑似“压缩炸弹”"
UNSAFE_XML = "含有 XML 实体声明（DOCTYPE/ENTITY），可能用于攻击服务器"
"""The `file.unsafe` detail for a DTD, whether this module or defusedxml in openpyxl finds it."""
_UNSAFE_PROLOG = "XML 文件开头异常，找不到正文"

# The XML declaration, processing instructions and comments that may precede the root element.
_PROLOG = re.compile(r"\A\ufeff?\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*", re.DOTALL)


def inspect_file(
    path: Path, display_name: str | None = None, max_xml_bytes: int = MAX_XML_BYTES
) -> None:
    """Raise `RejectedFile` unless `path` looks like an .xlsx that is safe to hand to openpyxl.

    It does not prove the file is our template or undamaged; it proves openpyxl will not be
    fed something it would misread, choke on, or inflate without bound, nor more XML than
    `max_xml_bytes` (`file.oversized`).
    """
    name = display_name or path.name
    try:
        size = path.stat().st_size
        if size == 0:
            raise RejectedFile("file.empty", name)
        if size > MAX_FILE_BYTES:
            raise RejectedFile(
                "file.unsafe", name, f"文件大小异常（超过 {MAX_FILE_BYTES >> 20} MB）"
            )
        with path.open("rb") as handle:
            head = handle.read(XML_PROLOG_BYTES)
            if head.startswith(_OLE_MAGIC):
                _inspect_ole(handle, name)
            elif head.startswith(_ZIP_MAGICS):
                _inspect_zip(handle, size, name, max_xml_bytes)
            else:
                raise RejectedFile("file.not_workbook", name, _guess_kind(head))
    except OSError as exc:
        raise RejectedFile("file.damaged", name, "（文件无法读取）") from exc


# ---------------------------------------------------------------------------------------------
# OLE compound files: .xls, .doc, and OOXML encrypted with a password
# ---------------------------------------------------------------------------------------------


def _ole_entry(stream: str) -> bytes:
    """The first 66 bytes of an OLE directory entry for `stream`: its UTF-16-LE name padded
    with zeros to 64 bytes, then the name length in bytes (with the terminator). Matching the
    padding and the length, not just the name, keeps file content from being mistaken for it."""
    encoded = stream.encode("utf-16-le") + b"\x00\x00"
    return encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded))


_OLE_KINDS: tuple[tuple[bytes, str, str], ...] = (
    (_ole_entry("EncryptedPackage"), "file.encrypted", ""),
    (_ole_entry("WordDocument"), "file.not_workbook", "，看起来是 Word 97-2003 文档（.doc）"),
    (_ole_entry("PowerPoint Document"), "file.not_workbook", "，看起来是 PowerPoint 演示文稿"),
)


def _inspect_ole(handle: BinaryIO, name: str) -> None:
    """An OLE file is never an .xlsx: say which kind it is (default: the old .xls format)."""
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for entry, rule, detail in _OLE_KINDS:
            if data.find(entry) >= 0:
                raise RejectedFile(rule, name, detail)
        # Only a file with a BIFF workbook stream is worth handing to LibreOffice to convert.
        sheets = any(data.find(_ole_entry(stream)) >= 0 for stream in ("Workbook", "Book"))
    raise RejectedFile("file.legacy_xls", name, legacy_kind(name), convertible=sheets)


def legacy_kind(name: str) -> str:
    """What an OLE spreadsheet is called for the clerk: WPS saves its own .et (the same binary
    family as .xls), everything else is Excel 97-2003."""
    if Path(name).suffix.lower() in (".et", ".ett"):
        return "WPS 表格格式（.et）"
    return "旧版 Excel 97-2003 格式（.xls）"


# ---------------------------------------------------------------------------------------------
# Zip files: .xlsx, .docx, .ods, .ofd, plain archives, bombs
# ---------------------------------------------------------------------------------------------


def _declared_members(handle: BinaryIO, size: int) -> int | None:
    """The member count of the end-of-central-directory record (zip64 aware), read before
    `zipfile` builds an object per member, so a directory of a million entries costs nothing."""
    tail_len = min(size, 22 + 0xFFFF)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count: int = struct.unpack_from("<H", tail, at + 10)[0]
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        offset: int = struct.unpack_from("<Q", tail, at - 12)[0]
        if offset < size:
            handle.seek(offset)
            record = handle.read(56)
            if len(record) == 56 and record.startswith(b"PK\x06\x06"):
                count = struct.unpack_from("<Q", record, 32)[0]
    return count


def _inspect_zip(handle: BinaryIO, size: int, name: str, max_xml_bytes: int) -> None:
    declared = _declared_members(handle, size)
    if declared is not None and declared > MAX_MEMBERS:
        raise RejectedFile("file.unsafe", name, f"压缩包内文件数量异常（{declared} 个）")
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            _check_sizes(members, name)
            _check_xml_size(members, name, max_xml_bytes)
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                if _is_ods(archive, names):
                    raise RejectedFile("file.ods", name)
                raise RejectedFile("file.not_workbook", name, _guess_zip_kind(archive, names))
            if any(m.flag_bits & 0x1 for m in members):
                raise RejectedFile("file.encrypted", name)
            if "xl/styles.xml" not in names:
                # Excel and WPS always write it; the error workbook cannot be made without it.
                raise RejectedFile("file.damaged", name, "（缺少样式部分）")
            for member in members:
                if member.filename.lower().endswith(_XML_SUFFIXES):
                    _check_xml_prolog(archive, member, name)
    except RejectedFile:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        struct.error,
    ) as exc:
        raise RejectedFile("file.damaged", name, "（文件不完整或压缩数据有误）") from exc


def _check_sizes(members: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse a bomb by the sizes its directory declares; zipfile never inflates past them."""
    if len(members) > MAX_MEMBERS:
        raise RejectedFile("file.unsafe", name, f"压缩包内文件数量异常（{len(members)} 个）")
    if sum(m.file_size for m in members) > MAX_TOTAL_UNCOMPRESSED:
        raise RejectedFile("file.unsafe", name, _UNSAFE_SIZE)
    for m in members:
        if m.file_size > RATIO_MIN_BYTES and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise RejectedFile("file.unsafe", name, _UNSAFE_SIZE)


def _check_xml_size(members: list[zipfile.ZipInfo], name: str, limit: int) -> None:
    """Refuse more XML than a report can hold, by the sizes the directory declares (zipfile
    never inflates past them, so a member that lies fails as damaged when read)."""
    total = sum(m.file_size for m in members if m.filename.lower().endswith(_XML_SUFFIXES))
    if total > limit:
        detail = f"解压后的表格内容有 {_megabytes(total)} MB，超过上限 {_megabytes(limit)} MB"
        raise RejectedFile("file.oversized", name, detail)


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.1f}".removesuffix(".0")


def _check_xml_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> None:
    """Refuse a member whose root element is preceded by a DOCTYPE (entity declarations live
    only there) or is not found in the first few kilobytes at all.

    openpyxl parses some parts with lxml (entities not resolved, but parsed) and others with
    defusedxml; refusing here means no DTD reaches either parser.
    """
    with archive.open(member) as stream:
        head = stream.read(XML_PROLOG_BYTES)
    text = _decode_xml_head(head)
    rest = text[_PROLOG.match(text).end() :]  # type: ignore[union-attr]  # \A...* always matches
    if rest.startswith("<!"):
        raise RejectedFile("file.unsafe", name, UNSAFE_XML)
    if len(head) == XML_PROLOG_BYTES and (not rest or rest.startswith("<?")):
        raise RejectedFile("file.unsafe", name, _UNSAFE_PROLOG)


def _decode_xml_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8", errors="replace")


def _guess_zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "word/document.xml" in names:
        return "，看起来是 Word 文档"
    if "ppt/presentation.xml" in names:
        return "，看起来是 PowerPoint 演示文稿"
    if "xl/workbook.bin" in names:
        return "，看起来是 Excel 二进制工作簿（.xlsb）"
    if "OFD.xml" in names:
        return "，看起来是 OFD 版式文件"
    if b"opendocument.text" in _mimetype(archive, names):
        return "，看起来是 ODT 文档"
    return "，看起来是普通压缩包"


def _mimetype(archive: zipfile.ZipFile, names: set[str]) -> bytes:
    """The `mimetype` member of an OpenDocument file (b'' when there is none or it is odd)."""
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
        return archive.read("mimetype")
    return b""


def _is_ods(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """An OpenDocument spreadsheet (LibreOffice's own format, also saved by WPS)."""
    return b"opendocument.spreadsheet" in _mimetype(archive, names)


# ---------------------------------------------------------------------------------------------
# Everything else
# ---------------------------------------------------------------------------------------------


def _guess_kind(head: bytes) -> str:
    """A short Chinese guess of what the file is, from its first bytes; '' when unsure."""
    for magic, detail in _SIGNATURES:
        if head.startswith(magic):
            return detail
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "，看起来是 CSV 或文本文件"
    if b"\x00" in head:
        return ""
    text = _decode_text(head, complete=len(head) < XML_PROLOG_BYTES)
    if text is None:
        return ""
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta")):
        return "，看起来是网页（HTML）文件"
    if start.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in start:
            return "，看起来是 Excel 2003 XML 表格"
        return "，看起来是 XML 文件"
    return "，看起来是 CSV 或文本文件"


def _decode_text(head: bytes, *, complete: bool) -> str | None:
    """`head` as text if it is UTF-8 or GB18030 (WPS and Excel CSV exports in China)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            # A partial read may end inside a character: the decoder keeps those bytes back.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in "\t\r\n\f" for ch in text):
            return text
    return None
