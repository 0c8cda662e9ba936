"""The prose helpers: folding that keeps every position, masks, clauses, Chinese numbers."""

from __future__ import annotations

import pytest

from workflow.checks._text import (
    FILLER,
    TITLE,
    chinese_number,
    clause_span,
    dated_elsewhere,
    mask,
    normalise,
    quote,
)


def test_normalise_folds_full_width_and_keeps_length() -> None:
    typed = "２０２０年（九），收到３件；\u3000ok\r"
    folded = normalise(typed)
    assert folded == "2020年(九),收到3件; ok\n"
    assert len(folded) == len(typed)


def test_mask_blanks_titles_only() -> None:
    text = "根据《2019年要点》和〈我局通知〉，我局"
    masked = mask(text, TITLE)
    assert masked == "根据" + FILLER * 9 + "和" + FILLER * 6 + "，我局"
    assert len(masked) == len(text)


def test_clause_and_quote() -> None:
    text = normalise("2021年，我局共收到申请5件，均已答复。")
    start = text.index("我局")
    c, e = clause_span(text, start, start + 2)
    assert text[c:e] == "我局共收到申请5件"
    assert quote("甲" * 100, 0, 100) == "甲" * 59 + "…"
    assert quote(" a \n b ", 0, 7) == "a b"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("5", 5),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("两", 2),
        ("一百零五", 105),
        ("零", 0),
        ("三件", None),
    ],
)
def test_chinese_number(text: str, number: int | None) -> None:
    assert chinese_number(text) == number


@pytest.mark.parametrize(
    ("text", "elsewhere"),
    [
        ("2021年，我局收到申请3件", False),
        ("2020年，我局收到申请3件", True),
        ("上年收到申请3件", True),
        ("收到申请3件", False),
        ("2021年收到申请3件，较2020年增加1件", False),
    ],
)
def test_dated_elsewhere(text: str, elsewhere: bool) -> None:
    text = normalise(text)
    assert dated_elsewhere(text, text.index("收到"), 2021) is elsewhere
