"""Error 6: agency name, report year, required prose; the agency name as issued (warning)."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, check_identity
from workflow.core.form import PROSE_PARTS

CTX = CheckContext()


def identity(**kwargs: object) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.fields) for f in check_identity(make_submission(**kwargs), CTX)]  # type: ignore[arg-type]


def test_seed_is_complete() -> None:
    assert identity() == []


@pytest.mark.parametrize("typed", [None, "", "   ", "\u3000"])
def test_missing_agency_name(typed: object) -> None:
    findings = list(check_identity(make_submission(agency_name=typed), CTX))
    assert [(f.rule, f.fields, f.cells) for f in findings] == [
        ("meta.agency_missing", ("agency_name",), (cell("agency_name"),))
    ]
    assert findings[0].is_error and findings[0].expected == "后河镇人民政府"


def test_agency_other_than_issued_is_a_warning() -> None:
    (f,) = check_identity(make_submission(agency_name="后河镇政府"), CTX)
    assert (f.rule, f.is_error, f.actual, f.expected) == (
        "meta.agency_mismatch",
        False,
        "后河镇政府",
        "后河镇人民政府",
    )
    assert "后河镇政府" in f.message and "后河镇人民政府" in f.message


@pytest.mark.parametrize("typed", [" 后河镇人民政府 ", "后河镇 人民政府", "后河镇人民政府\n"])
def test_agency_name_differing_only_in_spaces_is_the_same(typed: str) -> None:
    assert identity(agency_name=typed) == []


def test_no_issued_agency_means_no_comparison() -> None:
    assert identity(agency_name="别的单位", issued_agency=None) == []


def test_year_other_than_issued_is_an_error() -> None:
    (f,) = check_identity(make_submission(report_year=2020), CTX)
    assert (f.rule, f.fields, f.expected, f.actual) == (
        "meta.year_mismatch",
        ("report_year",),
        "2021",
        "2020",
    )
    assert f.is_error and "2020" in f.message and "2021" in f.message


@pytest.mark.parametrize("typed", [2021, "2021", "２０２１年", 2021.0])
def test_year_as_issued(typed: object) -> None:
    assert identity(report_year=typed) == []


def test_blank_year_is_not_filled() -> None:
    assert identity(report_year=None) == [("text.required_missing", ("report_year",))]


def test_unreadable_year_is_left_to_check_values() -> None:
    assert identity(report_year="二〇二一") == []


def test_no_issued_year_means_no_comparison() -> None:
    assert identity(report_year=2019, issued_year=None) == []


@pytest.mark.parametrize("part", [p for p in PROSE_PARTS if p.required], ids=lambda p: p.key)
@pytest.mark.parametrize("typed", [None, "", "  \n ", "——", "/"])
def test_required_prose_part_missing(part: object, typed: object) -> None:
    key = part.key  # type: ignore[attr-defined]
    findings = list(check_identity(make_submission({key: typed}), CTX))
    assert [(f.rule, f.fields, f.cells) for f in findings] == [
        ("text.required_missing", (key,), (cell(key),))
    ]
    assert findings[0].is_error


def test_optional_overview_may_be_empty() -> None:
    assert identity(text_overview=None) == []


def test_missing_parts_are_reported_in_the_form_order() -> None:
    assert identity(text_other="", text_proactive=None, agency_name="") == [
        ("meta.agency_missing", ("agency_name",)),
        ("text.required_missing", ("text_proactive",)),
        ("text.required_missing", ("text_other",)),
    ]
