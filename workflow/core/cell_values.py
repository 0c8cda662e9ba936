"""How what an agency typed becomes a number.

Agencies type into Excel or WPS, copy from Word, and use full-width digits. A value is read as
a number when that is unambiguous ("３", " 3 ", "3.0", "1,234"); anything else ("三件", "约10",
"-1", "1.5" for a count) is a problem named by a rule code of the findings catalogue, and the
checks quote what was typed. A blank count means 0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from workflow.core.form import FIELDS_BY_KEY, FieldType

__all__ = [
    "FEE_DECIMALS",
    "FEE_FORMAT",
    "FEE_PLACES",
    "Parsed",
    "decimal_places",
    "display_raw",
    "parse_count",
    "parse_fee",
    "parse_year",
    "stored_number",
]

FEE_PLACES = 4
"""The county's own format: a fee to the 元; the Word report prints at least these places."""
FEE_DECIMALS = 6
"""The default of ``[checks] fee_decimals``: published reports print 万元 to the 分
(18651.064104), which is normal, not a typing slip."""
FEE_FORMAT = "0." + "0" * FEE_PLACES + "#" * (FEE_DECIMALS - FEE_PLACES)
"""Excel's number format of a fee cell (workbook and summary): at least `FEE_PLACES` places, and
up to `FEE_DECIMALS`, so a fee typed to the 分 shows whole instead of rounded to the 元."""
FLOAT_PLACES = 9
"""Below this, a binary float's tail is noise, not what was typed."""
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


@dataclass(frozen=True, slots=True)
class Parsed:
    value: int | Decimal | None
    problem: str | None = None
    """Rule code when the value could not be taken, e.g. 'value.not_number'."""


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ").strip()
    text = text.replace("−", "-").replace("－", "-")
    return text


def _to_decimal(raw: object) -> Decimal | str | None:
    """Decimal, None for blank, or a problem code."""
    if raw is None:
        return None
    if isinstance(raw, (bool, datetime | date | time)):
        return "value.not_number"
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return "value.not_number"
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    text = _normalise(str(raw))
    if not text:
        return None
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return "value.not_number"
    try:
        return Decimal(text)
    except InvalidOperation:
        return "value.not_number"


def parse_count(raw: object) -> Parsed:
    """A whole number ≥ 0; blank is 0."""
    number = _to_decimal(raw)
    if number is None:
        return Parsed(0)
    if isinstance(number, str):
        return Parsed(None, number)
    if number < 0:
        return Parsed(None, "value.negative")
    if number != number.to_integral_value():
        return Parsed(None, "value.not_whole")
    return Parsed(int(number))


def parse_fee(raw: object, places: int | None = FEE_PLACES) -> Parsed:
    """A number of 万元 ≥ 0 with at most `places` decimal places; blank is 0.

    `places=None` takes any number of places: the readers do that and leave the limit to
    `checks.values`, which knows the office's ``[checks] fee_decimals``. Excel stores binary
    floats, so 1.2345 may arrive as 1.2344999999999999: a value within 1e-9 of `places` places
    (nine when unlimited) is taken as those places.
    """
    number = _to_decimal(raw)
    if number is None:
        return Parsed(Decimal(0))
    if isinstance(number, str):
        return Parsed(None, number)
    if number < 0:
        return Parsed(None, "value.negative")
    rounded = number.quantize(Decimal(1).scaleb(-(FLOAT_PLACES if places is None else places)))
    if number != rounded:
        if isinstance(raw, float) and abs(number - rounded) < Decimal("1e-9"):
            if places is None:
                return Parsed(rounded.normalize())
            return Parsed(rounded.normalize() if rounded == 0 else rounded)
        if places is not None:
            return Parsed(None, "value.fee_decimals")
    return Parsed(number)


def parse_year(raw: object) -> Parsed:
    """A four-digit year; '2021年' and '２０２１' are accepted."""
    if isinstance(raw, str):
        raw = _normalise(raw).removesuffix("年").strip()
    parsed = parse_count(raw)
    if parsed.value is None or not 1900 <= int(parsed.value) <= 2999:
        return Parsed(None, "value.not_number")
    return parsed


def display_raw(raw: object) -> str:
    """What the agency typed, for quoting in a message."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def stored_number(key: str, value: object) -> int | Decimal | None:
    """A number of a report already judged (the ledger's record, last year's report).

    Counts come back as int, 万元 as an exact Decimal (at whatever precision was accepted);
    a blank is 0. None means unknown: the key is missing (`value` is None) or holds no number.
    The one reading of stored values for the summary's totals and the cross-year checks.
    """
    if value is None:
        return None
    if FIELDS_BY_KEY[key].type is not FieldType.WAN_YUAN:
        count = parse_count(value).value
        return count if isinstance(count, int) else None
    number = _to_decimal(value)
    if number is None:
        return Decimal(0)
    if isinstance(number, str) or not number.is_finite() or number < 0:
        return None
    return number


def decimal_places(value: Decimal) -> int:
    """How many places after the point `value` needs: 0.35 -> 2, 1.20 -> 1, 3 -> 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
