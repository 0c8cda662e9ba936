"""Makers of bad and hostile files, built from code so anyone can regenerate them.

Each function writes one file and returns its path. They stream what is large (a 300 MB zip
bomb is never held in memory) and stay fast enough for the test suite.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "BILLION_LAUGHS",
    "EXTERNAL_ENTITY",
    "ole_file",
    "prepend_doctype",
    "rewrite_member",
    "truncated",
    "zip_bomb",
    "zip_with_members",
]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
)
"""A DTD whose entity &lol9; expands to 10^9 'lol's."""

EXTERNAL_ENTITY = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
"""A DTD whose entity &xxe; would read a local file."""


def _ole_entry(name: str, kind: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
    return entry.ljust(128, b"\x00")


def ole_file(path: Path, streams: tuple[str, ...] = ()) -> Path:
    """An OLE compound file: the 512-byte header (magic, version 3, 512-byte sectors) and one
    directory sector holding a root entry and an entry per name in `streams`. Enough for any
    sniffer; not a file Excel would open."""
    header = bytearray(512)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 48, 0)  # first directory sector
    entries = _ole_entry("Root Entry", 5) + b"".join(_ole_entry(s, 2) for s in streams)
    path.write_bytes(bytes(header) + entries.ljust(512 * ((len(entries) + 511) // 512), b"\0"))
    return path


def truncated(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """The first `fraction` of `src`: an attachment cut off in transit."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def rewrite_member(src: Path, dst: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Copy the zip `src` to `dst` with `member`'s content replaced by `change(content)`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        zin.getinfo(member)  # KeyError now, rather than a silently unchanged copy
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, change(data) if info.filename == member else data)
    return dst


def prepend_doctype(doctype: bytes, reference: bytes = b"") -> Callable[[bytes], bytes]:
    """A `rewrite_member` change that puts `doctype` after the XML declaration and, if given,
    `reference` (e.g. b"&lol9;") as the text of the first <t> or <v> element."""

    def change(xml: bytes) -> bytes:
        decl_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        out = xml[:decl_end] + doctype + xml[decl_end:]
        if reference:
            for tag in (b"<t>", b'<t xml:space="preserve">', b"<v>"):
                at = out.find(tag)
                if at >= 0:
                    end = out.index(b"<", at + len(tag))
                    return out[: at + len(tag)] + reference + out[end:]
        return out

    return change


def zip_bomb(path: Path, megabytes: int = 300, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A workbook-shaped zip whose `member` inflates to `megabytes` MB of zeros (about 1000:1).

    Streamed in 1 MB chunks: the 300 MB never exist in memory or on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = bytes(1 << 20)
        with archive.open(info, "w", force_zip64=True) as stream:
            for _ in range(megabytes):
                stream.write(chunk)
    return path


def zip_with_members(path: Path, count: int) -> Path:
    """A workbook-shaped zip with `count` tiny members (a directory too large to walk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        for i in range(count - 1):
            archive.writestr(f"xl/media/{i}.bin", b"")
    return path
