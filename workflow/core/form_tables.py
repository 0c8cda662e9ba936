"""The three tables of the 2021 format as data: section 二's blocks, section 三's rows and
applicant columns, section 四's groups, and the types of value a cell holds.

`form` builds the field list and the equations from these; every other module reaches them
through `form`, which re-exports them.
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
    "FEE_COLUMN",
    "INFO_CONTENT_HEADER",
    "LEGAL_PERSON_HEADER",
    "LITIGATION_COLUMNS",
    "LITIGATION_GROUPS",
    "RESULTS_HEADER",
    "RESULT_GROUPS",
    "RESULT_PART_STEMS",
    "SECTION2_BLOCKS",
    "ApplicantColumn",
    "ApplicationRow",
    "FieldType",
    "LitigationGroup",
    "Section2Block",
    "Section2Row",
    "application_key",
]


class FieldType(StrEnum):
    """What a cell may hold; decides parsing, validation and display."""

    TEXT = "text"
    YEAR = "year"
    COUNT = "count"
    WAN_YUAN = "wan_yuan"


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
