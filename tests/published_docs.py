"""Published reports written the way different offices lay them out, NOT by our renderer.

One layout description (rows of cells with colspan / rowspan) is written either as a Word
document with python-docx (merges become gridSpan / vMerge) or as a web page (colspan /
rowspan, nested divs, <br> and &nbsp; in cells). Each office variant differs from the official
layout in a way real reports do: other merges, an extra blank column, group labels written once
instead of merged, a table split at a page break, the 2019 layout's single （六） row.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
from docx.enum.text import WD_BREAK

from workflow.core.form import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    FIELDS,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
)

__all__ = ["Cell", "Layout", "PublishedReport", "report_values"]

Cell = tuple[str, int, int]
"""(text, colspan, rowspan)."""
Rows = list[list[Cell]]


def c(text: object = "", colspan: int = 1, rowspan: int = 1) -> Cell:
    return (str(text), colspan, rowspan)


def report_values(**overrides: object) -> dict[str, object]:
    """A consistent 2022 report of 城关镇人民政府 with figures in most tables."""
    values: dict[str, object] = {f.key: 0 for f in FIELDS if f.is_numeric}
    values.update(
        normative_issued=3, normative_repealed=1, normative_in_force=12,
        licensing_decisions=1234, penalty_decisions=56, fees_amount="0.35",
        apply_new_natural=5, apply_new_business=2, apply_new_total=7,
        apply_carried_in_natural=1, apply_carried_in_total=1,
        apply_granted_natural=3, apply_granted_total=3,
        apply_partial_natural=1, apply_partial_total=1,
        apply_denied_secret_natural=1, apply_denied_secret_total=1,
        apply_unable_not_held_business=2, apply_unable_not_held_total=2,
        apply_other_other_natural=1, apply_other_other_total=1,
        apply_handled_total_natural=6, apply_handled_total_business=2,
        apply_handled_total_total=8,
        review_upheld=1, review_pending=1, review_total=2,
        suit_direct_corrected=1, suit_direct_total=1,
    )  # fmt: skip
    values.update(overrides)
    return values


@dataclass
class Layout:
    """How one office lays its tables out."""

    blank_column: bool = False
    """An extra empty column at the left of every table (a 序号 column left blank)."""
    groups_once: bool = False
    """（三）不予公开 … written in the first row of its items only, not merged down."""
    layout_2019: bool = False
    split_applications_at: int | None = None
    """Split 表三 into two tables before this row (a page break), header not repeated."""
    zero_as_blank: bool = False
    fullwidth: bool = False
    heading_in_table: bool = False
    """The section heading (二、主动公开政府信息情况 …) as the table's first, merged row."""


def _num(value: object, layout: Layout) -> str:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    if layout.zero_as_blank and text == "0":
        return ""
    if layout.fullwidth:
        text = text.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    return text


def section2(v: Mapping[str, object], layout: Layout) -> Rows:
    n = lambda k: c(_num(v[k], layout))  # noqa: E731
    if layout.layout_2019:
        first = [
            [c("第二十条第（一）项", 4)],
            [c("信息内容"), c("本年新制作数量"), c("本年新公开数量"), c("对外公开总数量")],
            [c("规章"), c(0), c(0), c(0)],
            [c("规范性文件"), c(2), c(2), c(9)],
        ]
        rest = [
            [c("第二十条第（五）项", 4)],
            [c("信息内容"), c("上一年项目数量"), c("本年增/减"), c("处理决定数量")],
            [c("行政许可"), c(10), c(0), n("licensing_decisions")],
            [c("其他对外管理服务事项"), c(0), c(0), c(0)],
            [c("第二十条第（六）项", 4)],
            [c("信息内容"), c("上一年项目数量"), c("本年增/减"), c("处理决定数量")],
            [c("行政处罚"), c(3), c(0), n("penalty_decisions")],
            [c("行政强制"), c(1), c(0), n("coercion_decisions")],
            [c("第二十条第（八）项", 4)],
            [c("信息内容"), c("上一年项目数量"), c("本年增/减", 2)],
            [c("行政事业性收费"), c(2), c(0, 2)],
        ]
        return first + rest
    return [
        [c("第二十条第（一）项", 4)],
        [c("信息内容"), c("本年制发件数"), c("本年废止件数"), c("现行有效件数")],
        [c("规章"), n("rules_issued"), n("rules_repealed"), n("rules_in_force")],
        [
            c("行政规范性文件"),
            n("normative_issued"),
            n("normative_repealed"),
            n("normative_in_force"),
        ],
        [c("第二十条第（五）项", 4)],
        [c("信息内容"), c("本年处理决定数量", 3)],
        [c("行政许可"), c(_num(v["licensing_decisions"], layout), 3)],
        [c("第二十条第（六）项", 4)],
        [c("信息内容"), c("本年处理决定数量", 3)],
        [c("行政处罚"), c(_num(v["penalty_decisions"], layout), 3)],
        [c("行政强制"), c(_num(v["coercion_decisions"], layout), 3)],
        [c("第二十条第（八）项", 4)],
        [c("信息内容"), c("本年收费金额（单位：万元）", 3)],
        [c("行政事业性收费"), c(_num(v["fees_amount"], layout), 3)],
    ]


