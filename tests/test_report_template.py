"""The Word template itself: built reproducibly from the form, GB/T 9704 page and fonts on its
styles, every tag known, and a damaged or mistyped template reported in Chinese by name."""

from __future__ import annotations

import importlib.util
import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate

from workflow.config import builtin_report_template
from workflow.core import form
from workflow.core.errors import ReportTemplateError
from workflow.report.render import KNOWN_HELPERS, template_problems

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "report.docx"
FONTS = {
    "Normal": ("仿宋_GB2312", 16),
    "Title": ("方正小标宋简体", 22),
    "Heading 1": ("黑体", 16),
    "Heading 2": ("楷体_GB2312", 16),
    "表格文字": ("宋体", 10.5),
    "表格标题": ("宋体", 10.5),
    "表格数字": ("宋体", 10.5),
}


def with_paragraph(tmp_path: Path, *texts: str) -> Path:
    doc = docx.Document(str(TEMPLATE))
    for text in texts:
        doc.add_paragraph(text)
    doc.save(str(tmp_path / "edited.docx"))
    return tmp_path / "edited.docx"


def test_packaged_copy_is_identical() -> None:
    assert TEMPLATE.read_bytes() == builtin_report_template().read_bytes()
    assert builtin_report_template() == ROOT / "workflow" / "data" / "report.docx"


def test_template_is_built_from_the_current_form() -> None:
    """Rebuilding gives the committed bytes: run tools/build_report_template.py after a change."""
    spec = importlib.util.spec_from_file_location("build", ROOT / "tools/build_report_template.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert members(build.build_bytes()) == members(TEMPLATE.read_bytes())


def members(data: bytes) -> dict[str, bytes]:
    """Zip members by name: compressed bytes may differ between zlib versions, content not."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_page_is_a4_with_official_margins() -> None:
    section = docx.Document(str(TEMPLATE)).sections[0]
    measured = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(m.mm) for m in measured] == [210, 297, 37, 35, 28, 26]
    assert section.page_width == pytest.approx(Mm(210), abs=Mm(0.1))


@pytest.mark.parametrize(("style", "expected"), FONTS.items())
def test_styles_carry_chinese_fonts(style: str, expected: tuple[str, float]) -> None:
    font, size = expected
    found = docx.Document(str(TEMPLATE)).styles[style]
    fonts = found.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == font
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == font
    assert not [a for a in fonts.attrib if "Theme" in a or "theme" in a]
    assert found.font.size.pt == size


def test_body_indent_and_line_spacing() -> None:
    styles = docx.Document(str(TEMPLATE)).styles
    normal = styles["Normal"].element.pPr
    assert normal.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert 28 <= styles["Normal"].paragraph_format.line_spacing.pt <= 29
    assert styles["Title"].paragraph_format.alignment == 1  # centred
    fonts = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert fonts.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_footer_page_numbers() -> None:
    doc = docx.Document(str(TEMPLATE))
    for footer in (doc.sections[0].footer, doc.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml
        assert 'w:eastAsia="宋体"' in doc.styles["Footer"].element.xml
    assert doc.settings.odd_and_even_pages_header_footer


def test_every_value_cell_has_its_tag() -> None:
    used = DocxTemplate(str(TEMPLATE)).get_undeclared_template_variables()
    numeric = {f.key for f in form.FIELDS if f.is_numeric}
    assert numeric <= used
    assert used - numeric == set(KNOWN_HELPERS) - {"agency", "year", "warning_count"}


def test_shipped_template_has_no_problems() -> None:
    assert template_problems(TEMPLATE) == []
    assert template_problems(builtin_report_template()) == []


def test_unknown_tags_are_listed(tmp_path: Path) -> None:
    edited = with_paragraph(tmp_path, "{{ nonsense }}", "{{ paragraphs.text_nonsense }}")
    assert template_problems(edited) == ["nonsense", "paragraphs.text_nonsense"]


def test_known_extra_tags_are_fine(tmp_path: Path) -> None:
    edited = with_paragraph(
        tmp_path, "{{ agency }}（{{ year }}年）{{ report_year }}{{ warning_count }}"
    )
    assert template_problems(edited) == []


def test_syntax_error_names_the_tag(tmp_path: Path) -> None:
    edited = with_paragraph(tmp_path, "落款 {% if draft %}")
    with pytest.raises(ReportTemplateError) as caught:
        template_problems(edited)
    message = str(caught.value)
    assert "edited.docx" in message and "正文" in message
    assert caught.value.__cause__ is not None


def test_syntax_error_inside_a_paragraph_is_quoted(tmp_path: Path) -> None:
    edited = with_paragraph(tmp_path, "单位：{{ agency }")
    with pytest.raises(ReportTemplateError, match="单位："):
        template_problems(edited)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_not_a_docx(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "report.docx"
    bad.write_bytes(content)
    with pytest.raises(ReportTemplateError, match="不是有效的 Word 文档") as caught:
        template_problems(bad)
    assert caught.value.__cause__ is not None


def test_a_workbook_is_not_a_template(tmp_path: Path) -> None:
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "report.docx")
    with pytest.raises(ReportTemplateError, match="不是有效的 Word 文档"):
        template_problems(tmp_path / "report.docx")


def test_missing_template(tmp_path: Path) -> None:
    with pytest.raises(ReportTemplateError, match="找不到报告模板"):
        template_problems(tmp_path / "none.docx")


def test_header_tags_are_checked(tmp_path: Path) -> None:
    shutil.copy(TEMPLATE, tmp_path / "t.docx")
    doc = docx.Document(str(tmp_path / "t.docx"))
    doc.sections[0].header.paragraphs[0].add_run("{{ letterhead }}")
    doc.save(str(tmp_path / "t.docx"))
    assert template_problems(tmp_path / "t.docx") == ["letterhead"]
