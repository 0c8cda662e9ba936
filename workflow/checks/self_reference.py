"""Warning: the prose calls the agency by another kind of body's self-reference.

Reports are copied from other agencies' reports and from last year's, and the copy shows in the
self-reference: a town that says "我局" (the published 后河镇 report), a department that says
"我镇". Only the self-reference forms 我X / 本X count — "县公安局" names another body — and a
form inside a cited title 《…》 is that document's words, not the agency's. Each form has its
own guard against ordinary words that contain it: 本局部 (局部), 我委托 (委托), 本乡村 (乡村),
基本镇 (基本). "本机关", "本单位", "我单位" fit every kind and are never flagged.

A department whose own name contains a township (a 镇卫生院, a 乡财政所) may well write "我镇"
about the township it serves, so for a department the township forms its name contains are
left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import prose_label, where
from workflow.checks._text import TITLE, mask, normalise, prose_parts
from workflow.checks.context import CheckContext, infer_agency_kind, normalise_kind
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["SELF_FORMS", "check_self_reference", "proper_self_reference"]

# Words that end in 本 and are no self-reference: 基本, 根本, 成本, 文本, 资本 …
_NOT_BEN = "基根成文资样版课剧范副原账日读脚标蓝书"


def _form(stem: str, not_followed_by: str = "") -> str:
    """我stem / 本stem, unless 本 ends another word or the next character makes another word."""
    guard = f"(?![{not_followed_by}])" if not_followed_by else ""
    return f"(?:我|(?<![{_NOT_BEN}])本){stem}{guard}"


SELF_FORMS: dict[str, re.Pattern[str]] = {
    # the self-references of a department: 我局 / 本局, 我委 / 本委员会, 我厅
    "部门": re.compile(
        "|".join(
            (
                _form("委员会"),
                _form("局", "部面势限促域"),
                _form("委", "托屈婉派任曲身靡员"),
                _form("厅", "堂"),
            )
        )
    ),
    "镇": re.compile(_form("镇", "街静定压守")),
    "乡": re.compile(_form("乡", "镇村土亲里间下音本")),
    "街道": re.compile(_form("街道") + "|我街(?![区头巷坊市景道])"),
}
"""Self-reference forms by the kind of body that uses them."""

_WRONG_FAMILIES: dict[str, tuple[str, ...]] = {
    "镇": ("部门", "乡", "街道"),
    "乡": ("部门", "镇", "街道"),
    "街道": ("部门", "镇", "乡"),
    "部门": ("镇", "乡", "街道"),
    "政府": ("部门", "镇", "乡", "街道"),
}

_KIND_TEXT = {
    "镇": "镇级单位",
    "乡": "乡级单位",
    "街道": "街道",
    "部门": "部门",
    "政府": "人民政府",
}

_DEPARTMENT_SELF = (
    ("委员会", "委"),
    ("局", "局"),
    ("委", "委"),
    ("厅", "厅"),
    ("办公室", "办"),
    ("办", "办"),
    ("中心", "中心"),
    ("院", "院"),
    ("所", "所"),
    ("站", "站"),
)
_GOVERNMENT_SELF = (("县", "县"), ("区", "区"), ("市", "市"), ("旗", "旗"), ("州", "州"))


def proper_self_reference(kind: str, agency: str) -> tuple[str, ...]:
    """How an agency of `kind` named `agency` calls itself, best first."""
    if kind in ("镇", "乡", "街道"):
        return (f"我{kind}", f"本{kind}")
    name = re.sub(r"[(（][^()（）]*[)）]$", "", agency.strip())
    if kind == "部门":
        for suffix, stem in _DEPARTMENT_SELF:
            if name.endswith(suffix):
                return (f"我{stem}", f"本{stem}")
        return ("本单位", "本机关")
    if kind == "政府":
        for suffix, stem in _GOVERNMENT_SELF:
            if name.removesuffix("人民政府").removesuffix("政府").endswith(suffix):
                return (f"我{stem}", f"本{stem}")
        return ("本机关",)
    return ()


def _advice(names: tuple[str, ...]) -> str:
    quoted = "或".join(f"“{n}”" for n in names)
    extra = [n for n in ("本机关", "本单位") if n not in names]
    return quoted + ("（也可用" + "".join(f"“{n}”" for n in extra) + "）" if extra else "")


def _families(kind: str, agency: str) -> tuple[str, ...]:
    families = _WRONG_FAMILIES.get(kind, ())
    if kind == "部门":
        families = tuple(f for f in families if not _names_place(f, agency))
    return families


def _names_place(family: str, agency: str) -> bool:
    """True when a department's own name contains the township word of `family`."""
    if family == "乡":
        return re.search("乡(?!村)", agency) is not None
    return family in agency


def check_self_reference(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Each wrong self-reference form once per prose part, quoting it as typed."""
    agency = sub.agency
    kind = normalise_kind(ctx.agency_kind) or infer_agency_kind(agency)
    families = _families(kind, agency)
    if not families:
        return
    pattern = re.compile("|".join(f"(?:{SELF_FORMS[f].pattern})" for f in families))
    names = proper_self_reference(kind, agency)
    for part, text in prose_parts(sub):
        searched = mask(normalise(text), TITLE)
        seen: set[str] = set()
        for match in pattern.finditer(searched):
            phrase = text[match.start() : match.end()]
            if phrase in seen:
                continue
            seen.add(phrase)
            yield finding(
                "text.self_reference",
                **where(sub, (part.key,)),
                row_label=prose_label(part.key),
                expected=names[0],
                actual=phrase,
                label=prose_label(part.key),
                agency=agency or "本单位",
                kind=_KIND_TEXT[kind],
                advice=_advice(names),
            )
