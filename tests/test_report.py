"""The Word report: the published 后河镇 2021 report rendered through the shipped template and read
back with python-docx, the way the office (and its readers) will see it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.table import Table
from lxml import etree

from tests.conftest import MakeWorkbook
from workflow.core import form
from workflow.core.cell_values import parse_count, parse_fee, parse_year
from workflow.core.errors import OutputError, ReportTemplateError
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission
from workflow.example import seed_values
from workflow.report.render import KNOWN_HELPERS, build_context, render_report, report_filename

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "report.docx"
TITLE = "后河镇人民政府\n2021年政府信息公开工作年度报告"
ERRORS = [finding("meta.agency_missing"), finding("text.required_missing", label="x")]


def submission(base: Mapping[str, object] | None = None, **overrides: object) -> Submission:
    """A Submission parsed from values as an agency typed them (the seed unless `base`)."""
    raw = dict(seed_values() if base is None else base, **overrides)
    parsers = {
        form.FieldType.COUNT: parse_count,
        form.FieldType.WAN_YUAN: parse_fee,
        form.FieldType.YEAR: parse_year,
    }
    values: dict[str, object] = {}
    for field in form.FIELDS:
        parse = parsers.get(field.type)
        values[field.key] = parse(raw.get(field.key)).value if parse else raw.get(field.key, "")
    return Submission(values=values, raw=raw)  # type: ignore[arg-type]


def render(
    tmp: Path,
    sub: Submission | None = None,
    findings: list[Finding] | None = None,
    *,
    draft: bool = False,
    template: Path = TEMPLATE,
) -> DocumentObject:
    out = render_report(
        sub or submission(), findings or [], template, tmp / "report.docx", draft=draft
    )
    return docx.Document(str(out))


def texts(doc: DocumentObject, style: str | None = None) -> list[str]:
    return [p.text for p in doc.paragraphs if style is None or p.style.name == style]


def cells(table: Table) -> list[list[tuple[str, int, str | None]]]:
    """Each row's real cells (w:tc) as (text, gridSpan, vMerge)."""
    out = []
    for tr in table._tbl.tr_lst:
        row = []
        for tc in tr.tc_lst:
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            row.append((text, tc.grid_span, tc.vMerge))
        out.append(row)
    return out


@pytest.fixture(scope="module")
def seed_doc(tmp_path_factory: pytest.TempPathFactory) -> DocumentObject:
    return render(tmp_path_factory.mktemp("seed"))


def test_report_filename() -> None:
    assert (
        report_filename("后河镇人民政府", 2021)
        == "后河镇人民政府2021年政府信息公开工作年度报告.docx"
    )
    assert (
        report_filename("党政办/综治办", 2021) == "党政办_综治办2021年政府信息公开工作年度报告.docx"
    )


def test_title_and_headings_in_order(seed_doc: DocumentObject) -> None:
    assert texts(seed_doc, "Title") == [TITLE]
    assert seed_doc.core_properties.title == TITLE.replace("\n", "")
    assert texts(seed_doc, "Heading 1") == list(form.SECTION_TITLES.values())
    assert texts(seed_doc, "Heading 2") == [p.heading for p in form.PROSE_PARTS if p.heading]


def test_a_short_title_stays_on_one_line(tmp_path: Path) -> None:
    doc = render(tmp_path, submission(agency_name="县财政局"))
    assert texts(doc, "Title") == ["县财政局2021年政府信息公开工作年度报告"]


def test_prose_becomes_body_paragraphs(seed_doc: DocumentObject) -> None:
    body = texts(seed_doc)
    values = seed_values()
    start = body.index("（一）主动公开情况")
    proactive = str(values["text_proactive"]).split("\n")
    assert body[start + 1 : start + 4] == [*proactive, "（二）依申请公开情况"]
    problems = str(values["text_problems"]).split("\n")
    start = body.index(form.SECTION_TITLES["problems"])
    assert body[start + 1 : start + 4] == [*problems, form.SECTION_TITLES["other"]]
    assert body[-1] == values["text_other"]
    para = next(p for p in seed_doc.paragraphs if p.text == proactive[0])
    assert para.style.name == "Normal"


def test_overview_paragraph_only_when_given(tmp_path: Path) -> None:
    body = texts(render(tmp_path, submission(text_overview="  ")))
    start = body.index(form.SECTION_TITLES["overview"])
    assert body[start + 1] == "（一）主动公开情况"


def test_blank_lines_and_indent_spaces_are_dropped(tmp_path: Path) -> None:
    body = texts(
        render(tmp_path, submission(text_other="\u3000\u3000第一段。\r\n\r\n  第二段。\n"))
    )
    assert body[-2:] == ["第一段。", "第二段。"]


