"""The published 后河镇 2021 report as field values: the `workflow example` workbook and the
first realistic fixture of the tests.

The text is the published one (from the web, only the extraction's bold markers removed), so it
keeps the real report's mistake that the checks warn about: a town that calls itself "我局".
The table values are the published ones: all zero except 行政处罚 3.
"""

from __future__ import annotations

from workflow.core.form import FIELDS

__all__ = ["SEED_AGENCY", "SEED_YEAR", "seed_values"]

SEED_AGENCY = "后河镇人民政府"
SEED_YEAR = 2021

_TEXT = {
    "text_overview": (
        "根据《国务院办公厅政府信息公开与政务公开办公室关于印发中华人民共和国政府信息公开工作年度报告"
        "格式的通知》和《国务院办公厅关于印发2021年政务公开工作要点的通知》等文件精神，我镇按照要求及时"
        "公开政府信息内容，大力拓展政府信息公开渠道，不断增强政府信息公开透明度，加强政府信息公开监督检查，"
        "行政效率明显提高，行政行为进一步规范，依法行政水平得到有效提升，机关作风建设日趋增强，"
        "群众满意度显著提升。"
    ),
    "text_proactive": (
        "1.加强权力配置和权力运行过程信息公开。按要求积极向社会公开我镇机构职能、机构设置、办公地址、"
        "联系方式、主要领导相关介绍、基建维修招、开标信息、办事服务等相关详细信息。\n"
        "2.围绕政务动态及舆情热点信息公开。2021年，我镇主动公开信息235条，内容涵盖：政府各类工作动态、"
        "部门文件、“三公经费”使用、新冠肺炎疫情防控、党史学习教育、应急管理、经济发展、民生工程、"
        "重点项目建设以及社会关注、群众关心事项等内容。同时密切关注“12345市长热线留言、政民互动”中"
        "涉及后河镇域的热点问题，快速反应，正面回应，提高舆情控制应对能力。"
    ),
    "text_on_request": (
        "我镇完善了依申请公开制度，明确了依申请公开的受理责任股室和受理程序，按规定程序受理、审核、处理、"
        "答复。2021年度我局没有受理申请公开政府信息申请。"
    ),
    "text_management": (
        "对政务公开实行动态管理，将主动公开目录作为公开政府信息的重要依据，以强化政府信息资源的规范化"
        "超标准化管理。对规范性文件等印发前的征求意见、印发后的公开发布和政策解读等进行明确规定。严格落实"
        "信息发布审核制度，严把信息发布审核关，坚决杜绝涉密信息上网，开展自查自纠活动，对可能涉及公民个人"
        "隐私的信息进行全覆盖无盲区排查，确保公民个人隐私或敏感信息不通过信息公开泄露。"
    ),
    "text_platforms": (
        "我镇按照《中华人民共和国政府信息公开条例》要求，开设了美篇、抖音、云上卫辉等多个平台，第一时间将"
        "政务信息进行公开，方便群众对经济发展、民生、安全生产、救灾等信息进行查询、了解。"
    ),
    "text_oversight": (
        "严格遵守《中华人民共和国保守国家秘密法》，《中华人民共和国档案法》。对政府信息公开工作定期开展"
        "自查，检查政府信息公开程序是否规范，信息发布是否及时，并对问题逐一进行整改，确保政府信息公开工作"
        "落到实处。大力加强对政府信息公开工作的监督检查力度，公开投诉电话，畅通群众来信、来电、来访诉求"
        "渠道，及时进行反馈回复。"
    ),
    "text_problems": (
        "目前，我镇政府信息公开工作方面虽然基本实现规范化、制度化、常态化，但与市委市政府的要求仍存在一定"
        "差距，主要存在以下问题：一是对《政府信息公开条例》等文件的学习深度不够，对相关信息公开精神领会"
        "不够深入，与人民群众的期盼和诉求仍有一定差距，亟待进一步改进和加强；二是信息公开的形式、渠道途径"
        "仍有待进一步拓宽。\n"
        "下一步，我们将继续严格按照政务公开要求，妥善处理好政务公开与保密的关系，规范信息公开各项工作。"
        "加强信息发布、解读和回应工作，不断强化机制建设，提高政务服务水平，及时公布数字经济发展、传统产业"
        "改造提升、工业投资项目、企业精准服务、企业社会责任等公众重点关注内容。进一步做好投诉咨询、公开"
        "意见箱的回复工作和依申请公开的审核答复工作。同时，进一步提升我镇全体干部职工主动公开意识，做到"
        "认真履职、主动作为，增强工作主动性、积极性、紧迫性，不断推动我镇政务公开工作再上新台阶。"
    ),
    "text_other": "2021年本单位未收取信息处理费。",
}


def seed_values() -> dict[str, object]:
    """Every field of the published report, by key, as an agency would type it."""
    values: dict[str, object] = {"agency_name": SEED_AGENCY, "report_year": SEED_YEAR, **_TEXT}
    for field in FIELDS:
        if field.is_numeric:
            values[field.key] = 0
    values["penalty_decisions"] = 3
    return values
