"""Warning: the report is signed by another body than the one it is the report of.

A report copied from another body's, or from last year's after the body was renamed, keeps the
old signature: 平潭综合实验区投资促进局's published 2024 report ends "平潭综合实验区国有资产管理局
2025年1月26日", the name the body had until 2024. The office reads the signature as the body
that stands behind the report, so a wrong one is worth a question.

The signature is the body name that ends the report's last prose part just before the date,
on its own line or run into the last sentence ("…处理费。 平潭综合实验区市场监督管理局
2026年1月23日"); a note in brackets after the date ("（此件主动公开）") may follow. It is the
agency's own when one name is the other in short, its characters standing in the other's in
order (区投资促进局 or 平潭综合实验区国资局 for the full names, 后河镇 for 后河镇人民政府), or holds
it (平潭综合实验区党工委管委会办公室 for 平潭综合实验区管委会办公室, 平潭综合实验区管委会 for the
region 平潭综合实验区); a name that is neither is flagged. No agency name, no prose, or no
signature standing alone after the last sentence, and nothing is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import prose_label, where
from workflow.checks._text import normalise, prose_parts
from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["check_signature", "same_body", "signature_of"]

_BODY_ENDINGS = (
    "局|办公室|委员会|管委会|人民政府|政府|办事处|街道|中心|镇|乡|委|办|厅|院|所|站|队|处|会"
)
_SIGNED = re.compile(
    r"(?:^|[\s。；;！!？?])"
    r"(?P<name>[^\s。；;，,、：:！!？?（）()《》〈〉“”\"'0-9]{2,40}?(?:" + _BODY_ENDINGS + r"))"
    r"\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"(?:\s*[（(][^（）()]{0,60}[）)])*\s*$"
)


def signature_of(text: str) -> str | None:
    """The body name that signs `text` just before its closing date, or None."""
    match = _SIGNED.search(normalise(text).rstrip())
    return match.group("name") if match else None


def _shortens(short: str, long: str) -> bool:
    """True when every character of `short` stands in `long`, in order (国资局, 国有资产管理局)."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def same_body(signed: str, agency: str) -> bool:
    """True when the signature `signed` can name `agency`: one of the two names is the other
    in short, or in full (see the module's docstring)."""
    return _shortens(signed, agency) or _shortens(agency, signed)


def check_signature(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """The signature of the report's last prose part, when it names another body."""
    agency = (sub.agency or "").strip()
    parts = list(prose_parts(sub))
    if not parts:
        return
    part, text = parts[-1]
    signed = signature_of(text)
    if signed is None or same_body(signed, agency):
        return
    yield finding(
        "text.signature_agency",
        **where(sub, (part.key,)),
        row_label=prose_label(part.key),
        expected=agency,
        actual=signed,
        label=prose_label(part.key),
    )