def test_section_two_values(tmp_path: Path, seed_doc: DocumentObject) -> None:
    rows = {r[0][0]: [c[0] for c in r[1:]] for r in cells(seed_doc.tables[0])}
    assert rows["行政处罚"] == ["3"]
    assert rows["行政事业性收费"] == ["0"]
    assert rows["规章"] == ["0", "0", "0"]
    assert [r[0][0] for r in cells(seed_doc.tables[0]) if r[0][1] == 4] == [
        b.article for b in form.SECTION2_BLOCKS
    ]
    doc = render(tmp_path, submission(fees_amount="1.5", rules_in_force=7))
    rows = {r[0][0]: [c[0] for c in r[1:]] for r in cells(doc.tables[0])}
    assert rows["行政事业性收费"] == ["1.5000"]
    assert rows["规章"] == ["0", "0", "7"]


def test_section_three_labels_in_order(seed_doc: DocumentObject) -> None:
    table = seed_doc.tables[1]
    labels = [row.cells[2].text.replace("\n", "") for row in table.rows[3:]]
    assert labels == [r.label for r in form.APPLICATION_ROWS]
    assert len(table.columns) == 3 + len(form.APPLICANT_COLUMNS)


def test_section_three_values_in_their_cells(tmp_path: Path) -> None:
    sub = submission(apply_new_natural=2, apply_new_total=2, apply_denied_query_legal=4)
    table = render(tmp_path, sub).tables[1]
    new = [c.text for c in table.rows[3].cells[3:]]
    assert new == ["2", "0", "0", "0", "0", "0", "2"]
    stems = [r.stem for r in form.APPLICATION_ROWS]
    query = table.rows[3 + stems.index("denied_query")]
    assert query.cells[2].text == "8.属于行政查询事项"
    assert [c.text for c in query.cells[3:]] == ["0", "0", "0", "0", "4", "0", "0"]


def test_section_three_merged_headers(seed_doc: DocumentObject) -> None:
    rows = cells(seed_doc.tables[1])
    assert rows[0][0] == (form.BALANCE_NOTE, 3, "restart")
    assert rows[0][1] == (form.APPLICANT_HEADER, 7, None)
    assert rows[1][1:] == [
        ("自然人", 1, "restart"),
        (form.LEGAL_PERSON_HEADER, 5, None),
        ("总计", 1, "restart"),
    ]
    assert [c[0] for c in rows[2][2:7]] == [c.label for c in form.APPLICANT_COLUMNS[1:6]]
    results = [r[0] for r in rows[3:] if r[0][0] == form.RESULTS_HEADER or r[0][2] == "continue"]
    level_one = sum(1 for r in form.APPLICATION_ROWS if r.level)
    assert results[0] == (form.RESULTS_HEADER, 1, "restart")
    assert len(results) == level_one
    assert rows[3][0] == (form.APPLICATION_ROWS[0].label, 3, None)
    denied = [r for r in rows[3:] if r[1][0] == "（三）不予公开"]
    assert denied[0][1] == ("（三）不予公开", 1, "restart")


def test_section_four_headers_and_values(tmp_path: Path) -> None:
    sub = submission(suit_direct_pending=1, suit_direct_total=1)
    rows = cells(render(tmp_path, sub).tables[2])
    assert rows[0] == [("行政复议", 5, None), ("行政诉讼", 10, None)]
    assert rows[1][0] == ("结果维持", 1, "restart")
    assert [c[:2] for c in rows[1][5:]] == [("未经复议直接起诉", 5), ("复议后起诉", 5)]
    labels = [label for _, label in form.LITIGATION_COLUMNS]
    assert [c[0] for c in rows[2][5:]] == labels * 2
    assert [c[0] for c in rows[3]] == ["0"] * 8 + ["1", "1"] + ["0"] * 5


def test_draft_banner_and_header(tmp_path: Path, seed_doc: DocumentObject) -> None:
    banner = "【未通过校验的草稿】本报告未通过校验，校验结果表列出 2 个错误，修改后方可发布。"
    doc = render(tmp_path, findings=ERRORS, draft=True)
    assert banner in texts(doc)
    assert texts(doc).index(banner) == 1
    assert "草稿" in doc.sections[0].header.paragraphs[0].text
    assert not any("草稿" in t for t in texts(seed_doc))
    assert seed_doc.sections[0].header.paragraphs[0].text == ""
    assert seed_doc.sections[0].even_page_header.paragraphs[0].text == ""


def test_agency_text_appears_literally(tmp_path: Path) -> None:
    typed = "{{ title }} {% if draft %}x{% endif %} <b>&amp;</b> {_{ a }_} {#c#}"
    sub = submission(
        agency_name="<b>镇&</b>", text_other=typed, text_platforms="a\x07b\x01c\x00d\ufffe"
    )
    doc = render(tmp_path, sub)
    body = texts(doc)
    assert body[-1] == typed
    assert texts(doc, "Title")[0].startswith("<b>镇&</b>")
    assert "abcd" in body


def test_unreadable_value_shown_as_typed_blank_as_zero(tmp_path: Path) -> None:
    sub = submission(apply_new_natural="三件")
    assert sub.values["apply_new_natural"] is None
    del sub.values["apply_carried_in_total"]
    rows = render(tmp_path, sub, ERRORS, draft=True).tables[1].rows
    assert rows[3].cells[3].text == "三件"
    assert rows[4].cells[9].text == "0"


