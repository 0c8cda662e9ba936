"""The first sheet, 填写说明: how to fill in the workbook, in plain Chinese.

Agencies fill this workbook once a year, often a different clerk each time; what goes wrong
(text in number cells, 元 instead of 万元, a renamed sheet, an .xls or a password-protected
copy) is what this sheet warns about. The 勾稽关系 are listed from `form.SUM_RULES`, so they
say exactly what the checks enforce.
"""

from __future__ import annotations

from itertools import groupby

from workflow.core.cell_values import FEE_DECIMALS
from workflow.core.form import FIELDS_BY_KEY, REPORT_TITLE_SUFFIX, SECTION_TITLES, SUM_RULES
from workflow.workbook.template_layout import Sheet
from workflow.workbook.template_sheets import (
    SHEET_APPLICATIONS,
    SHEET_LITIGATION,
    SHEET_PROACTIVE,
    SHEET_PROSE,
)

__all__ = ["INSTRUCTION_WIDTHS", "SHEET_INSTRUCTIONS", "instructions", "write_instructions"]

SHEET_INSTRUCTIONS = "填写说明"
INSTRUCTION_WIDTHS = (84.0,)
"""LibreOffice does not shrink a single column wider than the page: keep it within A4."""


def rule_lines() -> list[str]:
    """The 勾稽关系 in words, one line per kind of rule, from `SUM_RULES`."""
    lines = []
    for _, run in groupby(SUM_RULES, key=lambda r: r.rule):
        rules = list(run)
        first = rules[0]
        section = FIELDS_BY_KEY[first.left[0]].section
        scopes = [r.scope for r in rules]
        if all(s.endswith("行") for s in scopes):
            where = "每一行"
        elif all(s.endswith("列") for s in scopes):
            where = "每一列"
        else:
            where = "每一组（" + "、".join(scopes) + "）"
        lines.append(f"· {section}表{where}：{first.left_label} = {first.right_label}")
    return lines


def instructions(agency: str, year: int, fee_decimals: int = FEE_DECIMALS) -> list[str]:
    """The paragraphs of the sheet, numbered, for `agency` and `year`; the fee's places are
    the office's ``[checks] fee_decimals``, the limit its checks hold the fee to."""
    tables = "“" + "”“".join((SHEET_PROACTIVE, SHEET_APPLICATIONS, SHEET_LITIGATION)) + "”"
    return [
        f"1. 本工作簿由政务公开办为“{agency}”填报{year}年度政府信息公开工作年度报告专门制作，"
        "请勿转给其他单位使用，也不要用往年或其他单位的工作簿代替。",
        "2. 请只在浅黄色单元格中填写。单位名称和报告年度已经填好，不能修改，如有错误请联系"
        "政务公开办重新制作；其他单元格已锁定。行高和列宽可以调整。",
        f"3. 文字部分在“{SHEET_PROSE}”工作表，按标题分别填写，每一部分写在对应的一个单元格内；"
        "需要分段时，在单元格内按 Alt+Enter 换行。标有“必填”的部分不能空着。"
        "内容较长时行高会随文字自动增加；如仍显示不全，双击行号下边线（LibreOffice："
        "“格式→行→最佳行高”）即可完整显示和打印。"
        f"“{SECTION_TITLES['other']}”中请写明本年度是否收取信息处理费。",
        f"4. 表格部分在{tables}三个工作表，与国务院办公厅规定的年度报告表格一致。"
        "数字只填阿拉伯数字（如 0、3、12），不要填“三件”“约10”“无”“-”等文字或符号；"
        "没有发生的事项填 0 或留空，空白单元格按 0 计算。",
        "5. 件数只能是不小于 0 的整数。行政事业性收费金额的单位是万元（不是元），不小于 0，"
        f"最多保留 {fee_decimals} 位小数，例如收费 3500 元填 0.35。",
        "6. 表格须符合以下勾稽关系；不符合时，相应的合计单元格会变成红色，请核对改正后再发回：",
        *rule_lines(),
        "注意：合计变红的原因只有两种：一是分项之和与合计不等；二是某个数字单元格里填了不能当作数字的文字"
        "（如“三件”“约10”“无”），这个单元格本身也会变红，它按 0 计入合计，请改为阿拉伯数字。"
        "从网页或 Word 粘贴的数字、以 ' 开头的数字、全角数字（如“３”）和数字前后的空格"
        "都按数字计算，与政务公开办的校验一致，不会因此变红。",
        "7. 不要重命名、删除、隐藏或新增工作表，不要插入、删除或移动行、列和单元格，"
        "也不要合并或拆分单元格。从其他文件复制内容时，请使用“选择性粘贴→数值”"
        "（WPS：“粘贴为数值”或“只粘贴文本”），以免破坏格式和校验。",
        "8. 填好后直接保存为 .xlsx 格式（不要另存为 .xls、.et 或 PDF，不要设置打开密码），"
        "作为电子邮件附件发回政务公开办，文件名可以不改。",
    ]


def write_instructions(
    sheet: Sheet, agency: str, year: int, fee_decimals: int = FEE_DECIMALS
) -> None:
    """Title, the agency's report title (so a clerk sees whose workbook it is), then the text."""
    styles = sheet.styles
    sheet.text(0, 0, SHEET_INSTRUCTIONS, styles.title, size=16)
    sheet.text(1, 0, f"{agency}{year}{REPORT_TITLE_SUFFIX}", styles.subtitle, size=12)
    for row, paragraph in enumerate(instructions(agency, year, fee_decimals), start=3):
        sheet.text(row, 0, paragraph, styles.paragraph)
    sheet.ws.set_portrait()
    sheet.ws.fit_to_pages(1, 0)
