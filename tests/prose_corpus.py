"""Prose in the styles real reports use, with the tables it stands beside: the corpus that
measures the prose-against-tables warnings (`benchmarks/prose_figures.py`, and the tests).

Each case is one passage put into 一、总体情况（二）依申请公开情况 of the seed report, the
tables it is read against (a consistent report, `TABLE`, with overrides), and how many numbers
in it contradict their cell. The sentences are written after real published reports: the
contradictions seen in them (a city's "行政复议案件134件，行政诉讼案件57件" against totals of
170 and 77; a district's "收到申请75件" against 本年新收 74), and the statements that agree or are
about something else that a naive reader would take for a count (“三个一”, 较上年增加, 自然人 …).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.checks_helpers import make_submission
from tests.published_docs import report_values
from workflow.checks import CheckContext, run_checks
from workflow.core.findings import Finding

__all__ = [
    "AGREEING",
    "CONTRADICTIONS",
    "FIGURE_RULES",
    "TABLE",
    "Case",
    "prose_warnings",
]

TABLE: dict[str, object] = report_values()
"""新收 7 (自然人 5, 商业企业 2), 上年结转 1, 予以公开 3, 部分公开 1, 不予公开 1, 无法提供 2,
其他处理 1, （七）总计 8, 结转 0; 复议 2 (维持 1, 尚未审结 1), 直接起诉 1 (纠正 1); 规范性文件
制发 3 废止 1 现行有效 12; 许可 1234, 处罚 56, 强制 0; 收费 0.35 万元."""

CITY: dict[str, object] = {
    "review_upheld": 120, "review_corrected": 14, "review_pending": 36, "review_total": 170,
    "suit_direct_upheld": 50, "suit_direct_other": 7, "suit_direct_pending": 20,
    "suit_direct_total": 77,
}  # fmt: skip
DISTRICT: dict[str, object] = {
    "apply_new_natural": 74, "apply_new_business": 0, "apply_new_total": 74,
    "apply_carried_in_natural": 1, "apply_carried_in_total": 1,
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    text: str
    contradictions: int = 0
    table: dict[str, object] = field(default_factory=dict)
    explains: str = ""
    """A reading of the table the warning must name ('尚未审结', '上年结转' …), if any."""


FIGURE_RULES = ("text.figure_mismatch", "text.applications_contradiction")


def prose_warnings(
    text: str, table: Mapping[str, object] | None = None, *, rules: tuple[str, ...] = FIGURE_RULES
) -> list[Finding]:
    """The findings of `rules` when `text` is （二）依申请公开情况 of a report whose tables are
    `TABLE` with `table`'s values in place."""
    sub = make_submission({**TABLE, **(table or {}), "text_on_request": text})
    return [f for f in run_checks(sub, CheckContext()) if f.rule in rules]


CONTRADICTIONS: tuple[Case, ...] = (
    Case("2021年，共收到行政复议案件134件，行政诉讼案件57件。", 2, CITY, "尚未审结"),
    Case("行政诉讼案件57件，均依法出庭应诉。", 1, CITY, "尚未审结"),
    Case("本年度共收到政府信息公开申请75件，均在法定期限内答复。", 1, DISTRICT, "上年结转"),
    Case("本年度新收政府信息公开申请8件。", 1, {}, "上年结转"),
    Case("全年共收到政府信息公开申请12件。", 1),
    Case("共受理政府信息公开申请十二件。", 1),
    Case("累计收到申请9件，办结9件。", 2),
    Case("其中予以公开5件。", 1),
    Case("予以公开4件，部分公开1件。", 1, {}, "部分公开"),
    Case("予以公开二件，不予公开1件。", 1),
    Case("不予公开2件，无法提供2件。", 1),
    Case("因本机关不掌握相关信息，无法提供3件。", 1),
    Case("不予处理1件。", 1),
    Case("结转下年度继续办理3件。", 1),
    Case("上年结转申请2件，已全部办结。", 1),
    Case("共办结政府信息公开申请9件。", 1),
    Case("办结政府信息公开申请7件，其中予以公开3件。", 1, {}, "本年新收"),
    Case("全年共办理依申请公开事项6件。", 1),
    Case("本年度印发行政规范性文件5件。", 1),
    Case("清理废止行政规范性文件3件。", 1),
    Case("截至目前，现行有效的规范性文件共计10件。", 1),
    Case("本年度制定政府规章1件。", 1),
    Case("现行有效规范性文件3件。", 1, {}, "本年制发"),
    Case("全年共办理行政许可1,200件，行政处罚56起。", 1),
    Case("作出行政处罚决定60起。", 1),
    Case("共办理行政处罚案件五十件。", 1),
    Case("依法实施行政强制3次。", 1),
    Case("本年度行政事业性收费0.5万元。", 1),
    Case("收取行政事业性收费5000元。", 1),
    Case("全年发生行政复议案件三件。", 1),
    Case("2021年，我单位共收到行政复议申请1件。", 1),
    Case("复议案件共计4件，均维持原行政行为。", 1),
    Case("我局被提起行政诉讼2起。", 1),
    Case("发生政府信息公开行政复议案件1件，行政诉讼案件0件。", 2),
    Case("本年度发生行政复议案件134件。", 1, CITY, "尚未审结"),
    Case("全年发生行政复议案件三十五件。", 1),
    Case("合计办结申请10件，其中予以公开3件。", 1),
    # slips of real published reports (issue 16), read by the whole sentence
    Case("本年度制发规范性文件3件，现行有效件数424件。", 1),
    Case("清理并集中发布现行有效行政规范性文件393件。", 1),
    Case("因无法提供相关信息答复3件，其他处理1件。", 1),
    Case("2021年共收到政府信息公开申请0条。", 1),
    Case("申请告知书中，“同意公开”3件，“区分处理后公开”2件。", 1),
)

