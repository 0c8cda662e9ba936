"""Published reports read the way a person reads them (issue 16): a label a character off, a row
left out, an extra section with its own table, sub-headings worded freely, a page pasted from
Word with the site's chrome around it. Each is read, with a 读取说明 note where a figure was
interpreted; a report is refused only where a number cannot be placed without guessing.

The documents are built here (tests/published_docs.py) the way offices lay them out.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.published_docs import Layout, PublishedReport, word_pasted_page
from tests.test_published import KINDS, NUMERIC, expected, numbers, write
from workflow.checks import run_checks
from workflow.core.errors import RejectedFile
from workflow.core.submission import Submission
from workflow.published import read_published


def read(report: PublishedReport, tmp_path: Path, kind: str = "docx") -> Submission:
    return read_published(write(report, tmp_path, kind))


def refusal(report: PublishedReport, tmp_path: Path, kind: str = "docx") -> str:
    with pytest.raises(RejectedFile) as caught:
        read(report, tmp_path, kind)
    assert caught.value.rule == "file.published_unreadable"
    return caught.value.finding.message


# --- labels a character or two off ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("label", "printed", "table"),
    [
        ("现行有效件数", "先行有效件数", "表二"),
        ("本年废止件数", "本年废址件数", "表二"),
        ("行政处罚", "行政处法", "表二"),
        ("社会公益组织", "社会公益组识", "表三"),
        ("一、本年新收政府信息公开申请数量", "一、本年新受政府信息公开申请数量", "表三"),
        ("1.属于国家秘密", "1.属与国家秘秘", "表三"),
        ("行政复议", "行政法复议", "表四"),
        ("结果维持", "结果维特", "表四"),
    ],
    ids=[
        "s2-header-in-force",
        "s2-header-repealed",
        "s2-row-penalty",
        "s3-column-social",
        "s3-row-new",
        "s3-item-secret",
        "s4-group-review",
        "s4-column-upheld",
    ],
)
def test_a_label_a_character_off_is_read_as_the_label_and_named(
    tmp_path: Path, kind: str, label: str, printed: str, table: str
) -> None:
    sub = read(PublishedReport(edits={label: printed}), tmp_path, kind)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    shown = printed.split(".", 1)[-1]
    meant = label.split(".", 1)[-1]
    assert sub.notes == [f"{table}中的“{shown}”按格式中的“{meant}”读取"]
    assert [f.rule for f in run_checks(sub)] == ["source.note"]


@pytest.mark.parametrize("groups_once", [False, True], ids=["merged", "groups-once"])
def test_items_printed_without_their_numbers_are_placed_by_their_words(
    tmp_path: Path, groups_once: bool
) -> None:
    """（三）不予公开 merged down its items, or written once: 属于国家秘密 is its item 1."""
    edits = {
        "1.属于国家秘密": "属于国家秘密",
        "1.本机关不掌握相关政府信息": "本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作": "没有现成信息需要另行制作",
    }
    report = PublishedReport(edits=edits, layout=Layout(groups_once=groups_once))
    sub = read(report, tmp_path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == []


@pytest.mark.parametrize("other", ["其它", "其他组织"])
def test_other_names_for_a_column_are_read(tmp_path: Path, other: str) -> None:
    sub = read(PublishedReport(edits={"其他": other, "总计": "合计"}), tmp_path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert f"表三中的“{other}”按格式中的“其他”读取" in sub.notes


def test_a_slip_as_near_to_two_labels_is_refused(tmp_path: Path) -> None:
    """行政诉议 is one character from 行政复议 and from 行政诉讼: which group its five
    columns belong to would be a guess."""
    message = refusal(PublishedReport(edits={"行政复议": "行政诉议"}), tmp_path)
    assert "表四中的“行政诉议”可能是“行政复议”或“行政诉讼”，无法确定" in message


def test_two_columns_that_could_each_be_the_label_are_refused(tmp_path: Path) -> None:
    edits = {"现行有效件数": "先行有效件数", "本年废止件数": "现形有效件数"}
    message = refusal(PublishedReport(edits=edits), tmp_path)
    assert "表二有两列都可能是“现行有效件数”，无法确定" in message


def test_a_label_further_off_is_not_taken(tmp_path: Path) -> None:
    """科研院所 is two characters from 科研机构: another word, not a slip."""
    message = refusal(PublishedReport(edits={"科研机构": "科研院所"}), tmp_path)
    assert "表三找不到“科研机构”列" in message


# --- rows left out ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_body_that_makes_no_rules_prints_only_the_normative_row(
    tmp_path: Path, kind: str
) -> None:
    report = PublishedReport(drop_rows=("规章",), edits={"行政规范性文件": "规范性文件"})
    sub = read(report, tmp_path, kind)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == ["表二没有“规章”行，按未填报（0）计"]
    assert str(sub.cells["rules_issued"]) == "表二!“规章”行“本年制发件数”列（报告中没有此行）"
    assert [f.rule for f in run_checks(sub)] == ["source.note"]


def test_a_row_of_table_three_left_out_is_not_reported(tmp_path: Path) -> None:
    item = "5.要求行政机关确认或重新出具已获取信息"
    sub = read(PublishedReport(drop_rows=(item,)), tmp_path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == [f"表三没有“（五）不予处理 {item}”行，按未填报（0）计"]


def test_a_missing_row_with_a_stray_row_of_numbers_is_refused(tmp_path: Path) -> None:
    """行政征收 stands where 行政强制 is missing: its number may be 行政强制's."""
    message = refusal(PublishedReport(edits={"行政强制": "行政征收"}), tmp_path)
    assert "表二中“行政征收”不是格式中的行，找不到“行政强制”行" in message


