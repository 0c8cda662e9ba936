"""Warning: numbers in the prose against the cells they stand for (text.figure_mismatch).

Measured on the corpus of real-style passages (tests/prose_corpus.py): every contradiction is
caught, every agreeing statement left alone; `benchmarks/prose_figures.py` prints the counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_helpers import cell, make_submission
from tests.prose_corpus import AGREEING, CITY, CONTRADICTIONS, DISTRICT, TABLE, Case, prose_warnings
from tests.published_docs import PublishedReport, report_values
from workflow.checks import CheckContext, check_prose_figures, run_checks
from workflow.published import read_published


@pytest.mark.parametrize("case", CONTRADICTIONS, ids=[c.text for c in CONTRADICTIONS])
def test_every_contradiction_of_the_corpus_is_caught(case: Case) -> None:
    found = prose_warnings(case.text, case.table)
    assert len(found) == case.contradictions
    assert all(f.fields[0] == "text_on_request" and len(f.fields) >= 2 for f in found)
    assert all(not f.is_error for f in found)
    if case.explains:
        assert any(case.explains in f.message for f in found)


@pytest.mark.parametrize("case", AGREEING, ids=[c.text for c in AGREEING])
def test_every_agreeing_statement_of_the_corpus_is_left_alone(case: Case) -> None:
    assert prose_warnings(case.text, case.table) == []


def test_the_city_report_message_names_both_readings() -> None:
    sub = make_submission(
        {**TABLE, **CITY, "text_on_request": "2021年，共收到行政复议案件134件，行政诉讼案件57件。"}
    )
    review, suits = check_prose_figures(sub, CheckContext())
    assert review.fields == ("text_on_request", "review_total")
    assert review.cells == (cell("text_on_request"), cell("review_total"))
    assert review.message == (
        "“一、总体情况 / （二）依申请公开情况”写有“共收到行政复议案件134件”，"
        "但表四“行政复议”总计为170。文中的134等于表格的“总计减尚未审结（已审结的案件）”，"
        "可能把它当成了这一项。"
    )
    assert (review.expected, suits.expected) == ("170", "77")
    assert suits.fields == ("text_on_request", "suit_direct_total", "suit_after_review_total")


def test_the_district_report_says_received_includes_carried_in() -> None:
    (found,) = prose_warnings("本年度共收到政府信息公开申请75件。", DISTRICT)
    assert found.rule == "text.figure_mismatch"
    assert found.fields == ("text_on_request", "apply_new_total")
    assert "文中的75等于表格的“本年新收加上年结转”" in found.message


def test_fees_written_in_yuan_are_compared_in_wan_yuan() -> None:
    assert prose_warnings("收取行政事业性收费3500元。") == []
    (found,) = prose_warnings("收取行政事业性收费3600元。")
    assert found.expected == "0.35" and found.fields[1] == "fees_amount"


def test_an_unreadable_cell_is_left_to_check_values() -> None:
    sub = make_submission({**TABLE, "review_total": "三件", "text_on_request": "复议4件。"})
    assert list(check_prose_figures(sub, CheckContext())) == []


def test_a_published_report_is_checked_against_its_own_tables(tmp_path: Path) -> None:
    values = report_values(**CITY)
    page = PublishedReport(values=values).write_html(tmp_path / "city.html")
    text = page.read_text("utf-8").replace(
        "均按时答复。", "均按时答复。全年共收到行政复议案件134件。"
    )
    page.write_text(text, "utf-8")
    sub = read_published(page)
    (found,) = [f for f in run_checks(sub) if f.rule == "text.figure_mismatch"]
    assert found.cells == ("正文!（二）依申请公开情况", "表四!“行政复议”行“总计”列")
    assert "尚未审结" in found.message