AGREEING: tuple[Case, ...] = (
    Case("2021年，共收到政府信息公开申请7件。"),
    Case("共受理政府信息公开申请8件（含上年结转1件）。"),
    Case(
        "本年度共收到政府信息公开申请74件，上年结转1件，共办结75件。",
        0,
        DISTRICT | {"apply_handled_total_natural": 75, "apply_handled_total_total": 75},
    ),
    Case("其中予以公开3件，部分公开1件，不予公开1件，无法提供2件，其他处理1件。"),
    Case("共办结申请8件，结转下年度继续办理0件。"),
    Case("依法办理政府信息公开申请8件，均在法定期限内答复。"),
    Case("全年共处理政府信息公开申请8件。"),
    Case("上年结转的1件申请已于本年办结。"),
    Case("不予公开的1件，已依法告知理由。"),
    Case("本年度发生政府信息公开行政复议案件2件，其中维持1件，尚未审结1件。"),
    Case("行政复议案件2件，其中结果维持1件，尚未审结1件；行政诉讼案件1件，结果纠正1件。"),
    Case("未经复议直接起诉的行政诉讼案件1件。"),
    Case("全年共受理行政复议案件2件，其中1件已审结。"),
    Case("2021年，共收到行政复议案件170件，行政诉讼案件77件，已审结134件、57件。", 0, CITY),
    Case("印发行政规范性文件3件，废止1件，现行有效12件。"),
    Case("本年度我镇印发规范性文件3件，均已在政府网站公开。"),
    Case("在政府网站公开规范性文件12件，均为现行有效。"),
    Case("本年共作出行政许可决定1,234件，行政处罚决定56件，未实施行政强制。"),
    Case("主动公开行政处罚信息56条。"),
    Case("公开行政许可信息1234条。"),
    Case("行政事业性收费0.35万元。"),
    Case("收取行政事业性收费3500元。"),
    Case("本年度未收取信息处理费。"),
    Case("全年无行政事业性收费。"),
    Case("共收到政府信息公开申请7件，比上年增加3件。"),
    Case("较上年增加3件，同比下降2起。"),
    Case("其中自然人申请5件，商业企业申请2件。"),
    Case("通过网上申请5件，信函申请2件。"),
    Case("2020年，我局收到申请3件。"),
    Case("去年收到申请3件，办结3件。"),
    Case("建立第一时间登记受理、第一时间转送承办单位和第一时间回复申请的“三个一”工作机制。"),
    Case("落实“一件事一次办”改革，推行“最多跑一次”。"),
    Case("主动公开政府信息235条，其中规范性文件3件。"),
    Case("通过政府网站发布信息1200条，发布政策解读12篇。"),
    Case("开展政务公开培训3次，参训人员120人次。"),
    Case("办理人大代表建议12件、政协提案8件。"),
    Case("全年办理群众来信来访15件，答复网民留言36条。"),
    Case("我镇共有行政村12个，社区3个。"),
    Case("发放宣传资料3000余份。"),
    Case("政府网站全年访问量达12万次。"),
    Case("申请人撤回申请1件。"),
    Case("收到申请人补正材料2件。"),
    Case("对3件申请予以公开。"),
    Case("根据《关于进一步做好2件事的通知》执行。"),
    Case(
        "全年未发生因政府信息公开引起的行政复议和行政诉讼案件。",
        0,
        {
            "review_upheld": 0,
            "review_pending": 0,
            "review_total": 0,
            "suit_direct_corrected": 0,
            "suit_direct_total": 0,
        },
    ),
    Case("一是加强组织领导；二是完善制度；三是强化监督。"),
    Case("行政复议、行政诉讼纠错率为0。"),
    Case("申请办结率100%。"),
    Case("编制完善行政许可事项清单126项，公开行政处罚裁量基准12项。"),
    Case("作为行政复议机关，全年办理行政复议案件134件。"),
    Case("所有申请均在15个工作日内办结，办结时限压缩至10个工作日。"),
    Case("收费项目3项，均已公开收费标准。"),
    Case("全年收到申请后平均5天内答复。"),
    Case("合计办结申请8件，其中予以公开3件。"),
    Case("全年发生行政复议案件二件。"),
    Case("行政复议三十五件，行政诉讼七十七件。", 0, {"review_total": 35, "suit_direct_total": 77}),
    # read by the whole sentence (issue 16): sentences of real published reports
    Case("共办结申请8件，其中公开答复1件。"),
    Case("共办结申请8件，其中：依法答复申请2件。"),
    Case("本年度共收到政府信息公开申请8件（含上年结转1件）。"),
    Case("行政复议1件尚未审结。"),
    Case("上半年办结申请3件。"),
    Case("全年制发政府信息378条，其中主动公开125条、依申请公开176条、不予公开77条。"),
    Case(
        "全年共制作政府信息总数110条，其中主动公开信息20条，依申请公开政府信息86条，不予公开政府信息4条。"
    ),
    Case("公开行政许可类信息2条，行政处罚类信息5条。"),
    Case("公开2021年预算和2020年决算。"),
    Case("发布2020年度政府信息公开工作年度报告。"),
    Case("2020年7月正式开通微信公众号，全年发布信息784条。"),
    Case("梳理历年区管委会和区管委会办公室印发的行政规范性文件228份。"),
    Case("该8件政府信息公开申请告知书中，“同意公开”3件，“区分处理后公开”1件，“无法提供”2件。"),
    Case("因无法提供相关信息答复2件，其他处理1件。"),
    Case("主动公开市政府规章13件（含新制定5件，修改4件，废止4件）。"),
)