def test_a_table_with_most_rows_missing_is_refused(tmp_path: Path) -> None:
    report = PublishedReport(layout=Layout(groups_once=True))
    rows = next(r[1][0] for r in report.tables() if r[0].startswith("三"))
    items = tuple(cell[0] for row in rows for cell in row if cell[0][:1].isdigit())
    message = refusal(PublishedReport(layout=Layout(groups_once=True), drop_rows=items), tmp_path)
    assert "表三找不到" in message


def test_a_table_two_with_none_of_its_rows_is_refused(tmp_path: Path) -> None:
    labels = ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")
    message = refusal(PublishedReport(drop_rows=labels), tmp_path)
    assert "表二中找不到格式中的任何一行" in message


# --- extra sections and tables; sections found by their words ----------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_added_fee_section_with_its_own_table(tmp_path: Path, kind: str) -> None:
    """五、信息处理费收取情况 after table 四, the rest renumbered 六, 七."""
    sub = read(PublishedReport(fee_section=True), tmp_path, kind)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == []
    assert [(s.number, s.roles) for s in sub.printed] == [
        ("一", ("overview",)),
        ("二", ("proactive",)),
        ("三", ("applications",)),
        ("四", ("litigation",)),
        ("五", ("fees",)),
        ("六", ("problems",)),
        ("七", ("other",)),
    ]
    (fees,) = sub.sections_with("fees")
    assert fees.heading == "五、信息处理费收取情况"
    assert [table[-1] for table in fees.extra_tables] == [("信息处理费", "0", "0")]
    assert sub.text("text_problems") == "信息公开的深度还不够。"
    assert sub.text("text_other") == "本年度未收取信息处理费。"


def test_a_fee_section_worded_otherwise_is_the_fee_section(tmp_path: Path) -> None:
    report = PublishedReport(fee_section=True, fee_heading="五、政府信息公开收费及减免情况")
    sub = read(report, tmp_path)
    assert [s.roles for s in sub.printed][4:] == [("fees",), ("problems",), ("other",)]
    assert sub.text("text_problems") == "信息公开的深度还不够。"


def _drop_paragraph(path: Path, text: str) -> None:
    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        if paragraph.text == text:
            paragraph._p.getparent().remove(paragraph._p)
    document.save(str(path))


