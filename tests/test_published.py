"""Published reports (Word, web pages) read by their labels into the values a workbook gives.

The documents are written here the way offices lay them out (tests/published_docs.py), not by
our renderer; the round trips of our own Word report are at the end.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from tests.published_docs import Layout, PublishedReport, report_values
from workflow.checks import CheckContext, run_checks
from workflow.core.errors import RejectedFile
from workflow.core.form import FIELDS
from workflow.published import read_published

NUMERIC = [f.key for f in FIELDS if f.is_numeric]
KINDS = ("docx", "html")
LAYOUTS = {
    "official": Layout(),
    "blank column, groups once, blanks, full-width": Layout(
        blank_column=True, groups_once=True, zero_as_blank=True, fullwidth=True
    ),
    "split at a page break": Layout(split_applications_at=12),
    "split inside a group, blank column": Layout(split_applications_at=9, blank_column=True),
    "headings as the tables' first rows": Layout(heading_in_table=True, groups_once=True),
}
UNREAD_2019 = {
    "rules_issued",
    "rules_repealed",
    "rules_in_force",
    "normative_issued",
    "normative_repealed",
    "normative_in_force",
    "fees_amount",
}


def write(report: PublishedReport, tmp_path: Path, kind: str, name: str = "report") -> Path:
    path = tmp_path / f"{name}.{kind}"
    return report.write_docx(path) if kind == "docx" else report.write_html(path)


def numbers(sub: object, keys: list[str]) -> dict[str, object]:
    values = sub.values  # type: ignore[attr-defined]
    return {k: values.get(k) for k in keys}


def expected(keys: list[str], **overrides: object) -> dict[str, object]:
    values = report_values(**overrides)
    return {k: Decimal(str(values[k])) if k == "fees_amount" else values[k] for k in keys}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_value_is_read_by_its_labels(tmp_path: Path, kind: str, layout: Layout) -> None:
    sub = read_published(write(PublishedReport(layout=layout), tmp_path, kind))
    assert (sub.agency, sub.year) == ("城关镇人民政府", 2022)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.problems == {}
    assert sub.text("text_on_request") == "2022年，我镇共收到政府信息公开申请7件，均按时答复。"
    assert sub.text("text_other") == "本年度未收取信息处理费。"
    assert sub.text("text_problems") == "信息公开的深度还不够。"
    split = ["表三由 2 个表格组成（如跨页断开），已合并读取"]
    assert sub.notes == (split if layout.split_applications_at else [])
    assert [f.rule for f in run_checks(sub)] == ["source.note"] * len(sub.notes)


@pytest.mark.parametrize("kind", KINDS)
def test_2019_layout_is_read_with_notes_and_nothing_guessed(tmp_path: Path, kind: str) -> None:
    report = PublishedReport(layout=Layout(layout_2019=True), year=2020)
    sub = read_published(write(report, tmp_path, kind))
    read = [k for k in NUMERIC if k not in UNREAD_2019]
    assert numbers(sub, read) == expected(read)
    assert not UNREAD_2019 & set(sub.values)  # not 0: unknown
    assert len(sub.notes) == 3
    assert "表三只有一行“（六）其他处理”（2019 年格式），已计入“（六）3.其他”" in sub.notes[2]
    assert "第二十条第（一）项为 2019 年格式" in sub.notes[0] and "6 个数未读取" in sub.notes[0]
    findings = run_checks(sub)
    assert [f.rule for f in findings] == ["source.note"] * 3
    assert all(not f.is_error for f in findings)


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_sum_names_the_table_row_and_column(tmp_path: Path, kind: str) -> None:
    values = report_values(apply_handled_total_natural=9, apply_handled_total_total=11)
    sub = read_published(write(PublishedReport(values=values), tmp_path, kind))
    errors = [f for f in run_checks(sub) if f.is_error]
    assert {(f.rule, f.cells[0]) for f in errors} == {
        ("sum.results_total", "表三!“（七）总计”行“自然人”列"),
        ("sum.results_total", "表三!“（七）总计”行“总计”列"),
        ("sum.balance", "表三!“一、本年新收政府信息公开申请数量”行“自然人”列"),
        ("sum.balance", "表三!“一、本年新收政府信息公开申请数量”行“总计”列"),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_cell_that_is_not_a_number_is_reported_not_guessed(tmp_path: Path, kind: str) -> None:
    values = report_values(apply_denied_secret_natural="一件", fees_amount="0.123456")
    sub = read_published(write(PublishedReport(values=values), tmp_path, kind))
    findings = [(f.rule, f.cells, f.actual) for f in run_checks(sub) if f.is_error]
    assert ("value.not_number", ("表三!“（三）不予公开 1.属于国家秘密”行“自然人”列",), "一件") in (
        findings
    )
    assert "value.fee_decimals" not in [rule for rule, _, _ in findings]  # 6 places: normal
    four = [(f.rule, f.cells, f.actual) for f in run_checks(sub, CheckContext(fee_decimals=4))]
    assert ("value.fee_decimals", ("表二!“行政事业性收费”行“本年收费金额（单位：万元）”列",),
            "0.123456") in four  # fmt: skip


@pytest.mark.parametrize(
    ("drop", "words"),
    [
        ("二", "找不到表二（“二、主动公开政府信息情况”标题下没有表格）"),
        ("三", "找不到表三"),
        ("四", "找不到表四"),
    ],
)
def test_a_missing_table_is_named(tmp_path: Path, drop: str, words: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        read_published(write(PublishedReport(drop_table=drop), tmp_path, "docx"))
    assert caught.value.rule == "file.published_unreadable"
    assert words in caught.value.finding.message
    assert "未作任何推测" in caught.value.finding.message


def _edit_first_cell(path: Path, old: str, new: str) -> None:
    doc = docx.Document(str(path))
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text == old:
                    cell.text = new
    doc.save(str(path))


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("科研机构", "科研院所", "表三找不到“科研机构”列"),
        ("本年废止件数", "备注", "表二“规章”行上方找不到“本年废止件数”列"),
        ("行政强制", "行政征收", "表二中“行政征收”不是格式中的行，找不到“行政强制”行"),
        ("2.重复申请", "2.要求提供公开出版物", "与格式中的“2.重复申请”不符"),
        ("结果维持", "维持", "表四缺少列：行政复议·结果维持"),
    ],
)
def test_a_table_that_cannot_be_read_says_which_and_why(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    _edit_first_cell(path, old, new)
    with pytest.raises(RejectedFile, match=words) as caught:
        read_published(path)
    assert caught.value.rule == "file.published_unreadable"


def test_a_row_with_numbers_and_an_unknown_label_is_refused(tmp_path: Path) -> None:
    path = write(PublishedReport(), tmp_path, "docx")
    _edit_first_cell(path, "二、上年结转政府信息公开申请数量", "二、本年受理数量")
    with pytest.raises(RejectedFile, match="表三中“二、本年受理数量”不是格式中的行"):
        read_published(path)


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("x.docx", b"", "file.empty"),
        ("x.docx", b"PK\x03\x04 not really a zip", "file.damaged"),
        ("x.docx", b"%PDF-1.7 renamed", "file.damaged"),
        ("x.html", b"   \n", "file.empty"),
        ("x.htm", "<html><body><p>通知</p></body></html>".encode(), "file.published_unreadable"),
    ],
)
def test_bad_files_are_rejected_in_chinese(
    tmp_path: Path, name: str, data: bytes, rule: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(RejectedFile) as caught:
        read_published(path)
    assert caught.value.rule == rule
    assert name in caught.value.finding.message


def test_a_gbk_page_with_its_charset_declared(tmp_path: Path) -> None:
    path = PublishedReport().write_html(tmp_path / "gbk.htm", encoding="gbk")
    sub = read_published(path)
    assert sub.agency == "城关镇人民政府"
    assert numbers(sub, NUMERIC) == expected(NUMERIC)


def test_the_page_title_stands_in_when_the_body_has_none(tmp_path: Path) -> None:
    page = PublishedReport().write_html(tmp_path / "a.html")
    text = page.read_text("utf-8").replace(
        "<h1>城关镇人民政府2022年政府信息公开工作年度报告</h1>", ""
    )
    page.write_text(text, "utf-8")
    assert (read_published(page).agency, read_published(page).year) == ("城关镇人民政府", 2022)


def test_a_page_laid_out_in_one_big_table(tmp_path: Path) -> None:
    """Old government sites put the whole page in a layout table holding the data tables."""
    page = PublishedReport().write_html(tmp_path / "old.htm")
    text = page.read_text("utf-8")
    body = text.split('<div class="article">', 1)[1].rsplit("</body>", 1)[0]
    framed = (
        '<html><body><table width="900"><tr><td>网站导航</td></tr><tr><td>'
        f'<div class="article">{body}</td></tr><tr><td>版权所有</td></tr></table></body></html>'
    )
    page.write_text(framed, "utf-8")
    sub = read_published(page)
    assert (sub.agency, sub.year) == ("城关镇人民政府", 2022)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_other") == "本年度未收取信息处理费。"


def test_headings_numbered_by_word_lists_have_no_number_in_their_text(tmp_path: Path) -> None:
    """Word's automatic numbering draws 一、 and （一） itself: the text is the words alone."""
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        for prefix in (
            "一、",
            "二、",
            "三、",
            "四、",
            "五、",
            "六、",
            "（一）",
            "（二）",
            "（三）",
        ):
            if paragraph.text.startswith(prefix) and len(paragraph.text) < 25:
                paragraph.text = paragraph.text.removeprefix(prefix)
    document.save(str(path))
    sub = read_published(path)
    assert numbers(sub, NUMERIC) == expected(NUMERIC)
    assert sub.text("text_on_request") == "2022年，我镇共收到政府信息公开申请7件，均按时答复。"
    assert sub.text("text_problems") == "信息公开的深度还不够。"


def test_section_four_reads_the_row_that_holds_the_numbers(tmp_path: Path) -> None:
    """A blank spacer row under the header is not the figures; two rows of figures are refused."""
    path = write(PublishedReport(), tmp_path, "docx")
    document = docx.Document(str(path))
    table = document.tables[-1]
    figures = table.rows[-1]._tr
    spacer = copy.deepcopy(figures)
    for text in spacer.iter(qn("w:t")):
        text.text = ""
    figures.addprevious(spacer)
    document.save(str(path))
    assert numbers(read_published(path), NUMERIC) == expected(NUMERIC)
    figures.addnext(copy.deepcopy(figures))
    document.save(str(path))
    with pytest.raises(RejectedFile, match="表四表头下有 2 行数字"):
        read_published(path)
