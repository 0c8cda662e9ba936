"""Prose figures read the whole sentence: what stands on both sides of a number and its clause.

Each test below is one reading of a real report's sentence that must not raise a warning (or,
at the end, one that must and did not before: the words around the tables of 二–四). The
sentences are taken from published reports (issue 16); each trips one branch of
`checks._figures` alone, against the tables of `tests.prose_corpus.TABLE` (新收 7, 上年结转 1,
予以公开 3, 部分公开 1, 不予公开 1, 办理结果总计 8, 复议 2 with 1 尚未审结, 行政许可 1234,
行政规范性文件 制发 3).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from tests.prose_corpus import FIGURE_RULES, prose_warnings
from tests.published_docs import Layout, PublishedReport
from workflow.checks import run_checks
from workflow.published import read_published

RULES = (*FIGURE_RULES, "text.year_out_of_range")
warnings = partial(prose_warnings, rules=RULES)


def test_a_part_introduced_by_qizhong_is_not_the_whole() -> None:
    # 公开答复 reads as 答复 (办结): 1 is a part of the 8 handled, not their number
    assert warnings("共办结申请8件，其中公开答复1件。") == []
    assert len(warnings("共办结申请8件，公开答复1件。")) == 1  # without 其中 it is a claim


def test_qizhong_closing_the_clause_before_introduces_the_part_too() -> None:
    assert warnings("共办结申请8件，其中：依法答复申请2件。") == []
    assert len(warnings("共办结申请8件，依法答复申请2件。")) == 1


def test_a_part_that_is_a_whole_row_is_still_compared() -> None:
    (found,) = warnings("共办结申请8件，其中予以公开5件。")
    assert found.expected == "3"


def test_every_item_of_a_bracketed_list_of_parts_is_a_part() -> None:
    assert warnings("主动公开规章13件（含新制定5件，修改4件，废止4件）。") == []
    assert len(warnings("主动公开规章13件，修改4件，废止4件。")) == 1  # 废止 4 against 0


def test_a_count_with_its_own_qualifier_in_brackets() -> None:
    """8 = 新收 7 + 上年结转 1, and the bracket says so."""
    assert warnings("本年度共收到政府信息公开申请8件（含上年结转1件）。") == []
    (found,) = warnings("本年度共收到政府信息公开申请8件。")  # the same figure, unqualified
    assert "本年新收加上年结转" in found.message


def test_the_replies_of_one_kind_are_a_part() -> None:
    assert warnings("属于已主动公开答复申请1条。") == []
    assert len(warnings("答复申请1条。")) == 1


def test_a_count_followed_by_its_state_is_a_part() -> None:
    assert warnings("办理申请2件仍在办理中。") == []


def test_a_review_count_followed_by_its_outcome_is_a_part() -> None:
    assert warnings("行政复议1件被依法纠错。") == []


def test_a_reply_names_its_decision() -> None:
    """答复 after 无法提供 is how the 无法提供 decision was given: compared with 无法提供 (2)."""
    assert warnings("因无法提供相关信息答复2件。") == []
    (found,) = warnings("因无法提供相关信息答复3件。")
    assert found.fields[1] == "apply_unable_not_held_total"


def test_a_count_of_part_of_the_year() -> None:
    assert warnings("上半年办结申请3件。") == []


def test_documents_by_disclosure_attribute_are_not_decisions() -> None:
    text = "全年制发政府信息378条，其中主动公开125条、依申请公开176条、不予公开77条。"
    assert warnings(text) == []


def test_published_items_of_a_category_are_not_decisions() -> None:
    assert warnings("公开行政许可类信息2条。") == []
    assert len(warnings("办理行政许可2件。")) == 1


def test_documents_reviewed_are_not_documents_issued() -> None:
    assert warnings("梳理本单位印发的行政规范性文件228份。") == []


def test_documents_of_past_years_are_not_this_years() -> None:
    assert warnings("历年印发行政规范性文件228份。") == []


def test_qufen_chuli_is_partial_disclosure_not_handling() -> None:
    # the 2019 wording of 部分公开: “区分处理后公开” is 部分公开 1, not 办理结果总计
    assert warnings("申请告知书中，“同意公开”3件，“区分处理后公开”1件。") == []
    (found,) = warnings("“区分处理后公开”2件。")
    assert found.fields[1] == "apply_partial_total"


def test_last_years_accounts_and_report_are_this_years_business() -> None:
    assert warnings("公开2021年预算和2020年决算。") == []
    assert warnings("发布2020年度政府信息公开工作年度报告。") == []
    assert warnings("公开2020年度财政支出项目绩效评价结果。") == []
    assert warnings("集中发布2020年度承办市人大代表建议、政协提案办理情况。") == []
    assert [f.actual for f in warnings("公开2020年预算。")] == ["2020年"]


def test_when_something_still_in_use_began() -> None:
    assert warnings("2020年7月正式开通微信公众号，全年发布信息784条。") == []
    assert [f.actual for f in warnings("2020年7月发布信息784条。")] == ["2020年"]


def test_a_likely_reason_only_where_the_numbers_fit_it() -> None:
    (found,) = warnings("发生政府信息公开行政复议案件0件。")
    assert "可能把它当成" not in found.message and "请核对文字与表格是否一致" in found.message
    (found,) = warnings("发生政府信息公开行政复议案件1件。")  # 2 less 1 尚未审结
    assert "总计减尚未审结" in found.message


# --- the words around the tables of 二–四 (published reports) ----------------------------------


def _page(tmp_path: Path, heading: str, words: str) -> Path:
    page = PublishedReport().write_html(tmp_path / "r.html")
    html = page.read_text("utf-8")
    marker = f"<strong>{heading}</strong></p>"
    assert marker in html
    page.write_text(html.replace(marker, f"{marker}<p>{words}</p>", 1), "utf-8")
    return page


def test_a_count_above_table_three_is_checked_against_it(tmp_path: Path) -> None:
    page = _page(
        tmp_path, "三、收到和处理政府信息公开申请情况", "2022年共收到政府信息公开申请0条。"
    )
    found = [f for f in run_checks(read_published(page)) if f.rule in RULES]
    assert [(f.rule, f.fields, f.expected) for f in found] == [
        ("text.applications_contradiction", ("apply_new_total",), "7")
    ]
    assert found[0].message.startswith("“三、收到和处理政府信息公开申请情况”写有")


def test_a_year_slip_in_section_two_is_found(tmp_path: Path) -> None:
    page = _page(tmp_path, "二、主动公开政府信息情况", "2021年，本机关主动公开政府信息235条。")
    found = [f for f in run_checks(read_published(page)) if f.rule in RULES]
    assert [(f.rule, f.actual, f.row_label) for f in found] == [
        ("text.year_out_of_range", "2021年", "二、主动公开政府信息情况")
    ]


def test_words_after_a_table_belong_to_its_section(tmp_path: Path) -> None:
    """Words after 表四 are 四's, not the last prose part's: a 行政复议 count there is checked."""
    page = PublishedReport().write_html(tmp_path / "r.html")
    html = page.read_text("utf-8").replace(
        "<p>五、存在的主要问题及改进情况</p>",
        "<p>本年度发生行政复议案件5件。</p><p>五、存在的主要问题及改进情况</p>",
    )
    page.write_text(html, "utf-8")
    sub = read_published(page)
    assert sub.section_text == {"litigation": "本年度发生行政复议案件5件。"}
    found = [f for f in run_checks(sub) if f.rule == "text.figure_mismatch"]
    assert [(f.fields, f.expected, f.row_label) for f in found] == [
        (("review_total",), "2", "四、政府信息公开行政复议、行政诉讼情况")
    ]


def test_words_after_a_table_headed_in_its_own_first_row(tmp_path: Path) -> None:
    """The heading of 四 as the table's first row: the words after the table are still 四's."""
    report = PublishedReport(layout=Layout(heading_in_table=True))
    page = report.write_html(tmp_path / "r.html")
    html = page.read_text("utf-8")
    assert "<p>五、存在的主要问题及改进情况</p>" in html
    html = html.replace(
        "<p>五、存在的主要问题及改进情况</p>",
        "<p>本年度发生行政复议案件5件。</p><p>五、存在的主要问题及改进情况</p>",
    )
    page.write_text(html, "utf-8")
    assert read_published(page).section_text == {"litigation": "本年度发生行政复议案件5件。"}