def test_a_table_after_table_four_with_no_heading_never_merges_into_it(tmp_path: Path) -> None:
    path = write(PublishedReport(fee_section=True), tmp_path, "docx")
    _drop_paragraph(path, "五、信息处理费收取情况")
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == []  # known by its words (信息处理费): not a table of the format


def test_an_unknown_table_after_table_four_is_not_read_and_named(tmp_path: Path) -> None:
    report = PublishedReport(fee_section=True, edits={"信息处理费": "依申请收费"})
    path = write(report, tmp_path, "docx")
    _drop_paragraph(path, "五、信息处理费收取情况")
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.notes == [
        "“四、政府信息公开行政复议、行政诉讼情况”下有一个不属于表二至表四的表格，未读取"
    ]


def test_the_closing_sections_are_found_by_their_words(tmp_path: Path) -> None:
    closing = (
        ("五、当前存在的突出问题", "问题甲。"),
        ("六、下一步工作安排", "举措乙。"),
        ("七、其他需要报告的事项", "其他丙。"),
    )
    sub = read(PublishedReport(closing=closing), tmp_path)
    assert sub.text("text_problems") == "问题甲。\n举措乙。"
    assert sub.text("text_other") == "其他丙。"
    assert sub.printed_text("problems") == "问题甲。\n举措乙。"


def test_a_section_worded_like_no_other_after_the_tables_is_its_own(tmp_path: Path) -> None:
    closing = (
        ("五、政务公开工作亮点", "亮点丁。"),
        ("六、存在的主要问题及改进情况", "问题甲。"),
        ("七、其他需要报告的事项", "其他丙。"),
    )
    sub = read(PublishedReport(closing=closing), tmp_path)
    assert [(s.heading, s.roles, s.text) for s in sub.printed[4:5]] == [
        ("五、政务公开工作亮点", (), "亮点丁。")
    ]
    assert sub.text("text_problems") == "问题甲。"
    assert sub.text("text_other") == "其他丙。"


def test_a_list_numbered_like_headings_inside_the_overview_stays_prose(tmp_path: Path) -> None:
    prose = {
        "（一）主动公开情况": "主动公开A。",
        "": "二、强化平台建设",
        "（二）依申请公开情况": "依申请B。",
    }
    sub = read(PublishedReport(prose=prose), tmp_path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert [s.roles for s in sub.printed][:2] == [("overview",), ("proactive",)]
    assert "二、强化平台建设" in sub.printed_text("overview")


def test_a_table_under_a_heading_worded_oddly_is_known_by_its_contents(tmp_path: Path) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        if paragraph.text == "二、主动公开政府信息情况":
            paragraph.text = "二、政府信息公开数据统计"
    document.save(str(path))
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)


def test_the_closing_sections_after_tables_with_no_headings(tmp_path: Path) -> None:
    """二、三、四 printed as images (not in the text): the tables are known by their contents,
    and 五、六 come after table 四 whatever number the last heading had."""
    path = write(PublishedReport(), tmp_path, "docx")
    for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"):
        _drop_paragraph(path, heading)
    _drop_paragraph(path, "四、政府信息公开行政复议、行政诉讼情况")
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_problems") == "信息公开的深度还不够。"
    assert sub.text("text_other") == "本年度未收取信息处理费。"


def test_closing_sections_numbered_on_from_a_missing_heading(tmp_path: Path) -> None:
    """No 四、 heading (table 四 printed under 三): 问题 and 其他 come as 四、 and 五、."""
    closing = (("四、存在的主要问题及改进情况", "问题甲。"), ("五、其他需要报告的事项", "其他丙。"))
    path = write(PublishedReport(closing=closing), tmp_path, "docx")
    _drop_paragraph(path, "四、政府信息公开行政复议、行政诉讼情况")
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert (sub.text("text_problems"), sub.text("text_other")) == ("问题甲。", "其他丙。")


