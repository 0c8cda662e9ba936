"""Workbooks that are valid but far too big to be a report: the sound workbook of a test with
a huge shared-strings part added (a million short strings are 22 MB of XML that compress to
2.6 MB), the way a sheet pasted full of text or a column filled down a million rows ends up."""

from __future__ import annotations

import zipfile
from pathlib import Path

__all__ = ["with_shared_strings"]

_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(src: Path, dst: Path, count: int) -> Path:
    """`src` (a workbook made by our template writer) copied to `dst` with `count` more
    distinct strings in `xl/sharedStrings.xml`, after the ones its cells use (so the workbook
    still reads as it did); the part is created and declared when `src` has none."""
    import re

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        kept = b""
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                body = re.search(rb"<sst[^>]*>(.*)</sst>", data, re.DOTALL)
                kept = body.group(1) if body else b""
                continue
            if "xl/sharedStrings.xml" not in names:
                if info.filename == "[Content_Types].xml":
                    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/>'
                    data = data.replace(b"</Types>", override % _SST_TYPE + b"</Types>")
                elif info.filename == "xl/_rels/workbook.xml.rels":
                    rel = b'<Relationship Id="rId999" Type="%s" Target="sharedStrings.xml"/>'
                    data = data.replace(b"</Relationships>", rel % _SST_REL + b"</Relationships>")
            zout.writestr(info, data)
        total = kept.count(b"<si>") + kept.count(b"<si ") + count
        head = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            b' count="%d" uniqueCount="%d">' % (total, total)
        )
        with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(head + kept)
            for first in range(0, count, 50_000):
                last = min(count, first + 50_000)
                part.write(b"".join(b"<si><t>%d</t></si>" % i for i in range(first, last)))
            part.write(b"</sst>")
    return dst
