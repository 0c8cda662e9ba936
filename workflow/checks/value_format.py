"""Error 1: every count a whole number ≥ 0, the fee ≥ 0 with at most `fee_decimals` places.

The reader has already parsed each cell (`core.cell_values`) and recorded, per key, why a value
could not be taken; this check turns each of those problems into a finding that quotes what the
agency typed, so that the clerk can send it back as it is. A formula whose result was never
saved (a file written by a program, or saved without recalculation) is reported with its
formula, because there is nothing else to quote.

The readers take a fee with any number of places; the limit is the office's
``[checks] fee_decimals`` (6 by default: published reports print 万元 to the 分; an office
that wants fees to the 元 sets 4), so a fee with more places is reported here, by
`CheckContext.fee_decimals`.

A blank 报告年度 is left to the identity check, which says "not filled" rather than "not a
number".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from workflow.checks._common import field_label, field_labels, where
from workflow.checks.context import CheckContext
from workflow.core.cell_values import decimal_places, display_raw
from workflow.core.findings import RULES, Finding, finding
from workflow.core.form import FIELDS, FIELDS_BY_KEY, FieldType
from workflow.core.submission import Submission

__all__ = ["check_values"]

FORMULA_NO_VALUE = "value.formula_no_value"

_EXPECTED: dict[FieldType, str] = {
    FieldType.COUNT: "0 或正整数",
    FieldType.WAN_YUAN: "不小于 0 的数字（万元，最多 {places} 位小数）",
    FieldType.YEAR: "四位数字年份",
}


def _problem(sub: Submission, key: str, places: int) -> str | None:
    """The rule code for `key`, or None when its value was taken."""
    code = sub.problems.get(key)
    value = sub.values.get(key)
    if (
        code is None
        and FIELDS_BY_KEY[key].type is FieldType.WAN_YUAN
        and isinstance(value, Decimal)
        and decimal_places(value) > places
    ):
        return "value.fee_decimals"
    if code is None and key in sub.formulas and sub.raw.get(key) is None:
        # A formula with no saved result: the reader may have read it as blank (0).
        return FORMULA_NO_VALUE
    return code


def check_values(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """One error per field whose typed value could not be read, in the order of the form."""
    for field in FIELDS:
        key = field.key
        code = _problem(sub, key, ctx.fee_decimals)
        if code is None:
            continue
        raw = sub.raw.get(key)
        if code == FORMULA_NO_VALUE:
            shown = sub.formulas.get(key, "")
        else:
            shown = display_raw(raw)
            if field.type is FieldType.YEAR:
                if not shown.strip():
                    continue  # blank: reported by check_identity as not filled
                code = "value.not_year"
        if code not in RULES:
            code = "value.not_number"
        row_label, column_label = field_labels(key)
        yield finding(
            code,
            **where(sub, (key,)),
            row_label=row_label,
            column_label=column_label,
            expected=_EXPECTED.get(field.type, "").format(places=ctx.fee_decimals) or None,
            actual=shown,
            label=field_label(key),
            raw=shown,
            places=ctx.fee_decimals,
        )
