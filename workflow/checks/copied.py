"""Warnings for a report made by editing last year's without updating it.

Drafts reach the office with last year's figures copied forward. Two signs, against the same
agency's accepted report of the year before (as for `history`):

* every figure equals last year's, and not all of them are zero (a small town with nothing to
  report legitimately has the same zeros every year);
* a prose part is word for word last year's (compared without white space), when it is long
  enough not to be a stock sentence such as "本年度未收取信息处理费。" (counted without the
  titles and document numbers it cites; 六, which holds stock statements, needs more).

A figure that cannot be read on either side makes the figures incomparable: nothing is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from workflow.checks._common import field_label, where
from workflow.checks._text import FILLER, TITLE, mask, normalise
from workflow.checks.context import CheckContext, PreviousReport
from workflow.core.findings import Finding, finding
from workflow.core.form import PROSE_PARTS, numeric_keys
from workflow.core.submission import Submission

__all__ = ["MIN_COPIED_OTHER", "MIN_COPIED_TEXT", "check_copied"]

MIN_COPIED_TEXT = 40
"""Characters (white space aside) from which an unchanged prose part is worth a warning."""
MIN_COPIED_OTHER = 80
"""The same for 六、其他需要报告的事项, which most bodies fill with stock statements every year
(信息处理费 not charged under the 办法, 无其他需要报告的事项)."""
_DOC_NUMBER = re.compile(r"[(（][^()（）\n]{0,20}[〔\[][0-9]{4}[〕\]][^()（）\n]{0,10}[)）]")


def _squeezed(text: object) -> str:
    return "".join(str(text or "").split())


def _figures(sub: Submission, previous: PreviousReport) -> Iterator[Finding]:
    keys = numeric_keys()
    now = {k: sub.number(k) for k in keys}
    before = {k: previous.number(k) for k in keys}
    if None in now.values() or None in before.values() or now != before:
        return
    reported = tuple(k for k in keys if now[k])
    if reported:
        yield finding("copy.figures_unchanged", **where(sub, reported), source=previous.cited)


def _own_words(text: str) -> int:
    """How many characters of `text` are the agency's own: cited titles 《…》 and document
    numbers （国办函〔2020〕109号） are another body's words, however long."""
    return len(_squeezed(mask(normalise(text), TITLE, _DOC_NUMBER)).replace(FILLER, ""))


def _prose(sub: Submission, previous: PreviousReport) -> Iterator[Finding]:
    for part in PROSE_PARTS:
        text = _squeezed(sub.text(part.key))
        least = MIN_COPIED_OTHER if part.key == "text_other" else MIN_COPIED_TEXT
        if _own_words(sub.text(part.key)) >= least and text == _squeezed(
            previous.values.get(part.key)
        ):
            yield finding(
                "copy.text_unchanged",
                **where(sub, (part.key,)),
                label=field_label(part.key),
                source=previous.cited,
            )


def check_copied(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Nothing without last year's report, or when it is not of the year before."""
    previous = ctx.previous_for(sub.issued_year or sub.year)
    if previous is None:
        return
    yield from _figures(sub, previous)
    yield from _prose(sub, previous)
