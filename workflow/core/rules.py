"""The rule catalogue: every rule code a finding may carry, with its severity, its short title
and the Chinese message template its findings are rendered from.

Rule codes are a contract (`--json`, result.json, the tests): add rules, never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["RULES", "Rule", "Severity"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def chinese(self) -> str:
        return "错误" if self is Severity.ERROR else "提示"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    title: str
    template: str
    """str.format template; the placeholders are the keyword arguments given to `finding()`."""


E, W = Severity.ERROR, Severity.WARNING

_SAVE_AS_XLSX = (
    "请在 Excel、WPS 或 LibreOffice 中打开该文件，点“文件→另存为”，保存类型选"
    "“Excel 工作簿 (.xlsx)”（LibreOffice 中为“Excel 2007-365 (.xlsx)”），"
    "再把另存的 .xlsx 文件发回。不必重新填写。"
)
"""What to do with a workbook in another format: the same words for every such format."""

_CATALOGUE: tuple[Rule, ...] = (
    # --- the file itself (a file that stops here is `rejected`) ---------------------------------
    Rule(
        "file.not_workbook",
        E,
        "文件类型不对",
        "“{name}”不是 Excel 工作簿（.xlsx）{detail}。请使用公开办下发的年度报告工作簿填写后，"
        "以 .xlsx 格式原样发回。",
    ),
    Rule(
        "file.legacy_xls",
        E,
        "旧版 Excel 格式",
        "“{name}”是{detail}，本系统只能读取 .xlsx。" + _SAVE_AS_XLSX,
    ),
    Rule(
        "file.ods",
        E,
        "OpenDocument 表格格式",
        "“{name}”是 OpenDocument 表格（.ods），本系统只能读取 .xlsx。" + _SAVE_AS_XLSX,
    ),
    Rule(
        "file.encrypted",
        E,
        "文件设置了打开密码",
        "“{name}”设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿→用密码进行加密，"
        "清空密码）后重新发送。",
    ),
    Rule(
        "file.damaged",
        E,
        "文件已损坏",
        "“{name}”已损坏或不完整，无法打开{detail}。请在 Excel 或 WPS 中打开确认无误后重新保存，"
        "再完整发送一次。",
    ),
    Rule(
        "file.empty",
        E,
        "空文件",
        "“{name}”是空文件（0 字节），可能是附件未下载完整。请重新发送填好的工作簿。",
    ),
    Rule(
        "file.unsafe",
        E,
        "文件内容异常",
        "“{name}”包含异常内容（{detail}），出于安全考虑未予处理。请在公开办下发的工作簿中"
        "重新填写后发送。",
    ),
    Rule(
        "file.oversized",
        E,
        "文件异常",
        "“{name}”{detail}，远超一份年度报告应有的大小（填好的工作簿解压后通常不到 1 MB，几秒内"
        "即可校验完），未予处理。可能在表格中粘贴或填充了成千上万行多余的内容。请在公开办下发的"
        "工作簿中只填写报告内容，删除多余的行和文字后重新保存发送。",
    ),
    Rule(
        "file.not_template",
        E,
        "不是公开办下发的工作簿",
        "“{name}”不是公开办下发的年度报告工作簿（{detail}）。请向公开办索取本单位的标准工作簿，"
        "在其中填写后发回，不要自行制作表格或复制到新文件。",
    ),
    Rule(
        "file.template_version",
        E,
        "工作簿版本不符",
        "“{name}”的模板版本为“{actual}”，本系统接受的版本为“{expected}”。请向公开办索取最新的"
        "标准工作簿重新填写。",
    ),
    Rule(
        "file.template_damaged",
        E,
        "工作簿结构被改动",
        "“{name}”的表格结构被改动（{detail}）。请不要删除、重命名工作表或移动单元格，"
        "请在公开办下发的原工作簿中重新填写。",
    ),
    Rule(
        "file.published_unreadable",
        E,
        "已发布的报告无法读取",
        "“{name}”中的表格无法按 2021 年报告格式读取：{detail}。未作任何推测。请核对原文，"
        "或使用公开办下发的工作簿填写后发送。",
    ),
    Rule(
        "file.internal_error",
        E,
        "处理出错",
        "处理“{name}”时系统出错，文件已妥善保存，公开办会尽快处理，无需重复发送。（{detail}）",
    ),
    # --- the file was read after a conversion (a warning: the report is checked as usual) ----
    Rule(
        "file.converted",
        W,
        "已自动转换为 .xlsx",
        "“{name}”是{detail}，本系统已用 LibreOffice 自动转换为 .xlsx 后校验。转换可能改变个别"
        "格式，今后请在 Excel、WPS 或 LibreOffice 中“另存为”“Excel 工作簿 (.xlsx)”后再发送。",
    ),
    # --- values (error 1) ----------------------------------------------------------------------
    Rule(
        "value.not_number",
        E,
        "不是数字",
        "“{label}”填写的是“{raw}”，不是数字。请只填写阿拉伯数字（如 3），没有请填 0 或留空。",
    ),
    Rule("value.negative", E, "不能为负数", "“{label}”填写的是“{raw}”，不能为负数。没有请填 0。"),
    Rule(
        "value.not_whole",
        E,
        "应为整数",
        "“{label}”填写的是“{raw}”，件数应为整数。请填写 0 或正整数。",
    ),
    Rule(
        "value.not_year",
        E,
        "不是年份",
        "“{label}”填写的是“{raw}”，不是年份。请填写四位阿拉伯数字年份（如 2021）。",
    ),
    Rule(
        "value.fee_decimals",
        E,
        "小数位数过多",
        "“{label}”填写的是“{raw}”，收费金额以万元为单位，最多保留 {places} 位小数。",
    ),
    Rule(
        "value.formula_no_value",
        E,
        "公式没有计算结果",
        "“{label}”是公式“{raw}”，但文件中没有保存计算结果。请直接填写数字，"
        "或在 Excel 中重新计算并保存后发回。",
    ),
    # --- sums (errors 2–5) ----------------------------------------------------------------------
    Rule(
        "sum.applicant_total",
        E,
        "总计与各类申请人之和不符",
        "{scope}：{left_label}填写为{left}，但{right_label}之和为{right}，相差{diff}。"
        "请核对各项数字，{left_label}应等于各项之和。",
    ),
    Rule(
        "sum.results_total",
        E,
        "办理结果总计与各项之和不符",
        "{scope}：{left_label}填写为{left}，但{right_label}为{right}，相差{diff}。"
        "请核对各项数字，{left_label}应等于各项之和。",
    ),
    Rule(
        "sum.balance",
        E,
        "勾稽关系不成立",
        "{scope}：{left_label}={left}，但{right_label}={right}，相差{diff}。应满足“{advice}”。",
    ),
    Rule(
        "sum.litigation_total",
        E,
        "复议诉讼总计不符",
        "{scope}：{left_label}填写为{left}，但{right_label}={right}，相差{diff}。"
        "请核对各项数字，{left_label}应等于各项之和。",
    ),
    # --- identity and prose (error 6) -----------------------------------------------------------
    Rule("meta.agency_missing", E, "未填写单位名称", "未填写单位名称。请填写本单位全称。"),
    Rule(
        "meta.year_mismatch",
        E,
        "报告年度不符",
        "报告年度填写为“{actual}”，但本工作簿是为{expected}年度下发的。请填写{expected}。",
    ),
    Rule(
        "meta.agency_mismatch",
        W,
        "单位名称与下发时不同",
        "单位名称填写为“{actual}”，本工作簿下发给“{expected}”。如单位更名请告知公开办。",
    ),
    Rule(
        "text.required_missing",
        E,
        "必填内容为空",
        "“{label}”没有填写。这是年度报告必须填写的内容，请补充。",
    ),
    # --- warnings seen in real published reports --------------------------------------------
    Rule(
        "text.topic_missing",
        W,
        "总体情况缺少一方面内容",
        "“{label}”中没有找到关于“{topic}”的内容（2021 年格式要求写明“{heading}”），"
        "请核对是否遗漏。",
    ),
    Rule(
        "text.self_reference",
        W,
        "自称与单位类型不符",
        "“{label}”中出现“{actual}”，但{agency}为{kind}，应自称{advice}。",
    ),
    Rule(
        "text.signature_agency",
        W,
        "落款单位与报告单位不一致",
        "“{label}”末尾的落款为“{actual}”，与本报告的单位“{expected}”不一致。"
        "请确认落款是否沿用了其他单位或更名前的单位名称。",
    ),
    Rule(
        "text.applications_contradiction",
        W,
        "文字与申请数量不符",
        "“{label}”写有“{actual}”，但{table_row}为{expected}。请核对文字与表格是否一致。",
    ),
    Rule(
        "text.figure_mismatch",
        W,
        "文字中的数字与表格不符",
        "“{label}”写有“{actual}”，但{what}为{expected}。{note}。",
    ),
    Rule(
        "text.fee_contradiction",
        W,
        "信息处理费说法不一致",
        "“{label}”写有“{actual}”，但{detail}。请核对是否收取了信息处理费，前后说法应一致。",
    ),
    Rule(
        "text.year_out_of_range",
        W,
        "年份可能有误",
        "“{label}”中出现“{actual}”，本报告为{expected}年度，请确认年份是否有误"
        "（如沿用了往年报告的内容）。",
    ),
    Rule(
        "text.old_format",
        W,
        "沿用了旧格式的说法",
        "“{label}”中出现“{actual}”，这是旧版报告格式（国办公开办函〔2019〕60号）的用语，{advice}",
    ),
    Rule(
        "text.no_fee_statement",
        W,
        "未说明信息处理费",
        "“{label}”未说明是否收取信息处理费。按《政府信息公开信息处理费管理办法》，"
        "应写明本年度是否收取（如“本年度未收取信息处理费”）。",
    ),
    Rule(
        "value.fee_in_yuan",
        W,
        "收费金额单位可能有误",
        "“{label}”填写为{actual}万元（即{yuan}元），{why}，请确认是否误按“元”填写；"
        "如按元填写，应改为{expected}万元。",
    ),
    Rule(
        "history.carried_in_mismatch",
        W,
        "上年结转与上年报告不符",
        "“{label}”为{actual}，但上年报告（{source}）“{previous_row}”为{expected}。",
    ),
    Rule(
        "history.in_force_mismatch",
        W,
        "现行有效件数与上年不衔接",
        "“{label}”为{actual}，按上年报告（{source}）推算应为{expected}"
        "（上年现行有效{previous}+本年制发{issued}-本年废止{repealed}）。",
    ),
    Rule(
        "copy.figures_unchanged",
        W,
        "数字与上年报告完全相同",
        "本报告的全部数字与上年报告（{source}）完全相同，请确认是否沿用了上年数据而未更新。",
    ),
    Rule(
        "copy.text_unchanged",
        W,
        "文字与上年报告相同",
        "“{label}”与上年报告（{source}）的内容一字不差，请确认是否沿用了上年文字而未更新。",
    ),
    Rule(
        "source.note",
        W,
        "读取说明",
        "读取已发布的报告时：{detail}。",
    ),
    Rule(
        "registry.unknown_agency",
        W,
        "单位不在名录中",
        "单位“{actual}”不在公开办的单位名录中{detail}。请确认单位名称是否填写正确。",
    ),
)

RULES: dict[str, Rule] = {r.code: r for r in _CATALOGUE}
