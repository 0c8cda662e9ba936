"""Helpers of the prose checks: which parts to read, and text prepared for matching.

Agencies type full-width and half-width punctuation and digits interchangeably ("（九）" and
"(九)", "２０２０年" and "2020年", "，" and ","). `normalise` folds them one character for one
character, so a match found in the folded text has the same span in what was typed and the
message can quote the agency's own characters. `mask` blanks spans (document titles in 《》,
document numbers) the same way, keeping every other position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workflow.checks._common import prose_label, where
from workflow.core.form import PROSE_PARTS, SECTION_TITLES, TABLE_SECTIONS, ProsePart
from workflow.core.submission import Submission

__all__ = [
    "CLAUSE",
    "FILLER",
    "TITLE",
    "Passage",
    "chinese_number",
    "clause_span",
    "dated_elsewhere",
    "find_all",
    "mask",
    "normalise",
    "passages",
    "prose_parts",
    "quote",
    "sentence_span",
    "span",
]

FILLER = "\u25a1"
"""What a masked character becomes: matches no pattern of the checks, breaks no clause."""

CLAUSE = r"[^,;。!?\n:]"
"""One character inside a clause of the normalised text (commas etc. are half-width there)."""
_CLAUSE_BREAKS = ",;。!?\n:"
_SENTENCE_BREAKS = ";。!?\n"

TITLE = re.compile(r"《[^《》\n]{0,200}》|〈[^〈〉\n]{0,200}〉")
"""A cited document title: its words are another body's, not the agency's."""

_OTHER_TIME = re.compile("上年|去年|上一年|前年|往年|上半年|下半年|同期")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def normalise(text: str) -> str:
    """Full-width ASCII forms and the ideographic space as half-width, length unchanged."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch in "\u3000\u00a0":
            out.append(" ")
        elif ch == "\r":
            out.append("\n")
        else:
            out.append(ch)
    return "".join(out)


def mask(text: str, *patterns: re.Pattern[str]) -> str:
    """`text` with every match of `patterns` replaced by FILLER, length unchanged."""
    for pattern in patterns:
        text = pattern.sub(lambda m: FILLER * len(m.group()), text)
    return text


def span(text: str, start: int, end: int, breaks: str) -> tuple[int, int]:
    """(left, right) of the stretch around text[start:end] between any two of `breaks`: just
    after the last break before `start`, at the first break from `end` on (or the text's ends)."""
    left = max((text.rfind(ch, 0, start) for ch in breaks), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in breaks) if i >= 0]
    return left, min(rights, default=len(text))


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between commas, semicolons, full stops …) around text[start:end]."""
    return span(text, start, end, _CLAUSE_BREAKS)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (between full stops, semicolons, line breaks) around text[start:end]."""
    return span(text, start, end, _SENTENCE_BREAKS)


def quote(original: str, start: int, end: int, limit: int = 60) -> str:
    """What the agency typed at [start:end], trimmed, shortened with … when too long."""
    text = " ".join(original[start:end].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chinese_number(text: str) -> int | None:
    """'5' -> 5, '十二' -> 12, '二十' -> 20, '一百零五' -> 105; None if it is not a number."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def prose_parts(sub: Submission) -> Iterator[tuple[ProsePart, str]]:
    """(part, text) for every prose part that holds text, in the form's order."""
    for part in PROSE_PARTS:
        text = sub.text(part.key)
        if text.strip():
            yield part, text


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of prose the checks read for figures and years: a prose part of the form, or the
    words a published report prints around the table of 二、三 or 四 (no field of its own)."""

    key: str
    """The prose part's key; '' for the words around a table."""
    label: str
    """How a message names it: '一、总体情况 / （二）依申请公开情况', or the section's title
    '三、收到和处理政府信息公开申请情况' for the words around a table."""
    text: str
    section: str = ""
    """'proactive' / 'applications' / 'litigation' for the words around a table."""

    def where(self, sub: Submission, keys: tuple[str, ...] = ()) -> dict[str, Any]:
        """`fields` and `cells` for a finding about this passage and the table `keys`, the
        passage's key first; the words around a table have no field, and the finding's label
        names their section."""
        return where(sub, (self.key, *keys) if self.key else keys)


def passages(sub: Submission) -> Iterator[Passage]:
    """Every passage that holds text in the report's order: 一's parts, the words around the
    tables of 二–四 (published reports only), 五 and 六."""
    around = [
        Passage("", SECTION_TITLES[s], sub.section_text[s], s)
        for s in TABLE_SECTIONS
        if sub.section_text.get(s, "").strip()
    ]
    for part, text in prose_parts(sub):
        if part.section == SECTION_TITLES["problems"]:
            yield from around
            around = []
        yield Passage(part.key, prose_label(part.key), text)
    yield from around


def find_all(text: str, patterns: tuple[re.Pattern[str], ...]) -> Iterator[re.Match[str]]:
    """Every match of each pattern in turn."""
    for pattern in patterns:
        yield from pattern.finditer(text)


def dated_elsewhere(text: str, start: int, report_year: int | None) -> bool:
    """True when what is said at `start` is about another time than the report year.

    That is: its clause names last year (上年, 去年, 同期 …) before `start`, or the last year
    written earlier in its sentence is not the report year ("2020年，我局收到申请3件").
    """
    s, _ = sentence_span(text, start, start)
    c, _ = clause_span(text, start, start)
    if _OTHER_TIME.search(text, c, start):
        return True
    years = [int(m.group(1)) for m in _YEAR.finditer(text, s, start)]
    return bool(years) and report_year is not None and years[-1] != report_year
