#!/usr/bin/env python3
"""Build the Word template of the annual report: templates/report.docx and its packaged copy.

The office edits the result in Word or WPS (letterhead, an extra paragraph, fonts), so the
template is an ordinary document: the GB/T 9704 page and fonts live on named styles, the three
tables are laid out statically as the official format with one jinja tag per value cell, and
docxtpl paragraph loops carry the prose. Every label comes from `workflow.core.form`; the tags are
the field keys and the helpers of `workflow.report.render.KNOWN_HELPERS`.

Chinese fonts are set as w:rFonts w:eastAsia (with ascii/hAnsi) on the styles and on the
document defaults, with every theme-font attribute removed: a theme attribute beats an explicit
name, and python-docx's default theme would give Japanese fonts.

The build is deterministic (fixed document dates, fixed zip timestamps and order), so building
again without a change in the form gives the same bytes.

    python tools/build_report_template.py
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runs from a checkout without installing
    sys.path.insert(0, str(ROOT))

from workflow.core import form  # noqa: E402
from workflow.core.atomic import atomic_write_bytes  # noqa: E402

__all__ = ["OUTPUTS", "build", "build_bytes", "main"]

OUTPUTS = (ROOT / "templates" / "report.docx", ROOT / "workflow" / "data" / "report.docx")
FIXED_DATE = dt.datetime(2022, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# Fonts and sizes of GB/T 9704 (half-points for w:sz).
TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, TABLE_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", H2_FONT: "楷体", H1_FONT: "SimHei"}
"""w:altName in the font table: what Word and WPS may use where the GB2312 font is missing."""
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, PAGE_SIZE = 44, 32, 21, 28
BODY_LINE = 579  # fixed 28.95 pt: 22 lines in the 225 mm type area
TITLE_LINE = 700  # fixed 35 pt for the 22 pt title
INDENT_2CH = 640  # two characters of 16 pt, in twips (Word uses firstLineChars first)
TEXT_WIDTH = 8844  # 210 - 28 - 26 = 156 mm, in twips

DRAFT_BANNER = (
    "【未通过校验的草稿】本报告未通过校验，校验结果表列出 {{ error_count }} 个错误，"
    "修改后方可发布。"
)
DRAFT_HEADER = "{% if draft %}草稿（未通过校验，不得发布）{% endif %}"


# --- XML helpers ---------------------------------------------------------------------------


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _rpr(font: str, size: int, bold: bool = False, color: str | None = None) -> BaseOxmlElement:
    rpr = _el("w:rPr")
    rpr.append(_el("w:rFonts", ascii=font, hAnsi=font, eastAsia=font, cs=font, hint="eastAsia"))
    if bold:
        rpr.extend([_el("w:b"), _el("w:bCs")])
    if color:
        rpr.append(_el("w:color", val=color))
    rpr.extend([_el("w:sz", val=str(size)), _el("w:szCs", val=str(size))])
    return rpr


def _ppr(
    *,
    jc: str,
    indent: int = 0,
    line: int | None = None,
    after: int = 0,
    keep_next: bool = False,
    outline: int | None = None,
) -> BaseOxmlElement:
    ppr = _el("w:pPr")
    if keep_next:
        ppr.extend([_el("w:keepNext"), _el("w:keepLines")])
    if line is None:
        ppr.append(_el("w:spacing", before="0", after=str(after), line="240", lineRule="auto"))
    else:
        ppr.append(_el("w:spacing", before="0", after=str(after), line=str(line), lineRule="exact"))
    chars = "200" if indent else "0"
    ppr.append(_el("w:ind", left="0", right="0", firstLineChars=chars, firstLine=str(indent)))
    ppr.append(_el("w:jc", val=jc))
    if outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(outline)))
    return ppr


def _replace_props(parent: BaseOxmlElement, *props: BaseOxmlElement) -> None:
    for child in list(parent):
        if child.tag in (qn("w:pPr"), qn("w:rPr")):
            parent.remove(child)
    parent.extend(props)


# --- styles --------------------------------------------------------------------------------


def _paragraph_style(
    doc: DocumentObject, name: str, style_id: str, base: str | None
) -> ParagraphStyle:
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    if base:
        style.base_style = styles[base]
    style.quick_style = True
    return style


_BODY = {"indent": INDENT_2CH, "line": BODY_LINE}
_STYLES: tuple[tuple[str, str, str | None, dict[str, object], tuple[object, ...]], ...] = (
    # name (what Word and WPS show), style id, based on, paragraph, (font, size, bold, colour)
    ("Normal", "Normal", None, {"jc": "both", **_BODY}, (BODY_FONT, BODY_SIZE)),
    (
        "Title",
        "Title",
        "Normal",
        {"jc": "center", "line": TITLE_LINE, "after": BODY_LINE},
        (TITLE_FONT, TITLE_SIZE),
    ),
    (
        "Heading 1",
        "Heading1",
        "Normal",
        {"jc": "both", **_BODY, "keep_next": True, "outline": 0},
        (H1_FONT, BODY_SIZE),
    ),
    (
        "Heading 2",
        "Heading2",
        "Normal",
        {"jc": "both", **_BODY, "keep_next": True, "outline": 1},
        (H2_FONT, BODY_SIZE),
    ),
    (
        "草稿提示",
        "DraftBanner",
        "Normal",
        {"jc": "both", **_BODY, "after": BODY_LINE // 2},
        (BODY_FONT, BODY_SIZE, True, "FF0000"),
    ),
    ("表格文字", "TableText", None, {"jc": "left"}, (TABLE_FONT, TABLE_SIZE)),
    ("表格标题", "TableHeader", "表格文字", {"jc": "center"}, (TABLE_FONT, TABLE_SIZE, True)),
    ("表格数字", "TableNumber", "表格文字", {"jc": "right"}, (TABLE_FONT, TABLE_SIZE)),
    ("Header", "Header", "Normal", {"jc": "left"}, (H1_FONT, PAGE_SIZE, True, "FF0000")),
    ("Footer", "Footer", "Normal", {"jc": "center"}, (TABLE_FONT, PAGE_SIZE)),
)


def define_styles(doc: DocumentObject) -> None:
    """Normal = body; Title, Heading 1/2 = 小标宋 / 黑体 / 楷体; custom table and banner styles."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = _rpr(BODY_FONT, BODY_SIZE)
    rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    _replace_props(rpr_default, rpr)
    _replace_props(defaults.find(qn("w:pPrDefault")), _ppr(jc="both"))

    for name, style_id, base, paragraph, run in _STYLES:
        style = _paragraph_style(doc, name, style_id, base)
        _replace_props(style.element, _ppr(**paragraph), _rpr(*run))  # type: ignore[arg-type]

    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def register_fonts(doc: DocumentObject) -> None:
    """Declare the Chinese fonts (GB2312 charset, a fallback name) in the font table."""
    part = next(
        rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")
    )
    root = part.element if hasattr(part, "element") else parse_xml(part.blob)
    for name in (TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, TABLE_FONT):
        font = _el("w:font", name=name)
        if name in FALLBACKS:
            font.append(_el("w:altName", val=FALLBACKS[name]))
        for tag, value in (("w:charset", "86"), ("w:family", "auto"), ("w:pitch", "variable")):
            font.append(_el(tag, val=value))
        root.append(font)
    if not hasattr(part, "element"):
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- tables --------------------------------------------------------------------------------