def section3(v: Mapping[str, object], layout: Layout) -> Rows:
    head = [
        [c("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
         c("申请人情况", 7)],
        [c("自然人", 1, 2), c("法人或其他组织", 5), c("总计", 1, 2)],
        [c("商业企业"), c("科研机构"), c("社会公益组织"), c("法律服务机构"), c("其他")],
    ]  # fmt: skip
    rows: Rows = head
    values = lambda stem: [c(_num(v[f"apply_{stem}_{col.suffix}"], layout))  # noqa: E731
                           for col in APPLICANT_COLUMNS]  # fmt: skip
    results = [r for r in APPLICATION_ROWS if r.block]
    if layout.layout_2019:
        results = [r for r in results if r.stem not in ("other_no_correction", "other_no_fee")]
    span = len(results)
    for r in APPLICATION_ROWS:
        if r.stem in ("new", "carried_in", "carried_out"):
            rows.append([c(r.label, 3), *values(r.stem)])
            continue
        if r not in results:
            continue
        first = r is results[0]
        label: list[Cell] = [c("三、本年度办理结果", 1, span)] if first else []
        if r.stem == "other_other" and layout.layout_2019:
            rows.append([*label, c("（六）其他处理", 2), *values("other_other")])
        elif not r.group:
            rows.append([*label, c(r.label, 2), *values(r.stem)])
        else:
            siblings = [x for x in results if x.group == r.group]
            if r is siblings[0]:
                label.append(c(r.group, 1, 1 if layout.groups_once else len(siblings)))
            elif layout.groups_once:
                label.append(c(""))
            rows.append([*label, c(r.label), *values(r.stem)])
    return rows


def section4(v: Mapping[str, object], layout: Layout) -> Rows:
    labels = [label for _, label in LITIGATION_COLUMNS]
    return [
        [c("行政复议", 5), c("行政诉讼", 10)],
        [c(x, 1, 2) for x in labels] + [c("未经复议直接起诉", 5), c("复议后起诉", 5)],
        [c(x) for x in labels * 2],
        [c(_num(v[g.key(s)], layout)) for g in LITIGATION_GROUPS for s, _ in LITIGATION_COLUMNS],
    ]


PROSE = {
    "（一）主动公开情况": "2022年，我镇主动公开政府信息235条。",
    "（二）依申请公开情况": "2022年，我镇共收到政府信息公开申请7件，均按时答复。",
    "（三）政府信息管理情况": "严格落实信息发布审核制度。",
    "（四）政府信息公开平台建设情况": "持续完善政府网站。",
    "（五）监督保障情况": "定期开展自查。",
}


@dataclass
class PublishedReport:
    values: dict[str, object] = field(default_factory=report_values)
    layout: Layout = field(default_factory=Layout)
    agency: str = "城关镇人民政府"
    year: int = 2022
    problems: str = "信息公开的深度还不够。"
    other: str = "本年度未收取信息处理费。"
    drop_table: str = ""
    """'二', '三' or '四': leave that table out (a report that lost one)."""
    prose: dict[str, str] = field(default_factory=lambda: dict(PROSE))
    """Sub-heading of 一 → its text ('' heading: a paragraph with no sub-heading)."""
    edits: dict[str, str] = field(default_factory=dict)
    """Table cell text → what the office printed instead (a slip of a character)."""
    drop_rows: tuple[str, ...] = ()
    """Labels of table rows the office left out (规章 for a body that makes none)."""
    fee_section: bool = False
    """五、信息处理费收取情况 with its own table after table 四; 五, 六 renumbered 六, 七."""
    fee_heading: str = "五、信息处理费收取情况"
    closing: tuple[tuple[str, str], ...] = ()
    """(heading, text) of the sections after table 四, instead of the official 五 and 六."""

    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    def closing_sections(self) -> list[tuple[str, str]]:
        if self.closing:
            return list(self.closing)
        if self.fee_section:
            return [
                ("六、存在的主要问题及改进情况", self.problems),
                ("七、其他需要报告的事项", self.other),
            ]
        return [
            ("五、存在的主要问题及改进情况", self.problems),
            ("六、其他需要报告的事项", self.other),
        ]

    def fee_table(self) -> tuple[str, Rows]:
        rows = [[c("项目"), c("收费次数"), c("收费金额（元）")], [c("信息处理费"), c(0), c(0)]]
        return self.fee_heading, _edited(rows, self.edits, ())

    def tables(self) -> list[tuple[str, list[Rows]]]:
        parts = {
            "二": ("二、主动公开政府信息情况", section2(self.values, self.layout)),
            "三": ("三、收到和处理政府信息公开申请情况", section3(self.values, self.layout)),
            "四": ("四、政府信息公开行政复议、行政诉讼情况", section4(self.values, self.layout)),
        }
        out = []
        for number, (heading, rows) in parts.items():
            if number == self.drop_table:
                out.append((heading, []))
                continue
            rows = _edited(rows, self.edits, self.drop_rows)
            if self.layout.blank_column:
                rows = [[c(""), *row] for row in rows]
            if self.layout.heading_in_table:
                rows = [[c(heading, sum(cell[1] for cell in rows[0]))], *rows]
                heading = ""
            at = self.layout.split_applications_at
            if number == "三" and at:
                out.append((heading, list(_split(rows, at))))
            else:
                out.append((heading, [rows]))
        return out

    # --- Word -----------------------------------------------------------------------------------

    def write_docx(self, path: Path, framed: bool = False) -> Path:
        """`framed`: the whole report inside one table cell (a layout table, as a report
        pasted from a web page into Word)."""
        document = docx.Document()
        doc: Any = document.add_table(rows=1, cols=1).cell(0, 0) if framed else document
        doc.add_paragraph(self.title())
        doc.add_paragraph("一、总体情况")
        for heading, text in self.prose.items():
            if heading:
                doc.add_paragraph(heading)
            doc.add_paragraph(text.replace("2022", str(self.year)))
        for heading, tables in self.tables():
            if heading:
                doc.add_paragraph(heading)
            for i, rows in enumerate(tables):
                if i:
                    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                _docx_table(doc, rows)
        if self.fee_section:
            heading, rows = self.fee_table()
            doc.add_paragraph(heading)
            _docx_table(doc, rows)
        for heading, text in self.closing_sections():
            doc.add_paragraph(heading)
            doc.add_paragraph(text)
        document.save(str(path))
        return path

    # --- web page -------------------------------------------------------------------------------

    def write_html(self, path: Path, encoding: str = "utf-8") -> Path:
        parts = [
            f'<html><head><meta charset="{encoding}"><title>{self.title()}_城关镇政府网</title>'
            "<style>td{border:1px solid}</style><script>var x='<p>一、总体情况</p>';</script>"
            '</head><body><div class="nav">首页 &gt; 政务公开 &gt; 年度报告</div>'
            f'<div class="article"><div class="title"><h1>{self.title()}</h1></div>'
            '<div class="content"><div><p><strong>一、总体情况</strong></p>'
        ]
        for heading, text in self.prose.items():
            text = text.replace("2022", str(self.year))
            head = f"<p><b>{heading}</b></p>" if heading else ""
            parts.append(f"<div>{head}<div><span>{text}</span></div></div>")
        parts.append("</div>")
        for heading, tables in self.tables():
            if heading:
                parts.append(f"<p>&nbsp;&nbsp;<strong>{heading}</strong></p>")
            for rows in tables:
                parts.append(_html_table(rows))
        if self.fee_section:
            heading, rows = self.fee_table()
            parts.append(f"<p>{heading}</p>{_html_table(rows)}")
        for heading, text in self.closing_sections():
            parts.append(f"<div><p>{heading}</p><p>{text}</p></div>")
        parts.append("</div></div></body></html>")
        path.write_bytes("".join(parts).encode(encoding))
        return path


def _place(rows: Rows) -> list[tuple[int, int, Cell]]:
    """(row, grid column, cell) of every cell, rowspans pushing later cells right."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            out.append((r, col, cell))
            for dr in range(cell[2]):
                for dc in range(cell[1]):
                    taken.add((r + dr, col + dc))
            col += cell[1]
    return out


def _edited(rows: Rows, edits: Mapping[str, str], drop: tuple[str, ...]) -> Rows:
    """`rows` with cell texts replaced and the rows labelled in `drop` left out (a cell merged
    down over a dropped row spans one row less)."""
    placed = _place(rows)
    gone = {r for r, _, (text, _, _) in placed if text in drop}
    out: Rows = [[] for _ in rows]
    for r, _, (text, colspan, rowspan) in placed:
        if r in gone:
            if rowspan > 1 and r + 1 < len(rows):  # the merged label goes on below
                out[r + 1].insert(0, (text, colspan, rowspan - 1))
            continue
        span = rowspan - sum(1 for x in range(r + 1, r + rowspan) if x in gone)
        out[r].append((edits.get(text, text), colspan, span))
    return [row for r, row in enumerate(out) if r not in gone]


def _split(rows: Rows, at: int) -> tuple[Rows, Rows]:
    """The table cut before row `at` as Word's 拆分表格 cuts it: a cell merged across the cut
    ends above it and goes on below it as an empty merged cell."""
    top: list[list[Cell]] = [[] for _ in rows[:at]]
    below: list[tuple[int, int, Cell]] = []
    for r, col, (text, colspan, rowspan) in _place(rows):
        if r >= at:
            below.append((r, col, (text, colspan, rowspan)))
        elif r + rowspan > at:
            top[r].append((text, colspan, at - r))
            below.append((at, col, ("", colspan, r + rowspan - at)))
        else:
            top[r].append((text, colspan, rowspan))
    bottom: list[list[Cell]] = [[] for _ in rows[at:]]
    for r, _, cell in sorted(below, key=lambda x: (x[0], x[1])):
        bottom[r - at].append(cell)
    return top, bottom


def _docx_table(doc: docx.document.Document, rows: Rows) -> None:
    placed = _place(rows)
    width = max(col + cell[1] for _, col, cell in placed)
    table = doc.add_table(rows=len(rows), cols=width)
    for r, col, (text, colspan, rowspan) in placed:
        target = table.cell(r, col)
        if colspan > 1 or rowspan > 1:
            target = target.merge(table.cell(r + rowspan - 1, col + colspan - 1))
        target.text = text


def _html_table(rows: Rows) -> str:
    out = ['<table border="1" cellspacing="0"><tbody>']
    for row in rows:
        out.append("<tr>")
        for text, colspan, rowspan in row:
            attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                f' rowspan="{rowspan}"' if rowspan > 1 else ""
            )
            shown = f"<span>&nbsp;{html.escape(text)}&nbsp;</span>" if text else "&nbsp;"
            if len(text) > 6 and not text[0].isdigit():  # long labels wrap, as editors write them
                shown = f"<p><span>{html.escape(text[:4])}<br/>{html.escape(text[4:])}</span></p>"
            out.append(f'<td{attrs} style="text-align:center">{shown}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --- a page as government sites publish a report pasted from Word ------------------------------


def _spans(text: str, style: str = "font-family:仿宋_GB2312") -> str:
    """One <span> a character, as Word's HTML does after spell-check and revision marks."""
    return "".join(
        f"<span lang=EN-US style='{style}'>{'&nbsp;' if ch == ' ' else html.escape(ch)}</span>"
        for ch in text
    )


def _word_cell(text: str, colspan: int, rowspan: int) -> str:
    attrs = (f" colspan={colspan}" if colspan > 1 else "") + (
        f" rowspan={rowspan}" if rowspan > 1 else ""
    )
    inner = _spans(text, "font-size:10.5pt") if text else "<span lang=EN-US>&nbsp;</span>"
    return (
        f"<td width=64 valign=center{attrs} style='border:solid windowtext 1.0pt;"
        f"padding:0cm 5.4pt 0cm 5.4pt'><p class=MsoNormal align=center "
        f"style='text-align:center'>{inner}<span lang=EN-US><o:p></o:p></span></p></td>"
    )


def _word_table(rows: Rows) -> str:
    out = [
        "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=620 "
        "style='border-collapse:collapse;border:none'>"
    ]
    for row in rows:
        out.append("<tr style='height:21.0pt'>")
        out.extend(_word_cell(text, colspan, rowspan) for text, colspan, rowspan in row)
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _word_paragraph(text: str, font: str = "仿宋_GB2312") -> str:
    return (
        "<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'>"
        '<span style="white-space:pre">\t</span>'
        f"{_spans(text, f'font-size:16.0pt;font-family:{font}')}"
        "<span lang=EN-US><o:p></o:p></span></p>"
    )


def word_pasted_page(report: PublishedReport) -> str:
    """`report` as a county site shows it: page chrome (navigation, a side bar naming other
    reports, a footer), the body pasted from Word (MsoNormal paragraphs, a span a character,
    &nbsp;, <o:p>), full-width digits in the tables, 表三 split at a page break."""
    title = report.title()
    parts = [
        "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head>"
        f'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{title}-城关镇人民政府网</title></head><body>"
        '<div class="top"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a></div>'
        '<div class="side"><h3>相关报告</h3><ul>'
        f"<li><a>{report.agency}{report.year - 1}年政府信息公开工作年度报告</a></li>"
        f"<li><a>县卫生健康局{report.year}年政府信息公开工作年度报告</a></li></ul></div>"
        '<div class="main"><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 年报</div>'
        '<div class="links_con"><span>相关链接：</span><p><a></a></p></div>'
        '<div class="TRS_Editor"><div class=WordSection1>'
        "<p class=MsoNormal align=center style='text-align:center'><b>"
        f"{_spans(title, 'font-size:22.0pt;font-family:方正小标宋简体')}</b></p>",
        _word_paragraph("一、总体情况", "黑体"),
    ]
    for heading, text in report.prose.items():
        if heading:
            parts.append(_word_paragraph(heading, "楷体_GB2312"))
        parts.append(_word_paragraph(text.replace("2022", str(report.year))))
    for heading, tables in report.tables():
        if heading:
            parts.append(_word_paragraph(heading, "黑体"))
        for i, rows in enumerate(tables):
            if i:
                parts.append(
                    "<span lang=EN-US style='font-size:16.0pt'><br clear=all "
                    "style='page-break-before:always'></span><p class=MsoNormal>&nbsp;</p>"
                )
            parts.append(_word_table(rows))
    for heading, text in report.closing_sections():
        parts.append(_word_paragraph(heading, "黑体"))
        parts.append(_word_paragraph(text))
    parts.append(
        '</div></div><div class="article_attachment"><div>附件下载</div><ul></ul></div>'
        "<div><p>扫一扫在手机上查看当前页面</p></div><button>关闭</button></div>"
        '<div class="footer"><ul><li><a>福建省人民政府</a></li><li><a>人民网</a></li></ul>'
        "<p>主办单位：城关镇人民政府&nbsp;&nbsp;版权所有</p>"
        "<p>网站标识码：1234567890</p></div></body></html>"
    )
    return "".join(parts)
