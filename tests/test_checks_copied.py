"""Warnings for a report copied forward from last year's accepted one."""

from __future__ import annotations

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, PreviousReport, check_copied
from workflow.checks.copied import MIN_COPIED_OTHER, MIN_COPIED_TEXT
from workflow.example import seed_values

SOURCE = "后河镇2020.xlsx"


def last_year(year: int = 2020, **values: object) -> PreviousReport:
    return PreviousReport(values={**seed_values(), **values}, source=SOURCE, year=year)


def copied(previous: PreviousReport | None, **overrides: object) -> list:
    sub = make_submission(overrides)
    return [(f.rule, f.fields, f.cells) for f in check_copied(sub, CheckContext(previous=previous))]


def test_same_figures_and_same_prose_are_flagged() -> None:
    # the seed has 行政处罚 3: not all zero, and its long prose parts are last year's
    found = copied(last_year())
    assert ("copy.figures_unchanged", ("penalty_decisions",), (cell("penalty_decisions"),)) in found
    texts = {fields[0] for rule, fields, _ in found if rule == "copy.text_unchanged"}
    assert texts == {
        "text_overview", "text_proactive", "text_on_request", "text_management",
        "text_platforms", "text_oversight", "text_problems",
    }  # fmt: skip  # text_other ("2021年本单位未收取信息处理费。") is a stock sentence


def test_one_changed_figure_or_sentence_clears_it() -> None:
    changed = {k: v + "（本年新增内容）" for k, v in seed_values().items() if k.startswith("text_")}
    assert copied(last_year(), penalty_decisions=4, **changed) == []


def test_all_zero_figures_every_year_are_legitimate() -> None:
    zeros = {k: 0 for k, v in seed_values().items() if isinstance(v, int) and k != "report_year"}
    changed = {k: v + "（新）" for k, v in seed_values().items() if k.startswith("text_")}
    assert copied(last_year(**zeros), **zeros, **changed) == []


def test_fees_compare_exactly_whatever_their_form_last_year() -> None:
    changed = {k: v + "（新）" for k, v in seed_values().items() if k.startswith("text_")}
    found = copied(last_year(fees_amount="1.2500"), fees_amount="1.25", **changed)
    assert [rule for rule, _, _ in found] == ["copy.figures_unchanged"]


def test_only_the_year_before_counts() -> None:
    assert copied(None) == []
    assert copied(last_year(year=2019)) == []


def test_message_names_last_years_file() -> None:
    sub = make_submission({})
    (first, *_) = check_copied(sub, CheckContext(previous=last_year()))
    assert SOURCE in first.message


def test_a_stock_statement_in_six_citing_a_long_title_is_not_a_copy() -> None:
    """The 办法's title and document number are another body's words; the statement itself
    (no fee charged) is the same every year."""
    other = (
        "按照《国务院办公厅关于印发<政府信息公开信息处理费管理办法>的通知》（国办函〔2020〕109号）"
        "规定的按件、按量收费标准，本年度没有产生信息公开处理费。"
    )
    found = copied(last_year(text_other=other), text_other=other)
    assert ("text_other",) not in [fields for _, fields, _ in found]
    stock = (
        "本年度未收取信息处理费，无其他需要报告的事项。"
        "本机关严格执行信息处理费管理办法的各项规定，依法依规做好相关工作。"
    )
    assert MIN_COPIED_TEXT <= len(stock) < MIN_COPIED_OTHER
    found = copied(last_year(text_other=stock), text_other=stock)
    assert ("text_other",) not in [fields for _, fields, _ in found]
    long_other = "本年度" + "深入推进政务公开标准化规范化建设，" * 6
    found = copied(last_year(text_other=long_other), text_other=long_other)
    assert ("text_other",) in [fields for _, fields, _ in found]


def test_a_part_that_is_mostly_cited_titles_is_counted_by_its_own_words() -> None:
    cited = (
        "认真贯彻《中华人民共和国政府信息公开条例》"
        "《国务院办公厅关于印发<政府信息公开信息处理费管理办法>的通知》。"
    )
    assert len(cited) >= MIN_COPIED_TEXT
    found = copied(last_year(text_oversight=cited), text_oversight=cited)
    assert ("text_oversight",) not in [fields for _, fields, _ in found]
