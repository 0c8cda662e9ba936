"""The 2021 annual-report format (国办公开办函〔2021〕30号) as data, defined once.

Every other module derives what it needs from here: the template writer lays out the sheets
from `SECTION2_BLOCKS`, `APPLICATION_ROWS` and `LITIGATION_GROUPS`; the reader looks up every
`FIELDS` key as a defined name; the checks take their equations from `SUM_RULES`; the Word
context and the summary use the same keys and labels. Nothing else spells a row label.

The keys are the stable keys of `fields-2021.csv` (a copy ships in `workflow/data/` and a test
keeps the two identical).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
]

FORM_ID = "gov-info-annual-report-2021"
"""Which official format the workbook follows; recorded in every workbook we issue."""

TEMPLATE_VERSION = "2021.1"
"""Version of our agency workbook. Bump when the layout changes; readers accept what they know."""

REPORT_TITLE_SUFFIX = "年政府信息公开工作年度报告"


class FieldType(StrEnum):
    """What a cell may hold; decides parsing, validation and display."""

    TEXT = "text"
    YEAR = "year"
    COUNT = "count"
    WAN_YUAN = "wan_yuan"


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
# Section 二: four blocks headed by the article of the Regulations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section2Row:
    label: str
    keys: tuple[str, ...]
    """One key per column of the block, in column order."""


@dataclass(frozen=True, slots=True)
class Section2Block:
    article: str
    columns: tuple[str, ...]
    rows: tuple[Section2Row, ...]
    type: FieldType = FieldType.COUNT


FEE_COLUMN = "本年收费金额（单位：万元）"
INFO_CONTENT_HEADER = "信息内容"
"""Header of the label column of every section-二 block."""

SECTION2_BLOCKS: tuple[Section2Block, ...] = (
    Section2Block(
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (
            Section2Row("规章", ("rules_issued", "rules_repealed", "rules_in_force")),
            Section2Row(
                "行政规范性文件",
                ("normative_issued", "normative_repealed", "normative_in_force"),
            ),
        ),
    ),
    Section2Block(
        "第二十条第（五）项",
        ("本年处理决定数量",),
        (Section2Row("行政许可", ("licensing_decisions",)),),
    ),
    Section2Block(
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (
            Section2Row("行政处罚", ("penalty_decisions",)),
            Section2Row("行政强制", ("coercion_decisions",)),
        ),
    ),
    Section2Block(
        "第二十条第（八）项",
        (FEE_COLUMN,),
        (Section2Row("行政事业性收费", ("fees_amount",)),),
        FieldType.WAN_YUAN,
    ),
)

# ---------------------------------------------------------------------------------------------
# Section 三: applications, 25 rows x 7 columns
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicantColumn:
    suffix: str
    label: str
    is_legal_person: bool
    """True for the five columns under the merged header 法人或其他组织."""


APPLICANT_COLUMNS: tuple[ApplicantColumn, ...] = (
    ApplicantColumn("natural", "自然人", False),
    ApplicantColumn("business", "商业企业", True),
    ApplicantColumn("research", "科研机构", True),
    ApplicantColumn("social", "社会公益组织", True),
    ApplicantColumn("legal", "法律服务机构", True),
    ApplicantColumn("other", "其他", True),
    ApplicantColumn("total", "总计", False),
)
APPLICANT_PARTS = tuple(c for c in APPLICANT_COLUMNS if c.suffix != "total")
APPLICANT_TOTAL = APPLICANT_COLUMNS[-1]

APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
BALANCE_NOTE = "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"

RESULTS_HEADER = "三、本年度办理结果"


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """One of the 25 rows of section 三.

    `level` is the indentation of the official table: 0 for 一/二/三/四, 1 for （一）…（七）,
    2 for the numbered sub-items. `group` is the （三）…（六） heading a sub-item belongs to
    (the merged cell on its left in the official table), `block` the CSV's block column.
    """

    stem: str
    label: str
    level: int
    group: str = ""
    block: str = ""

    def key(self, column: ApplicantColumn | str) -> str:
        suffix = column if isinstance(column, str) else column.suffix
        return application_key(self.stem, suffix)


def application_key(stem: str, suffix: str) -> str:
    return f"apply_{stem}_{suffix}"


_DENIED = "（三）不予公开"
_UNABLE = "（四）无法提供"
_REJECTED = "（五）不予处理"
_OTHER = "（六）其他处理"

_GROUP_ITEMS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "denied",
        _DENIED,
        (
            ("secret", "1.属于国家秘密"),
            ("law", "2.其他法律行政法规禁止公开"),
            ("security", "3.危及“三安全一稳定”"),
            ("third_party", "4.保护第三方合法权益"),
            ("internal", "5.属于三类内部事务信息"),
            ("process", "6.属于四类过程性信息"),
            ("enforcement", "7.属于行政执法案卷"),
            ("query", "8.属于行政查询事项"),
        ),
    ),
    (
        "unable",
        _UNABLE,
        (
            ("not_held", "1.本机关不掌握相关政府信息"),
            ("needs_creation", "2.没有现成信息需要另行制作"),
            ("unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "rejected",
        _REJECTED,
        (
            ("petition", "1.信访举报投诉类申请"),
            ("duplicate", "2.重复申请"),
            ("publication", "3.要求提供公开出版物"),
            ("excessive", "4.无正当理由大量反复申请"),
            ("confirmation", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "other",
        _OTHER,
        (
            ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "3.其他"),
        ),
    ),
)


def _application_rows() -> tuple[ApplicationRow, ...]:
    rows = [
        ApplicationRow("new", "一、本年新收政府信息公开申请数量", 0),
        ApplicationRow("carried_in", "二、上年结转政府信息公开申请数量", 0),
        ApplicationRow("granted", "（一）予以公开", 1, block=RESULTS_HEADER),
        ApplicationRow(
            "partial",
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            1,
            block=RESULTS_HEADER,
        ),
    ]
    for prefix, group, items in _GROUP_ITEMS:
        rows.extend(
            ApplicationRow(f"{prefix}_{stem}", label, 2, group=group, block=group)
            for stem, label in items
        )
    rows.append(ApplicationRow("handled_total", "（七）总计", 1, block=RESULTS_HEADER))
    rows.append(ApplicationRow("carried_out", "四、结转下年度继续办理", 0))
    return tuple(rows)


APPLICATION_ROWS: tuple[ApplicationRow, ...] = _application_rows()
APPLICATION_ROWS_BY_STEM = {r.stem: r for r in APPLICATION_ROWS}
RESULT_GROUPS: tuple[str, ...] = (_DENIED, _UNABLE, _REJECTED, _OTHER)
"""The four result headings that have numbered sub-items."""
RESULT_PART_STEMS: tuple[str, ...] = tuple(
    r.stem for r in APPLICATION_ROWS if r.block and r.stem != "handled_total"
)
"""Rows whose sum is （七）总计: （一）, （二） and every sub-item of （三）…（六）."""

# ---------------------------------------------------------------------------------------------
# Section 四: administrative review and litigation, one row of fifteen numbers
# ---------------------------------------------------------------------------------------------

LITIGATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)


@dataclass(frozen=True, slots=True)
class LitigationGroup:
    prefix: str
    label: str
    """The CSV block: '行政复议', '行政诉讼·未经复议直接起诉', …"""
    header: str
    """The top header of the official table: 行政复议 or 行政诉讼."""
    subheader: str
    """The second header row under 行政诉讼; '' for 行政复议."""

    def key(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"


LITIGATION_GROUPS: tuple[LitigationGroup, ...] = (
    LitigationGroup("review", "行政复议", "行政复议", ""),
    LitigationGroup("suit_direct", "行政诉讼·未经复议直接起诉", "行政诉讼", "未经复议直接起诉"),
    LitigationGroup("suit_after_review", "行政诉讼·复议后起诉", "行政诉讼", "复议后起诉"),
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
        row = part.heading or ("总述" if part.key == "text_overview" else "")
        out.append(Field(part.key, part.section, "", row, "", FieldType.TEXT, part.required))
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
    """`sum(left) == sum(right)` for one column or group; `rule` is the finding's rule code."""

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    left_label: str
    right_label: str
    scope: str
    """Where the equation lives, for messages: '自然人列', '一、本年新收…行', '行政复议'."""


