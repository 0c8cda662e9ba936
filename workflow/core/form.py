"""The 2021 annual-report format (国办公开办函〔2021〕30号) as data, defined once.

Every other module derives what it needs from here: the template writer lays out the sheets
from `SECTION2_BLOCKS`, `APPLICATION_ROWS` and `LITIGATION_GROUPS`; the reader looks up every
`FIELDS` key as a defined name; the checks take their equations from `SUM_RULES`; the Word
context and the summary use the same keys and labels. Nothing else spells a row label.

The keys are the stable keys of `fields-2021.csv` (a copy ships in `workflow/data/` and a test
keeps the two identical).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.core.form_tables import (
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    APPLICANT_PARTS,
    APPLICANT_TOTAL,
    APPLICATION_ROWS,
    APPLICATION_ROWS_BY_STEM,
    BALANCE_NOTE,
    FEE_COLUMN,
    INFO_CONTENT_HEADER,
    LEGAL_PERSON_HEADER,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
    RESULT_GROUPS,
    RESULT_PART_STEMS,
    RESULTS_HEADER,
    SECTION2_BLOCKS,
    ApplicantColumn,
    ApplicationRow,
    FieldType,
    LitigationGroup,
    Section2Block,
    Section2Row,
    application_key,
)

__all__ = [
    "APPLICANT_COLUMNS",
    "APPLICANT_HEADER",
    "APPLICANT_PARTS",
    "APPLICANT_TOTAL",
    "APPLICATION_ROWS",
    "APPLICATION_ROWS_BY_STEM",
    "BALANCE_NOTE",
    "BASIC_SECTION",
    "FEE_COLUMN",
    "FIELDS",
    "FIELDS_BY_KEY",
    "FORM_ID",
    "INFO_CONTENT_HEADER",
    "LEGAL_PERSON_HEADER",
    "LITIGATION_COLUMNS",
    "LITIGATION_GROUPS",
    "PROSE_PARTS",
    "REPORT_TITLE_SUFFIX",
    "RESULTS_HEADER",
    "RESULT_GROUPS",
    "RESULT_PART_STEMS",
    "SECTION2_BLOCKS",
    "SECTION_TITLES",
    "SUM_RULES",
    "TABLE_SECTIONS",
    "TEMPLATE_VERSION",
    "ApplicantColumn",
    "ApplicationRow",
    "Field",
    "FieldType",
    "LitigationGroup",
    "ProsePart",
    "Section2Block",
    "Section2Row",
    "SumRule",
    "application_key",
    "numeric_keys",
    "plain_label",
    "row_total_name",
]

FORM_ID = "gov-info-annual-report-2021"
"""Which official format the workbook follows; recorded in every workbook we issue."""

TEMPLATE_VERSION = "2021.1"
"""Version of our agency workbook. Bump when the layout changes; readers accept what they know."""

REPORT_TITLE_SUFFIX = "年政府信息公开工作年度报告"


@dataclass(frozen=True, slots=True)
class Field:
    """One input cell of the form."""

    key: str
    section: str
    block: str
    row_label: str
    column_label: str
    type: FieldType
    required: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.type in (FieldType.COUNT, FieldType.WAN_YUAN)

    @property
    def label(self) -> str:
        """Human label for messages: '一、本年新收政府信息公开申请数量 / 自然人'."""
        parts = [p for p in (self.block, self.row_label, self.column_label) if p]
        return " / ".join(parts) if parts else self.section


# ---------------------------------------------------------------------------------------------
# Section titles
# ---------------------------------------------------------------------------------------------

SECTION_TITLES: dict[str, str] = {
    "overview": "一、总体情况",
    "proactive": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}

TABLE_SECTIONS: tuple[str, ...] = ("proactive", "applications", "litigation")
"""Sections 二、三、四, whose body is a table of the form (表二–表四)."""

BASIC_SECTION = "基本信息"

# ---------------------------------------------------------------------------------------------
# Prose (sections 一, 五, 六)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProsePart:
    key: str
    section: str
    heading: str
    """'（一）主动公开情况' for the parts of section 一; '' where the section is the heading."""
    required: bool


PROSE_PARTS: tuple[ProsePart, ...] = (
    ProsePart("text_overview", SECTION_TITLES["overview"], "", False),
    ProsePart("text_proactive", SECTION_TITLES["overview"], "（一）主动公开情况", True),
    ProsePart("text_on_request", SECTION_TITLES["overview"], "（二）依申请公开情况", True),
    ProsePart("text_management", SECTION_TITLES["overview"], "（三）政府信息管理情况", True),
    ProsePart("text_platforms", SECTION_TITLES["overview"], "（四）政府信息公开平台建设情况", True),
    ProsePart("text_oversight", SECTION_TITLES["overview"], "（五）监督保障情况", True),
    ProsePart("text_problems", SECTION_TITLES["problems"], "", True),
    ProsePart("text_other", SECTION_TITLES["other"], "", True),
)

# ---------------------------------------------------------------------------------------------
# All fields, in the order of fields-2021.csv
# ---------------------------------------------------------------------------------------------


def _fields() -> tuple[Field, ...]:
    out = [
        Field("agency_name", BASIC_SECTION, "", "单位名称", "", FieldType.TEXT, True),
        Field("report_year", BASIC_SECTION, "", "报告年度", "", FieldType.YEAR, True),
    ]
    for part in PROSE_PARTS:
        label = part.heading or ("总述" if part.key == "text_overview" else "")
        out.append(Field(part.key, part.section, "", label, "", FieldType.TEXT, part.required))
    for block in SECTION2_BLOCKS:
        for row in block.rows:
            for column, key in zip(block.columns, row.keys, strict=True):
                out.append(
                    Field(
                        key,
                        SECTION_TITLES["proactive"],
                        block.article,
                        row.label,
                        column,
                        block.type,
                    )
                )
    for arow in APPLICATION_ROWS:
        for col in APPLICANT_COLUMNS:
            out.append(
                Field(
                    arow.key(col),
                    SECTION_TITLES["applications"],
                    arow.block,
                    arow.label,
                    col.label,
                    FieldType.COUNT,
                )
            )
    for group in LITIGATION_GROUPS:
        for suffix, label in LITIGATION_COLUMNS:
            out.append(
                Field(
                    group.key(suffix),
                    SECTION_TITLES["litigation"],
                    group.label,
                    "",
                    label,
                    FieldType.COUNT,
                )
            )
    return tuple(out)


FIELDS: tuple[Field, ...] = _fields()
FIELDS_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}


def numeric_keys() -> tuple[str, ...]:
    return tuple(f.key for f in FIELDS if f.is_numeric)


# ---------------------------------------------------------------------------------------------
# The equations the checks enforce (errors 2–5 of the spec)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SumRule:
    """`sum(left) == sum(right)` for one column or group; `rule` is the finding's rule code.

    The labels and the advice are derived from the form's own labels, so that a message names
    the rows and columns exactly as the tables print them."""

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    left_label: str
    right_label: str
    scope: str
    """Where the equation lives, for messages: '“自然人”列', '“一、本年新收…”行', '行政复议'."""
    advice: str = ""


def _numbering(label: str) -> str:
    """'一、本年新收…' -> '一', '（七）总计' -> '（七）总计': how an equation names a row."""
    head, sep, _ = label.partition("、")
    return head if sep else label


def _sum_rules() -> tuple[SumRule, ...]:
    rules: list[SumRule] = []
    parts = [c.suffix for c in APPLICANT_PARTS]
    by_stem = APPLICATION_ROWS_BY_STEM
    for arow in APPLICATION_ROWS:
        rules.append(
            SumRule(
                "sum.applicant_total",
                (arow.key(APPLICANT_TOTAL.suffix),),
                tuple(arow.key(p) for p in parts),
                APPLICANT_TOTAL.label,
                "+".join(c.label for c in APPLICANT_PARTS),
                f"“{arow.label}”行",
            )
        )
    handled = by_stem["handled_total"]
    first = by_stem[RESULT_PART_STEMS[0]].label.partition("）")[0] + "）"
    last = RESULT_GROUPS[-1].partition("）")[0] + "）"
    for col in APPLICANT_COLUMNS:
        rules.append(
            SumRule(
                "sum.results_total",
                (handled.key(col),),
                tuple(by_stem[s].key(col) for s in RESULT_PART_STEMS),
                handled.label,
                f"{first}至{last}各项（有小项的按小项）之和",
                f"“{col.label}”列",
            )
        )
    new, carried_in, carried_out = by_stem["new"], by_stem["carried_in"], by_stem["carried_out"]
    balance_advice = BALANCE_NOTE.strip("()（）").split("：", 1)[-1]
    for col in APPLICANT_COLUMNS:
        rules.append(
            SumRule(
                "sum.balance",
                (new.key(col), carried_in.key(col)),
                (handled.key(col), carried_out.key(col)),
                f"{_numbering(new.label)}+{_numbering(carried_in.label)}",
                f"{handled.label}+{_numbering(carried_out.label)}",
                f"“{col.label}”列",
                balance_advice,
            )
        )
    litigation_parts = [(s, label) for s, label in LITIGATION_COLUMNS if s != "total"]
    total_label = dict(LITIGATION_COLUMNS)["total"]
    for group in LITIGATION_GROUPS:
        rules.append(
            SumRule(
                "sum.litigation_total",
                (group.key("total"),),
                tuple(group.key(s) for s, _ in litigation_parts),
                total_label,
                "+".join(label for _, label in litigation_parts),
                group.label,
            )
        )
    return tuple(rules)


SUM_RULES: tuple[SumRule, ...] = _sum_rules()


def plain_label(label: str) -> str:
    """A row label without its trailing gloss, as messages name the row:
    '（二）部分公开（区分处理的，只计这一情形，不计其他情形）' -> '（二）部分公开'."""
    return re.sub(r"(?<=[^\s（）])（[^（）]*）$", "", label)


def row_total_name(stem: str) -> str:
    """How a message names the 总计 of a row of 表三: '表三“四、结转下年度继续办理”总计'."""
    label = plain_label(APPLICATION_ROWS_BY_STEM[stem].label)
    return f"表三“{label}”" if label.endswith("总计") else f"表三“{label}”总计"
