"""Numbers in the prose and what they are about: the claim reader of `prose_figures`.

A claim is a number written with a unit (件 条 次 起 宗 项 个 份, 万元 or 元), in Arabic
("1,234", "0.35") or Chinese numerals ("三十五"), and the topic the words before it in its clause
tie it to: the nearest of 行政复议, 行政诉讼, 予以公开, 办结, 规范性文件 + 制发 … . Only what is
said about this year's totals is a claim; a number is passed over when it is

- a change ("较上年增加3件", "同比下降2起") or about another time (上年, 去年, 同期, or another
  year named earlier in its sentence — but 上年结转 is a topic, not a time);
- a part of the applications by who or how they came (自然人, 法人, 网上, 信函 …);
- a part of the 复议 / 诉讼 cases by their outcome (其中维持1件, 被纠错1起 …);
- inside a name ("三个一", "一件事一次办": a Chinese numeral followed by more words), or in a
  cited title 《…》; a time limit ("15个工作日"); a list of matters ("行政许可事项清单126项");
  money not said of the fee, or a fee said in 项; the agency as 复议机关 deciding others' cases;
- a part introduced by 其中 / 含 / 包括 ("办结2件，其中公开答复1件"), or any item of a bracketed
  list so opened ("规章13件（含新制定5件，修改4件，废止4件）"), unless the part is a row of the
  tables of its own (其中予以公开3件 is still compared);
- a count followed by the state or outcome of those it counts ("行政复议1件尚未审结"), or said of
  part of the year (上半年, 季度, 3月份), or of past years (历年, 以来);
- in a sentence about documents by disclosure attribute ("全年制发政府信息378条，其中主动公开
  125条、依申请公开176条、不予公开77条"): no 予以公开 / 不予公开 there is a decision;
- published items of a category ("公开行政许可类信息2条"), or documents reviewed (梳理, 清理 …
  印发的规范性文件228份), which are not this year's decisions or documents issued.

A number with its own bracketed qualifier ("8件（含上年结转1件）") is marked `qualified`: the
checks take it as counting what it says. 答复 after a decision ("因无法提供相关信息答复2件") is
that decision's count, and 区分处理 is 部分公开 (the 2019 wording).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from workflow.checks._text import TITLE, chinese_number, mask, normalise, span

__all__ = ["Claim", "claims"]

_CN = "零〇一二两三四五六七八九十百千"
_NUMBER = re.compile(
    rf"(?P<n>(?<![0-9.,])[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?|(?<![0-9.])[0-9]+(?:\.[0-9]+)?"
    rf"|(?<![{_CN}第])[{_CN}]+)\s*(?P<u>万元|元|件|条|次|起|宗|项|个|份)"
    rf"(?![{_CN}0-9]|工作日|自然日|小时|月|日|天|年|季度|百分点|人)"
)
_GOES_ON = "申政行案的"
"""What may follow a count in Chinese numerals: 三件申请, 两起行政复议案件, 一件的."""
_CLAUSE_BREAKS = ",;。!?\n:，；：（()）"
_SENTENCE_BREAKS = ";。!?\n；"
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")

_PART = re.compile(r"其中|包括|包含|(?<![包不内])含(?!义|金量)")
"""Before a number: it counts a part of what the sentence counted first ("办结2件，其中公开答复
1件"). A part that is a whole row of the tables (其中予以公开3件) is still compared."""
_CATEGORY = re.compile(r"属于|涉及|关于")
"""Before a count of applications received or handled: those of one kind only."""
_PART_OPENS = re.compile(r"\s*(?:其中|包括|包含|含)")
_PART_LEAD = re.compile(r"(?:其中|包括|包含|含)\s*[,:]?\s*$")
"""其中 ending the clause before ("其中，予以公开3件")."""
_OUTCOME_ROWS = ("granted", "partial", "denied", "unable", "rejected", "carried_in", "carried_out")
"""Topics that are rows of 表三's outcomes (and what is carried in and out)."""
_WHOLE_ROWS = frozenset([*_OUTCOME_ROWS, "review", "litigation"])
"""Topics that are a row of 表三 / 表四 of their own, comparable even when said as a part."""
_QUALIFIED = re.compile(r"^\s*\(\s*(?:含|包括|包含|其中|不含|不包括)")
"""After a number: its own qualifier ("共收到申请8件（含上年结转1件）")."""
_STATE_AFTER = re.compile(
    r"^[^,;。!?\n:，；：(（]{0,8}?(?:尚未|未审结|未办结|正在|仍在|在办|审理中|办理中)"
)
"""After a number: the state of a part ("行政复议1件尚未审结", "申请2件正在办理中")."""
_AFTER_CLAUSE = re.compile(r"[,;。!?\n:，；：(（]")
_PERIOD = re.compile(
    r"上半年|下半年|季度|[0-9一二三四五六七八九十]+\s*月份|[0-9]+\s*月\s*(?:至|到|-)"
)
"""A part of the year: its count is not the year's ("上半年办结3件")."""
_DOCUMENTS = re.compile(
    r"(?:主动公开|依申请公开)(?:信息|类|的)?\s*(?:[0-9]+|[零〇一二两三四五六七八九十百千]+)\s*(?:条|件|篇|份|个)"
    r"|(?:制发|制作|生成|产生|形成|发文|印发|拟制)[^,;。]{0,10}(?:政府信息|公文|文件)"
    r"|公开属性|公开方式"
)
"""A sentence about documents by disclosure attribute, not applications: "全年制发政府信息
378条，其中主动公开125条、依申请公开176条、不予公开77条" (the pre-2019 statistic)."""
_APPLICATION_DECISIONS = frozenset(["granted", "partial", "denied", "unable", "rejected"])
_PUBLISHED_ITEMS = re.compile(r"公开|公示|发布|推送|上传|更新|信息|类|栏目")
"""Around 行政许可/处罚/强制: items published of that category ("公开行政许可类信息2条"),
not the decisions counted in 表二."""

_REVIEWED = re.compile(r"梳理|清理|审查|评估|汇编|核查")
"""Before 印发 / 制定 …: the documents were reviewed, of whatever year."""

_CHANGE = re.compile(r"(?:增加|减少|增长|下降|上升|提高|降低|多出|少了|增|减|多|少)\s*(?:了)?$")
_OTHER_TIME = re.compile(
    r"上年(?!度?结转)|去年|上一年(?!度?结转)|前年|往年|历年|多年来|以来|同期|同比|环比"
)
_WHO = re.compile(
    r"自然人|法人|企业|组织|机构|个人|公民|网上|网络|网站|信函|当面|现场|邮寄|传真|电话"
)
_OUTCOME = re.compile(r"维持|纠错|纠正|败诉|胜诉|撤诉|驳回|审结|未审结|尚未|撤销|确认违法|调解")
_APPLICATION_TOPICS = frozenset(["received", "accepted", "handled", "handled_any", *_OUTCOME_ROWS])

_DECISIONS = frozenset(["licensing", "penalty", "coercion"])
_ITEMS = re.compile(r"事项|清单|目录|标准|基准|裁量|流程|权力")
_COUNTING_VERBS = frozenset(["received", "accepted", "handled", "handled_any"])
"""Topics named by a verb alone, which count applications only where 申请 is said."""

_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("review", re.compile(r"行政复议(?!后)|复议案件|复议申请")),
    ("litigation", re.compile(r"行政诉讼|诉讼案件|行政应诉|被(?:提起)?起诉|起诉")),
    ("granted", re.compile(r"(?<!部分)予以公开|同意公开|全部公开")),
    ("partial", re.compile(r"部分公开|区分处理")),
    ("denied", re.compile(r"不予公开")),
    ("unable", re.compile(r"无法提供")),
    ("rejected", re.compile(r"不予处理")),
    (
        "carried_out",
        re.compile(
            r"(?:结转(?:至|到|入)?|转入)下(?:一)?年度?(?:继续)?(?:办理|处理)?|下年度继续办理"
        ),
    ),
    ("carried_in", re.compile(r"上(?:一)?年度?结转|结转上年")),
    ("handled", re.compile(r"办结|答复完毕|办理完毕|处理完毕|已答复|作出答复|予以答复|答复")),
    (
        "handled_any",
        re.compile(
            r"(?<!继续)(?<!其他)(?<!不予)(?<!区分)(?:办理|处理)(?!结果|情况|工作|机制|流程)"
        ),
    ),
    ("accepted", re.compile(r"受理(?!的)")),
    ("received", re.compile(r"新收|收到|接收|接到")),
    ("licensing", re.compile(r"行政许可")),
    ("penalty", re.compile(r"行政处罚")),
    ("coercion", re.compile(r"行政强制")),
    ("fees", re.compile(r"行政事业性收费|收费金额|收取[^,;。]{0,6}费|收费")),
)
_DOC = re.compile(r"规章(?!制度)|规范性文件")
_ACTION = (
    ("issued", re.compile(r"制发|印发|出台|制定|发布|新制定|新出台")),
    ("repealed", re.compile(r"废止|废除|宣布失效")),
    ("in_force", re.compile(r"现行有效|有效")),
)


