"""Warning: a year in the prose that is neither the report year nor the year after it."""

from __future__ import annotations

import pytest

from tests.checks_helpers import cell, fixed_seed, make_submission
from workflow.checks import CheckContext, check_years

CTX = CheckContext()


def years(text: str, key: str = "text_proactive", **kwargs: object) -> list[str | None]:
    sub = make_submission({key: text}, base=fixed_seed(), **kwargs)  # type: ignore[arg-type]
    return [f.actual for f in check_years(sub, CTX)]


def test_seed_mentions_only_its_own_year() -> None:
    assert list(check_years(make_submission(), CTX)) == []


def test_last_years_text_is_flagged_once_per_part_and_year() -> None:
    sub = make_submission(
        base=fixed_seed(),
        text_proactive="2020年，我镇主动公开信息200条。2020年度共发布文件5件，2019年……",
        text_other="2020年未收取信息处理费。",
    )
    findings = list(check_years(sub, CTX))
    assert [(f.rule, f.fields, f.cells, f.actual) for f in findings] == [
        ("text.year_out_of_range", ("text_proactive",), (cell("text_proactive"),), "2020年"),
        ("text.year_out_of_range", ("text_proactive",), (cell("text_proactive"),), "2019年"),
        ("text.year_out_of_range", ("text_other",), (cell("text_other"),), "2020年"),
    ]
    assert findings[0].expected == "2021" and not findings[0].is_error
    assert "“2020年”" in findings[0].message and "2021年度" in findings[0].message


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("2021年，我镇主动公开信息235条。", []),
        ("2022年，我镇将进一步加强公开。", []),
        ("2023年计划完成平台改版。", ["2023年"]),
        ("２０１９年，我镇主动公开信息。", ["２０１９年"]),
        ("2019 年度报告已公开。", ["2019 年度"]),
        ("根据《2019年政务公开工作要点》开展工作。", []),
        ("依据国办公开办函〔2019〕60号、豫政办[2019]12号、（2019）3号文件。", []),
        ("“十三五”期间（2016-2020年）与2021至2025年规划。", []),
        ("较2020年增长15%，与2019年相比翻番，比2018年多3件。", []),
        ("自2008年《条例》施行以来，2019年以来持续推进。", []),
        ("贯彻《条例》（2019年修订），该条例于2019年5月15日起施行。", []),
        ("2020年实施政务公开标准化，2020年印发制度。", ["2020年"]),
        ("到2025年基本建成，2035年远景目标。", []),
        ("截至2021年12月31日，编号12020年。", []),
    ],
)
def test_which_years_are_flagged(text: str, flagged: list[str]) -> None:
    assert years(text) == flagged


def test_last_year_in_problems_when_fixing_last_years_problems() -> None:
    text = "针对2020年度报告中指出的问题，我镇已全部整改。"
    assert years(text, key="text_problems") == []
    assert years(text, key="text_proactive") == ["2020年度"]
    assert years("2020年，我镇政务公开工作存在不足。", key="text_problems") == ["2020年"]


def test_year_compared_is_the_issued_year() -> None:
    # A wrong 报告年度 is an error of its own; the prose is judged against the issued year.
    assert years("2021年，我镇主动公开信息。", report_year=2020) == []
    assert years("2020年，我镇主动公开信息。", issued_year=None, report_year=2020) == []


def test_no_year_known_no_check() -> None:
    assert years("1999年", issued_year=None, report_year=None) == []
