"""A saved web page (.html / .htm) → `Document`.

Government sites publish the report as a page: the title in an <h1> or a <div>, the prose in
<p> or nested <div>s, the tables as <table> with colspan / rowspan, and cells full of <br>,
&nbsp; and <span>s. Every block element (p, div, h1–h6, li, br, tr …) ends a line of text; a
<table> becomes a `Table`, its merged cells repeated; a table nested in a cell gives its text to
that cell. Scripts, styles and comments are dropped.

The bytes are decoded by their BOM, else as UTF-8, else by the page's declared charset
(GB2312 and GBK read as GB18030, a superset), else as GB18030.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from workflow.core.errors import RejectedFile
from workflow.published.document import Document, Paragraph, Table, clean, is_layout

__all__ = ["decode_page", "read_html"]

_BLOCK = frozenset(
    {
        *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd"),
        *("section", "article", "header", "footer", "center", "blockquote", "pre", "form"),
        *("body", "html", "main", "nav", "aside", "caption"),
    }
)
_SKIP = frozenset(["script", "style", "head", "noscript", "template", "select", "button"])
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_MAX_BYTES = 50 * 1024 * 1024


def decode_page(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    encoding = declared.group(1).decode("ascii").lower() if declared else "gb18030"
    if encoding in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
        encoding = "gb18030"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("gb18030", errors="replace")


def read_html(path: Path, name: str) -> Document:
    """Raise `RejectedFile` when the file is empty, huge or not a page at all."""
    data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise RejectedFile("file.unsafe", name, "网页文件异常大")
    text = decode_page(data)
    if not text.strip():
        raise RejectedFile("file.empty", name)
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise RejectedFile("file.damaged", name, "（不是可以读取的网页）") from exc
    title = root.find(".//title")
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    return Document(
        blocks=walker.blocks, title_hint=clean(title.text_content()) if title is not None else ""
    )


class _Walker:
    """Collects lines of text and tables in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.line: list[str] = []

    def flush(self) -> None:
        text = clean("".join(self.line))
        if text:
            self.blocks.append(Paragraph(text))
        self.line = []

    def walk(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP:
            self.line.append(element.tail or "")
            return
        if tag == "table" and not _is_layout(element):
            self.flush()
            self.blocks.append(Table(_grid(element)))
            self.line.append(element.tail or "")
            return
        if tag == "br":
            self.flush()
            self.line.append(element.tail or "")
            return
        # a layout table (the whole page laid out in one): its rows and cells are blocks
        block = tag in _BLOCK or tag in ("table", "tr", "td", "th")
        if block:
            self.flush()
        if tag:
            self.line.append(element.text or "")
            for child in element:
                self.walk(child)
        if block:
            self.flush()
        self.line.append(element.tail or "")


def _is_layout(table: Any) -> bool:
    """A table that holds other tables and is the page's frame: its rows and cells are read as
    blocks (old sites frame the page in a table with spacer columns); a report table with a
    small table nested in a cell stays a report table (the nested text is its cell's)."""
    return is_layout(
        table.findall(".//table"),
        (
            sum(1 for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th"))
            for tr in _own_rows(table)
        ),
        lambda inner: inner.text_content(),
    )


def _own_rows(table: Any) -> Iterator[Any]:
    """The table's own <tr>s (in thead / tbody / tfoot or directly), not a nested table's."""
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if tr.tag == "tr")


def _cell_text(cell: Any) -> str:
    lines: list[str] = []
    walker = _Walker()
    walker.walk(cell)
    walker.flush()
    for block in walker.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            lines.extend(" ".join(c for c in row if c) for row in block.rows)
    return "\n".join(line for line in lines if line)


def _span(cell: Any, attribute: str) -> int:
    match = re.match(r"\s*(\d+)", cell.get(attribute) or "")
    return min(max(int(match.group(1)), 1), 1000) if match else 1


def _grid(table: Any) -> list[list[str]]:
    """Cell text by grid position; a rowspan carries a cell down into the rows below."""
    rows: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(_own_rows(table)):
        row: list[str] = []
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        for cell in cells:
            while (r, len(row)) in pending:
                row.append(pending.pop((r, len(row))))
            text = _cell_text(cell)
            column = len(row)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            row.extend([text] * colspan)
            for below in range(1, rowspan):
                for c in range(column, column + colspan):
                    pending[(r + below, c)] = text
        while (r, len(row)) in pending:
            row.append(pending.pop((r, len(row))))
        rows.append(row)
    return rows