@dataclass(frozen=True, slots=True)
class Claim:
    topic: str
    """'review', 'granted', 'normative_issued', 'fees' …"""
    number: Decimal
    unit: str
    said: tuple[int, int]
    """The clause in the text, for quoting."""
    context: str
    """The sentence up to the number (normalised), for the checks' own conditions."""
    qualified: bool = False
    """The number carries its own qualifier in brackets ("8件（含上年结转1件）")."""


def _number(text: str) -> Decimal | None:
    if text[0].isdigit():
        return Decimal(text.replace(",", ""))
    value = chinese_number(text)
    return None if value is None else Decimal(value)


def _topic(clause: str, sentence: str) -> str | None:
    """The topic nearest before the number: the last to end in `clause`."""
    best: tuple[int, str] | None = None
    decision: tuple[int, str] | None = None
    for topic, pattern in _TOPICS:
        for match in pattern.finditer(clause):
            if best is None or match.end() > best[0]:
                best = (match.end(), topic)
            if topic in _APPLICATION_DECISIONS and (decision is None or match.end() > decision[0]):
                decision = (match.end(), topic)
    if best and decision and best[1] in ("handled", "handled_any"):
        best = decision  # "因无法提供相关信息答复2件": the reply says which decision
    actions = [(m.end(), name) for name, p in _ACTION for m in p.finditer(clause)]
    docs = [m for m in _DOC.finditer(sentence)]
    if actions and docs:
        end, action = max(actions)
        doc = "rules" if docs[-1].group().startswith("规章") else "normative"
        if best is None or end >= best[0]:
            return f"{doc}_{action}"
    return best[1] if best else None


