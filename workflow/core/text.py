"""Text as our outputs can hold it, and how wide it sets: one rule for every writer.

Agencies paste text from Word and web pages, and Excel's own escape `_xFFFE_` reads back as a
character that XML forbids. Every writer (the error workbook, the summary, the Word report, the
rejection note) cleans text with `clean_xml_text` and sizes columns and rows with `text_units`
/ `excel_width` / `wrapped_lines`, so that what one writer accepts no other one crashes on.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "EXCEL_CELL_LIMIT",
    "LINE_PT",
    "PADDING_PT",
    "clean_xml_text",
    "excel_width",
    "page_header",
    "text_units",
    "wrapped_lines",
]

EXCEL_CELL_LIMIT = 32767
"""Characters an Excel cell holds; openpyxl and xlsxwriter cut (or refuse) what is longer."""

LINE_PT = 15.0
"""Height in points of one line of 11 pt 宋体 (or its stand-in) with a little air: a row of n
wrapped lines needs n * LINE_PT + PADDING_PT, in Excel, WPS and LibreOffice alike."""
PADDING_PT = 6.0

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids (C0 controls but tab and line breaks, surrogates, U+FFFE/FFFF),
and the C1 controls, which no clerk ever meant to type."""


def clean_xml_text(value: object, limit: int | None = None) -> str:
    """`value` as text any Office file can hold: forbidden characters dropped, then cut to
    `limit` characters when given."""
    text = _XML_ILLEGAL.sub("", "" if value is None else str(value))
    return text if limit is None else text[:limit]


def text_units(text: str) -> int:
    """Width in half-width units: a CJK (wide or full-width) character counts 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def excel_width(text: str) -> float:
    """Width of `text` in Excel column units (a CJK character is about two digits wide)."""
    return 1.05 * text_units(text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` wraps to in a column `width` Excel units wide, each line break counted:
    neither openpyxl nor xlsxwriter can auto-fit rows, and a clipped message is of no use."""
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(excel_width(part) / usable)) for part in text.split("\n"))


def page_header(left: str = "", centre: str = "", right: str = "") -> str:
    """A printed page header (or footer) in Excel's codes: `left`, `centre`, `right`, each
    cleaned and with '&' doubled, so that an agency named 'A&B' prints as itself."""
    parts = zip(("&L", "&C", "&R"), (left, centre, right), strict=True)
    return "".join(code + clean_xml_text(text).replace("&", "&&") for code, text in parts if text)
