"""What an agency types becomes a number only when that is unambiguous."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.core.cell_values import parse_count, parse_fee, parse_year


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("３", 3),
        (" 3 ", 3),
        ("3.0", 3),
        ("1,234", 1234),
        ("\u30003\u3000", 3),
        (None, 0),
        ("", 0),
        ("  ", 0),
        (0, 0),
    ],
)
def test_counts_read_as_numbers(raw: object, value: int) -> None:
    assert parse_count(raw).value == value
    assert parse_count(raw).problem is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("三件", "value.not_number"),
        ("约10", "value.not_number"),
        ("-1", "value.negative"),
        (-1, "value.negative"),
        ("1.5", "value.not_whole"),
        (1.5, "value.not_whole"),
        (True, "value.not_number"),
        ("1e3", "value.not_number"),
        ("12,34", "value.not_number"),
        ("—", "value.not_number"),
    ],
)
def test_ambiguous_counts_are_problems(raw: object, problem: str) -> None:
    parsed = parse_count(raw)
    assert (parsed.value, parsed.problem) == (None, problem)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (1.2345, Decimal("1.2345")),
        ("0.0001", Decimal("0.0001")),
        (None, Decimal(0)),
        (12, Decimal(12)),
        ("１２．５", Decimal("12.5")),
    ],
)
def test_fee_keeps_four_places(raw: object, value: Decimal) -> None:
    assert parse_fee(raw).value == value


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("1.23456", "value.fee_decimals"), (-0.5, "value.negative"), ("五万", "value.not_number")],
)
def test_fee_problems(raw: object, problem: str) -> None:
    assert parse_fee(raw).problem == problem


@pytest.mark.parametrize(("raw", "value"), [(2021, 2021), ("2021年", 2021), ("２０２１", 2021)])
def test_years(raw: object, value: int) -> None:
    assert parse_year(raw).value == value


def test_nonsense_year() -> None:
    assert parse_year("去年").problem == "value.not_number"
