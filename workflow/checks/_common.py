"""Small helpers every check uses to say where a finding is: keys, cells and labels.

A finding names its cells in the same order as its keys (the error workbook and the tests pair
them), so both always come from `where()`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from workflow.core.form import FIELDS_BY_KEY, PROSE_PARTS, ProsePart
from workflow.core.submission import Submission

__all__ = [
    "PROSE_BY_KEY",
    "field_label",
    "field_labels",
    "format_number",
    "prose_label",
    "where",
]

PROSE_BY_KEY: dict[str, ProsePart] = {p.key: p for p in PROSE_PARTS}


def where(sub: Submission, keys: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`fields` and `cells` keyword arguments for `finding()`, each key once, in order."""
    keys = tuple(dict.fromkeys(keys))
    return {"fields": keys, "cells": sub.cells_of(keys)}


def prose_label(key: str) -> str:
    """'一、总体情况 / （二）依申请公开情况', '一、总体情况 / 总述', '六、其他需要报告的事项'."""
    part = PROSE_BY_KEY[key]
    if part.heading:
        return f"{part.section} / {part.heading}"
    if part.key == "text_overview":
        return f"{part.section} / 总述"
    return part.section


def field_label(key: str) -> str:
    """How a message names a field: the prose heading, or block / row / column."""
    if key in PROSE_BY_KEY:
        return prose_label(key)
    return FIELDS_BY_KEY[key].label


def field_labels(key: str) -> tuple[str, str]:
    """(row_label, column_label) of a field, for the error workbook's list.

    Section 四 has a single row; its group (行政复议, …) stands in as the row label.
    """
    if key in PROSE_BY_KEY:
        return prose_label(key), ""
    f = FIELDS_BY_KEY[key]
    return f.row_label or f.block, f.column_label


def format_number(value: int | Decimal) -> str:
    """A number as a clerk would write it: no exponent, no trailing zeros after the point."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