def test_a_heading_merging_two_sections_gives_its_text_to_both(tmp_path: Path) -> None:
    closing = (("五、存在的主要问题、改进情况及其他需要报告的事项", "问题与其他。"),)
    sub = read(PublishedReport(closing=closing), tmp_path)
    assert sub.printed[-1].roles == ("problems", "other")
    assert sub.text("text_problems") == sub.text("text_other") == "问题与其他。"


def test_prose_around_a_table_is_its_sections_text(tmp_path: Path) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    table_three = document.tables[1]._tbl
    before = document.add_paragraph("2022年共收到政府信息公开申请0条。")
    table_three.addprevious(before._p)
    document.save(str(path))
    sub = read_published(path)
    assert sub.printed_text("applications") == "2022年共收到政府信息公开申请0条。"
    assert sub.printed_text("proactive") == ""
    assert sub.published


def test_tables_with_no_headings_at_all_are_still_a_published_report(tmp_path: Path) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    for paragraph in document.paragraphs[1:]:
        paragraph._p.getparent().remove(paragraph._p)
    document.save(str(path))
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.printed == []
    assert sub.published


def test_parts_of_a_split_table_that_do_not_line_up_are_refused(tmp_path: Path) -> None:
    """The second part of 表三 lost the first (blank) column: which column is 自然人 there
    would be a guess."""
    layout = Layout(split_applications_at=12, blank_column=True)
    page = PublishedReport(layout=layout).write_html(tmp_path / "a.html")
    parts = page.read_text("utf-8").split("<table")
    parts[3] = parts[3].replace('<tr><td style="text-align:center">&nbsp;</td>', "<tr>")
    page.write_text("<table".join(parts), "utf-8")
    with pytest.raises(RejectedFile, match="表三由几个列数不同的表格组成"):
        read_published(page)


# --- sub-headings of 一 worded freely -----------------------------------------------------------


def test_sub_headings_worded_as_aspects_head_their_parts(tmp_path: Path) -> None:
    prose = {
        "（一）主动公开方面": "A。",
        "（二）依申请公开方面": "B。",
        "（三）政府信息管理方面": "C。",
        "（四）信息公开平台建设方面": "D。",
        "（五）监督保障方面": "E。",
    }
    sub = read(PublishedReport(prose=prose), tmp_path)
    parts = ("text_proactive", "text_on_request", "text_management")
    assert [sub.text(k) for k in (*parts, "text_platforms", "text_oversight")] == [
        "A。",
        "B。",
        "C。",
        "D。",
        "E。",
    ]