def _sum_rules() -> tuple[SumRule, ...]:
    rules: list[SumRule] = []
    parts = [c.suffix for c in APPLICANT_PARTS]
    for arow in APPLICATION_ROWS:
        rules.append(
            SumRule(
                "sum.applicant_total",
                (arow.key("total"),),
                tuple(arow.key(p) for p in parts),
                "总计",
                "自然人+商业企业+科研机构+社会公益组织+法律服务机构+其他",
                f"“{arow.label}”行",
            )
        )
    by_stem = APPLICATION_ROWS_BY_STEM
    for col in APPLICANT_COLUMNS:
        rules.append(
            SumRule(
                "sum.results_total",
                (by_stem["handled_total"].key(col),),
                tuple(by_stem[s].key(col) for s in RESULT_PART_STEMS),
                "（七）总计",
                "（一）+（二）+（三）至（六）各小项之和",
                f"“{col.label}”列",
            )
        )
    for col in APPLICANT_COLUMNS:
        rules.append(
            SumRule(
                "sum.balance",
                (by_stem["new"].key(col), by_stem["carried_in"].key(col)),
                (by_stem["handled_total"].key(col), by_stem["carried_out"].key(col)),
                "一+二",
                "（七）总计+四",
                f"“{col.label}”列",
            )
        )
    for group in LITIGATION_GROUPS:
        rules.append(
            SumRule(
                "sum.litigation_total",
                (group.key("total"),),
                tuple(group.key(s) for s, _ in LITIGATION_COLUMNS if s != "total"),
                "总计",
                "结果维持+结果纠正+其他结果+尚未审结",
                group.label,
            )
        )
    return tuple(rules)


SUM_RULES: tuple[SumRule, ...] = _sum_rules()