def _passed_over(
    topic: str, unit: str, clause: str, sentence: str, year: int | None, whole: str
) -> bool:
    """True when the number is not a statement of this year's whole count of its topic.

    `clause` and `sentence` end at the number; `whole` is the whole sentence."""
    if _CHANGE.search(clause) or _OTHER_TIME.search(sentence) or _PERIOD.search(sentence):
        return True
    if topic in _APPLICATION_DECISIONS and _DOCUMENTS.search(whole):
        return True  # 主动公开125条、依申请公开176条、不予公开77条: documents, not decisions
    if topic in _DECISIONS and _PUBLISHED_ITEMS.search(clause):
        return True  # 公开行政许可类信息2条: what was published, not the decisions
    if topic.endswith("_issued") and _REVIEWED.search(clause):
        return True  # 梳理……印发的行政规范性文件228份: the documents reviewed, not this year's
    if (topic == "fees") != (unit in ("万元", "元")):
        return True  # money is the fee's; the fee is money (收费项目3项 is no amount)
    if topic in _DECISIONS and (unit == "项" or _ITEMS.search(clause)):
        return True  # 行政许可事项清单126项: the list of matters, not the decisions
    if "复议机关" in sentence:
        return True  # the agency deciding others' reviews, not reviews of its disclosure
    years = [int(y) for y in _YEAR.findall(sentence)]
    if years and year is not None and years[-1] != year:
        return True
    if topic in _APPLICATION_TOPICS and _WHO.search(clause):
        return True  # a part of them
    if topic in _COUNTING_VERBS and "申请" not in sentence:
        return True  # 办理人大代表建议12件, 答复网民留言36条: not applications
    if topic in ("review", "litigation"):
        keyword = dict(_TOPICS)[topic]
        last = list(keyword.finditer(clause))
        after = clause[last[-1].end() :] if last else clause
        return bool(_OUTCOME.search(after))
    return False


def claims(text: str, year: int | None) -> Iterator[Claim]:
    """Every number of `text` that the words before it tie to a topic, in the text's order."""
    searched = mask(normalise(text), TITLE)
    for match in _NUMBER.finditer(searched):
        number = _number(match["n"])
        after = searched[match.end() : match.end() + 1]
        if number is None or (
            not match["n"][0].isdigit() and "\u4e00" <= after <= "\u9fff" and after not in _GOES_ON
        ):
            continue  # a Chinese numeral inside a name: 一件事一次办
        start = match.start()
        clause_start, clause_end = span(searched, start, match.end(), _CLAUSE_BREAKS)
        sentence_start, sentence_end = span(searched, start, match.end(), _SENTENCE_BREAKS)
        clause = searched[clause_start:start]
        sentence = searched[sentence_start:start]
        topic = _topic(clause, sentence)
        if topic is None:
            continue
        whole = searched[sentence_start:sentence_end]
        after = searched[match.end() : sentence_end]
        if _passed_over(topic, match["u"], clause, sentence, year, whole):
            continue
        lead = searched[max(0, clause_start - 4) : clause_start]
        if _is_part(topic, clause, lead, after) or _in_part_list(topic, sentence):
            continue
        yield Claim(
            topic,
            number,
            match["u"],
            (clause_start, clause_end),
            sentence,
            qualified=bool(_QUALIFIED.match(after)),
        )


def _in_part_list(topic: str, sentence: str) -> bool:
    """Inside brackets opened by 含 / 包括 / 其中 ("规章13件（含新制定5件，修改4件，废止4件）"):
    every item of the list is a part, not only the first."""
    opened = max(sentence.rfind("("), sentence.rfind("（"))
    closed = max(sentence.rfind(")"), sentence.rfind("）"))
    return (
        topic not in _WHOLE_ROWS
        and opened > closed
        and _PART_OPENS.match(sentence, opened + 1) is not None
    )


def _is_part(topic: str, clause: str, lead: str, after: str) -> bool:
    """A part of a count, not the count: introduced by 其中 / 含 / 包括 (unless the part is a
    whole row of the tables), or followed by the state of those it counts (尚未审结)."""
    if topic not in _WHOLE_ROWS and (_PART.search(clause) or _PART_LEAD.search(lead)):
        return True
    if topic in _COUNTING_VERBS and _CATEGORY.search(clause):
        return True  # "属于已主动公开答复数1条": the replies of one kind
    if _STATE_AFTER.match(after):
        return True
    if topic in ("review", "litigation"):
        return bool(_OUTCOME.search(_AFTER_CLAUSE.split(after, maxsplit=1)[0]))
    return False