def test_sub_headings_that_name_no_topic_keep_their_text_in_the_overview(tmp_path: Path) -> None:
    prose = {
        "（一）主动公开情况": "主动A。",
        "（二）突出重点，落实公开责任": "一是加强领导。二是完善制度。",
        "（三）规范办理依申请公开": "依申请B。",
        "（四）平台建设和监督保障": "平台C。",
    }
    sub = read(PublishedReport(prose=prose), tmp_path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_overview") == "（二）突出重点，落实公开责任\n一是加强领导。二是完善制度。"
    assert sub.text("text_proactive") == "主动A。"
    assert sub.text("text_on_request") == "依申请B。"
    assert sub.text("text_platforms") == "平台C。"
    assert sub.text("text_management") == ""
    whole = sub.printed_text("overview")
    assert all(words in whole for words in ("落实公开责任", "依申请B。", "平台建设和监督保障"))


def test_a_sub_heading_set_off_from_its_text_by_a_space(tmp_path: Path) -> None:
    prose = {"": "（四）政府信息管理方面 持续完善政府网站，优化“专栏”设置。"}
    sub = read(PublishedReport(prose=prose), tmp_path, "html")
    assert sub.text("text_management") == "持续完善政府网站，优化“专栏”设置。"


def test_a_sub_heading_run_into_its_text(tmp_path: Path) -> None:
    """（一）主动公开情况全年… : the official words end the heading; a heading of other words
    with no mark before its text leaves the whole paragraph as the part's text."""
    prose = {
        "": "（一）主动公开情况全年主动公开38条。",
        "（二）依申请公开情况": "依申请B。",
        "（三）加强平台建设一是改版政府门户网站新增智能问答等多项互动功能方便群众查询。": "",
    }
    sub = read(PublishedReport(prose=prose), tmp_path)
    assert sub.text("text_proactive") == "全年主动公开38条。"
    assert sub.text("text_platforms") == (
        "（三）加强平台建设一是改版政府门户网站新增智能问答等多项互动功能方便群众查询。"
    )


# --- real government markup --------------------------------------------------------------------


def test_a_page_pasted_from_word_inside_the_sites_chrome(tmp_path: Path) -> None:
    layout = Layout(fullwidth=True, split_applications_at=12)
    page = tmp_path / "t20230120_1.html"
    page.write_text(word_pasted_page(PublishedReport(layout=layout)), "utf-8")
    sub = read_published(page)
    assert (sub.agency, sub.year) == ("城关镇人民政府", 2022)  # not the side bar's reports
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_other") == "本年度未收取信息处理费。"  # the footer is not 六
    assert sub.notes == ["表三由 2 个表格组成（如跨页断开），已合并读取"]


def test_a_word_document_framed_in_a_layout_table(tmp_path: Path) -> None:
    path = PublishedReport().write_docx(tmp_path / "framed.docx", framed=True)
    sub = read_published(path)
    assert (sub.agency, sub.year) == ("城关镇人民政府", 2022)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_problems") == "信息公开的深度还不够。"


def test_a_report_table_with_a_table_nested_in_a_cell_stays_a_table(tmp_path: Path) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    cell = document.tables[0].cell(0, 0)
    cell.add_table(rows=1, cols=1).cell(0, 0).text = "注"
    document.save(str(path))
    assert numbers(read_published(path), NUMERIC) == expected(NUMERIC)


def test_a_sentence_run_into_a_top_heading_is_its_sections_text(tmp_path: Path) -> None:
    page = PublishedReport().write_html(tmp_path / "a.html")
    text = page.read_text("utf-8").replace(
        "<p>六、其他需要报告的事项</p><p>", "<p>六、其他需要报告的事项"
    )
    page.write_text(text, "utf-8")
    sub = read_published(page)
    assert sub.text("text_other") == "本年度未收取信息处理费。"
    assert sub.printed[-1].heading == "六、其他需要报告的事项"


def test_a_page_framed_in_a_wide_layout_table_with_spacer_columns(tmp_path: Path) -> None:
    """Old sites: nav | spacer | body | spacer, the report's tables inside the body cell."""
    page = PublishedReport().write_html(tmp_path / "old.htm")
    body = page.read_text("utf-8").split('<div class="article">', 1)[1].rsplit("</body>", 1)[0]
    framed = (
        '<html><body><table width="1000"><tr><td width="180">网站导航</td><td width="10"></td>'
        f'<td><div class="article">{body}</td><td width="10"></td></tr></table></body></html>'
    )
    page.write_text(framed, "utf-8")
    sub = read_published(page)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_problems") == "信息公开的深度还不够。"


def test_a_word_document_framed_in_a_wide_layout_table(tmp_path: Path) -> None:
    path = PublishedReport().write_docx(tmp_path / "framed.docx", framed=True)
    document = docx.Document(str(path))
    frame = document.tables[0]
    for _ in range(3):
        frame.add_column(docx.shared.Cm(1))
    document.save(str(path))
    assert numbers(read_published(path), NUMERIC) == expected(NUMERIC)


def test_a_web_table_with_a_table_nested_in_a_cell_stays_a_table(tmp_path: Path) -> None:
    page = PublishedReport().write_html(tmp_path / "a.html")
    nested = "<table><tr><td>注</td></tr></table>"
    text = page.read_text("utf-8").replace("<td", f"<td>{nested}</td><td", 1)
    page.write_text(text, "utf-8")
    assert numbers(read_published(page), NUMERIC) == expected(NUMERIC)