def test_context_keys_and_formats() -> None:
    sub = submission(fees_amount=Decimal("12.3"), apply_new_natural="７")
    context = build_context(sub, ERRORS, draft=True)
    assert set(context) == {f.key for f in form.FIELDS} | set(KNOWN_HELPERS)
    assert context["fees_amount"] == "12.3000"
    assert build_context(submission(), [], draft=False)["fees_amount"] == "0"
    six = Submission(values={"fees_amount": Decimal("0.123456")})  # [checks] fee_decimals = 6
    assert build_context(six, [], draft=False)["fees_amount"] == "0.123456"
    assert context["apply_new_natural"] == "7"
    assert (context["error_count"], context["warning_count"], context["draft"]) == (2, 0, True)
    paragraphs = context["paragraphs"]
    assert isinstance(paragraphs, dict)
    assert len(paragraphs["text_proactive"]) == 2
    assert context["year"] == "2021"


def test_office_edited_template_is_honoured(tmp_path: Path) -> None:
    edited = docx.Document(str(TEMPLATE))
    edited.add_paragraph("本报告由县政务公开办统一发布。")
    edited.save(str(tmp_path / "edited.docx"))
    body = texts(render(tmp_path, template=tmp_path / "edited.docx"))
    assert body[-1] == "本报告由县政务公开办统一发布。"
    assert TITLE in body


def test_unknown_tag_is_refused_before_rendering(tmp_path: Path) -> None:
    edited = docx.Document(str(TEMPLATE))
    edited.add_paragraph("{{ nonsense }}")
    edited.save(str(tmp_path / "edited.docx"))
    with pytest.raises(ReportTemplateError, match="nonsense"):
        render(tmp_path, template=tmp_path / "edited.docx")
    assert not (tmp_path / "report.docx").exists()


def test_unwritable_output_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="无法写入报告"):
        render_report(submission(), [], TEMPLATE, tmp_path / "file" / "r.docx", draft=False)


def test_lxml_failure_is_a_template_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise etree.XMLSyntaxError("bad", 1, 1, 1)

    monkeypatch.setattr("docxtpl.DocxTemplate.render", broken)
    with pytest.raises(ReportTemplateError) as caught:
        render(tmp_path)
    assert isinstance(caught.value.__cause__, etree.XMLSyntaxError)
    assert list(tmp_path.iterdir()) == []


def test_end_to_end_from_a_workbook(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    from workflow.workbook import reader

    path = make_workbook(apply_new_natural=2, apply_new_total=2, fees_amount=0.25)
    sub = reader.read_workbook(path)
    doc = render(tmp_path, sub)
    assert texts(doc, "Title") == [TITLE]
    assert [c.text for c in doc.tables[1].rows[3].cells[3:]] == ["2", "0", "0", "0", "0", "0", "2"]
    fee = [r.cells[-1].text for r in doc.tables[0].rows if r.cells[0].text == "行政事业性收费"]
    assert fee == ["0.2500"]
    assert doc.element.body.find(qn("w:tbl")) is not None


def test_a_template_edited_after_use_is_checked_again(tmp_path: Path) -> None:
    """The tag check is cached per version of the file, never past an edit."""
    target = tmp_path / "office.docx"
    target.write_bytes(TEMPLATE.read_bytes())
    render(tmp_path, template=target)
    edited = docx.Document(str(target))
    edited.add_paragraph("{{ nonsense }}")
    edited.save(str(target))
    with pytest.raises(ReportTemplateError, match="nonsense"):
        render(tmp_path, template=target)


def test_each_template_part_is_cleaned_once_for_many_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docxtpl's `patch_xml` (two thirds of a report's time) runs once per part of a template
    version, not once per report; each report still says what its own submission says."""
    import docxtpl

    from workflow.report import render as render_module

    calls: list[int] = []
    original = docxtpl.DocxTemplate.patch_xml

    def counted(self: docxtpl.DocxTemplate, src_xml: str) -> str:
        calls.append(len(src_xml))
        return original(self, src_xml)

    monkeypatch.setattr(docxtpl.DocxTemplate, "patch_xml", counted)
    monkeypatch.setattr(render_module, "_PATCHED", type(render_module._PATCHED)())
    template = tmp_path / "report.docx"
    template.write_bytes(TEMPLATE.read_bytes())  # a version of its own: nothing cached yet
    texts = []
    first = 0
    for n, count in enumerate((3117, 1729, 2943)):
        sub = submission(licensing_decisions=count)
        out = render_report(sub, [], template, tmp_path / f"r{n}.docx", draft=False)
        texts.append(
            "".join(c.text for t in docx.Document(str(out)).tables for r in t.rows for c in r.cells)
        )
        if n == 0:
            first = len(calls)
    assert first >= 1
    assert len(calls) == first  # the second and third report cleaned nothing again
    assert all(str(c) in t for c, t in zip((3117, 1729, 2943), texts, strict=True))
