"""A Word document (.docx) → `Document`: body paragraphs and tables in reading order.

Read from the XML, not through python-docx's `row.cells`, so that merges are explicit: a cell
with ``w:gridSpan`` fills that many grid columns, a cell with ``w:vMerge`` (continue) repeats
the text of the cell above it, ``w:gridBefore`` leaves grid columns empty at a row's start.
Paragraphs inside content controls (``w:sdt``) and the cells of a nested table count as text of
their own block — except in a layout table (at most three cells a row, holding tables: a report
pasted from a web page or framed), whose cells' paragraphs and tables are read as blocks.
A line break (``w:br``) inside a title paragraph stays a line break.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn

from workflow.core.errors import RejectedFile
from workflow.published.document import Document, Paragraph, Table, clean, is_layout

__all__ = ["read_docx"]

_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_T, _BR, _TAB = qn("w:t"), qn("w:br"), qn("w:tab")
_MAX_BYTES = 200 * 1024 * 1024
"""Uncompressed size above which a .docx is refused as a zip bomb, not read."""


def read_docx(path: Path, name: str) -> Document:
    """Raise `RejectedFile` when the file is not a Word document we can open."""
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > _MAX_BYTES:
                raise RejectedFile("file.unsafe", name, "解压后体积异常")
        word = docx.Document(str(path))
    except RejectedFile:
        raise
    except Exception as exc:  # zipfile, lxml, python-docx: a damaged or foreign file
        raise RejectedFile("file.damaged", name, "（不是可以打开的 Word 文档 .docx）") from exc
    body = word.element.body
    return Document(blocks=list(_blocks(body)), title_hint=clean(word.core_properties.title or ""))


def _blocks(parent: Any) -> Iterator[Paragraph | Table]:
    for child in parent.iterchildren():
        if child.tag == _P:
            yield Paragraph(_text(child))
        elif child.tag == _TBL and _is_layout(child):
            for tr in child.iterchildren(_TR):
                for tc in tr.iterchildren(_TC):
                    yield from _blocks(tc)
        elif child.tag == _TBL:
            yield Table(_grid(child))
        elif child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content)


def _is_layout(tbl: Any) -> bool:
    """A table that holds the report (or part of it) in its cells: a document pasted from a
    web page, or laid out in a frame. Its cells' paragraphs and tables are read as blocks."""
    rows = list(tbl.iterchildren(_TR))
    nested = [t for tr in rows for tc in tr.iterchildren(_TC) for t in tc.iter(_TBL)]
    return is_layout(nested, (len(list(tr.iterchildren(_TC))) for tr in rows), _text)


def _text(element: Any) -> str:
    """The text of a paragraph or cell; w:br as a line break, paragraphs of a cell joined
    by line breaks."""
    parts: list[str] = []
    for node in element.iter(_T, _BR, _TAB, _P):
        if node.tag == _T:
            parts.append(node.text or "")
        elif node.tag == _TAB:
            parts.append(" ")
        elif parts:  # a break, or the start of the cell's next paragraph
            parts.append("\n")
    return "\n".join(clean(line) for line in "".join(parts).split("\n")).strip()


def _grid(tbl: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    for tr in tbl.iterchildren(_TR):
        row: list[str] = []
        props = tr.find(qn("w:trPr"))
        before = props.find(qn("w:gridBefore")) if props is not None else None
        if before is not None:
            row.extend([""] * int(before.get(qn("w:val"), "0")))
        for tc in tr.iterchildren(_TC):
            tcpr = tc.find(qn("w:tcPr"))
            span, merge = 1, None
            if tcpr is not None:
                grid_span = tcpr.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = max(1, int(grid_span.get(qn("w:val"), "1")))
                v_merge = tcpr.find(qn("w:vMerge"))
                if v_merge is not None:
                    merge = v_merge.get(qn("w:val"), "continue")
            column = len(row)
            if merge == "continue" and rows and column < len(rows[-1]):
                text = rows[-1][column]
            else:
                text = _text(tc)
            row.extend([text] * span)
        rows.append(row)
    return rows