def _table(doc: DocumentObject, rows: int, widths: list[int], header_rows: int) -> Table:
    table = doc.add_table(rows=rows, cols=len(widths))
    tblpr = table._tbl.tblPr
    for child in list(tblpr):
        tblpr.remove(child)
    tblpr.append(_el("w:tblW", w=str(sum(widths)), type="dxa"))
    tblpr.append(_el("w:jc", val="center"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    tblpr.append(borders)
    tblpr.append(_el("w:tblLayout", type="fixed"))
    margins = _el("w:tblCellMar")
    for side, value in (("top", "0"), ("left", "57"), ("bottom", "0"), ("right", "57")):
        margins.append(_el(f"w:{side}", w=value, type="dxa"))
    tblpr.append(margins)
    tblpr.append(
        _el(
            "w:tblLook",
            val="0000",
            firstRow="0",
            lastRow="0",
            firstColumn="0",
            lastColumn="0",
            noHBand="1",
            noVBand="1",
        )
    )
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Twips(width)
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_el("w:cantSplit"))
        row.height = Twips(340)
        if r < header_rows:
            trpr.append(_el("w:tblHeader"))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return table


def _put(cell: _Cell, text: str, style: str, *, center: bool = False) -> None:
    """Write `text` (a line break at each newline) into the cell's one paragraph."""
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        if i:
            run._r.insert(0, _el("w:br"))


def _merge(
    table: Table,
    top: int,
    left: int,
    bottom: int,
    right: int,
    text: str,
    style: str,
    *,
    center: bool = False,
) -> None:
    cell = table.cell(top, left)
    if (bottom, right) != (top, left):
        cell = cell.merge(table.cell(bottom, right))
    _put(cell, text, style, center=center)


def _keep_together(table: Table) -> None:
    """Keep-with-next on every row but the last: Word and WPS then move a table that would
    start at the foot of a page to the next page, together with its heading."""
    for row in table.rows[:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _tag(key: str) -> str:
    return f"{{{{ {key} }}}}"


def add_proactive_table(doc: DocumentObject) -> None:
    """Section 二: one four-column table, each 第二十条 block headed by its article."""
    width = max(len(b.columns) for b in form.SECTION2_BLOCKS) + 1
    rows = sum(2 + len(b.rows) for b in form.SECTION2_BLOCKS)
    table = _table(doc, rows, [TEXT_WIDTH // width] * width, 0)
    r = 0
    for block in form.SECTION2_BLOCKS:
        _merge(table, r, 0, r, width - 1, block.article, "表格标题")
        cells = [("信息内容", "表格标题")] + [(c, "表格标题") for c in block.columns]
        rows_out = [cells] + [
            [(row.label, "表格文字")] + [(_tag(k), "表格数字") for k in row.keys]
            for row in block.rows
        ]
        for offset, content in enumerate(rows_out, 1):
            for c, (text, style) in enumerate(content):
                last = width - 1 if c == len(content) - 1 else c
                _merge(table, r + offset, c, r + offset, last, text, style)
        r += 1 + len(rows_out)
    _keep_together(table)


def add_applications_table(doc: DocumentObject) -> None:
    """Section 三: the 勾稽关系 note, 申请人情况 over its columns, the 25 official rows."""
    columns = form.APPLICANT_COLUMNS
    label_widths = [760, 1000, 2884]  # 三、本年度办理结果 in three lines of three
    value_width = (TEXT_WIDTH - sum(label_widths)) // len(columns)
    widths = label_widths + [value_width] * len(columns)
    head = 3
    table = _table(doc, head + len(form.APPLICATION_ROWS), widths, head)
    first = len(label_widths)
    last = len(widths) - 1
    _merge(table, 0, 0, head - 1, first - 1, form.BALANCE_NOTE, "表格文字")
    _merge(table, 0, first, 0, last, form.APPLICANT_HEADER, "表格标题")
    legal = [i for i, c in enumerate(columns, first) if c.is_legal_person]
    _merge(table, 1, legal[0], 1, legal[-1], form.LEGAL_PERSON_HEADER, "表格标题")
    for i, column in enumerate(columns, first):
        if column.is_legal_person:
            _merge(table, 2, i, 2, i, column.label, "表格标题")
        else:
            _merge(table, 1, i, 2, i, column.label, "表格标题")

    rows = form.APPLICATION_ROWS
    spans: dict[tuple[int, str], tuple[int, int]] = {}
    for col in (0, 1):
        for i, row in enumerate(rows):
            value = (form.RESULTS_HEADER if col == 0 else row.group) if row.level > col else ""
            if value:
                start, _ = spans.get((col, value), (i, i))
                spans[(col, value)] = (start, i)
    for (col, value), (start, end) in spans.items():
        # '（三）' above '不予公开' rather than a break inside the words
        text = value.replace("）", "）\n", 1) if col else value
        _merge(table, head + start, col, head + end, col, text, "表格文字", center=True)
    for i, row in enumerate(rows):
        r = head + i
        left = min(row.level, 2)
        _merge(table, r, left, r, first - 1, row.label, "表格文字")
        for c, column in enumerate(columns, first):
            _put(table.cell(r, c), _tag(row.key(column)), "表格数字")
    _keep_together(table)


def add_litigation_table(doc: DocumentObject) -> None:
    """Section 四: 行政复议 and 行政诉讼 (two sub-groups), 结果维持 … 总计, then the values."""
    per_group = len(form.LITIGATION_COLUMNS)
    count = per_group * len(form.LITIGATION_GROUPS)
    widths = [TEXT_WIDTH // count] * count
    table = _table(doc, 4, widths, 3)
    headers: dict[str, list[int]] = {}
    for g, group in enumerate(form.LITIGATION_GROUPS):
        headers.setdefault(group.header, []).append(g)
    for header, groups in headers.items():
        _merge(
            table, 0, groups[0] * per_group, 0, (groups[-1] + 1) * per_group - 1, header, "表格标题"
        )
    for g, group in enumerate(form.LITIGATION_GROUPS):
        start = g * per_group
        if group.subheader:
            _merge(table, 1, start, 1, start + per_group - 1, group.subheader, "表格标题")
        for c, (suffix, label) in enumerate(form.LITIGATION_COLUMNS, start):
            _merge(table, 1 if not group.subheader else 2, c, 2, c, label, "表格标题")
            _put(table.cell(3, c), _tag(group.key(suffix)), "表格数字")
    _keep_together(table)


# --- page, header and footer ---------------------------------------------------------------


def _page_number_paragraph(paragraph: Paragraph, *, odd: bool) -> None:
    """'— 1 —' with a PAGE field: odd pages right, even pages left, one character in."""
    paragraph.style = "Footer"
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(_el("w:ind", right="280" if odd else "0", left="0" if odd else "280"))
    ppr.append(_el("w:jc", val="right" if odd else "left"))

    def run(*children: BaseOxmlElement) -> None:
        r = _el("w:r")
        r.extend(children)
        paragraph._p.append(r)

    def text(value: str) -> BaseOxmlElement:
        t = _el("w:t")
        t.text = value
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return t

    instr = _el("w:instrText")
    instr.text = " PAGE "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run(text("— "))
    run(_el("w:fldChar", fldCharType="begin"))
    run(instr)
    run(_el("w:fldChar", fldCharType="separate"))
    run(text("1"))
    run(_el("w:fldChar", fldCharType="end"))
    run(text(" —"))


def setup_page(doc: DocumentObject) -> None:
    """A4, margins 37/35/28/26 mm, odd/even page numbers, a draft mark in the header."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    doc.settings.odd_and_even_pages_header_footer = True
    for header, footer, odd in (
        (section.header, section.footer, True),
        (section.even_page_header, section.even_page_footer, False),
    ):
        header.is_linked_to_previous = False
        header.paragraphs[0].style = "Header"
        header.paragraphs[0].add_run(DRAFT_HEADER)
        footer.is_linked_to_previous = False
        _page_number_paragraph(footer.paragraphs[0], odd=odd)


# --- body ----------------------------------------------------------------------------------


def _prose(doc: DocumentObject, key: str) -> None:
    doc.add_paragraph(f"{{%p for para in paragraphs.{key} %}}")
    doc.add_paragraph("{{ para }}")
    doc.add_paragraph("{%p endfor %}")


def _parts(section: str) -> Iterable[form.ProsePart]:
    return (p for p in form.PROSE_PARTS if p.section == section)


def build_document() -> DocumentObject:
    doc = Document()
    define_styles(doc)
    register_fonts(doc)
    setup_page(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)

    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{%p if draft %}")
    doc.add_paragraph(DRAFT_BANNER, style="草稿提示")
    doc.add_paragraph("{%p endif %}")
    tables = {
        form.SECTION_TITLES["proactive"]: add_proactive_table,
        form.SECTION_TITLES["applications"]: add_applications_table,
        form.SECTION_TITLES["litigation"]: add_litigation_table,
    }
    for title in form.SECTION_TITLES.values():
        doc.add_paragraph(title, style="Heading 1")
        if title in tables:
            tables[title](doc)
            doc.add_paragraph()  # a line of space before the next heading
            continue
        for part in _parts(title):
            if part.heading:
                doc.add_paragraph(part.heading, style="Heading 2")
            _prose(doc, part.key)

    props = doc.core_properties
    props.title = "政府信息公开工作年度报告"
    props.subject = form.FORM_ID
    props.author = props.last_modified_by = "县政务公开办"
    props.created = props.modified = FIXED_DATE
    props.comments = ""
    props.revision = 1
    props.language = "zh-CN"
    return doc


def build_bytes() -> bytes:
    """The template as bytes, with fixed zip timestamps so that the build is reproducible."""
    raw = io.BytesIO()
    build_document().save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def build(targets: Iterable[Path] = OUTPUTS) -> list[Path]:
    data = build_bytes()
    written = []
    for target in targets:
        atomic_write_bytes(target, data).chmod(0o644)  # a committed file, not a private temp
        written.append(target)
    return written


def main() -> int:
    for path in build():
        print(f"已生成 {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
