"""Warning: the report is signed by another body than the one it is the report of (a renamed
body that kept its old name in the signature, a report copied from another body's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_helpers import cell, fixed_seed, make_submission
from tests.conftest import MakeWorkbook
from workflow.checks import CheckContext, check_signature, context_from_config, run_checks
from workflow.checks.signature import same_body, signature_of
from workflow.config import load_config, parse_config
from workflow.core.form import PROSE_PARTS
from workflow.flow.pipeline import check_file
from workflow.workbook import reader

TOWN = "后河镇人民政府"
CORPUS = Path(__file__).parent / "corpus" / "published"
CLOSING = "本年度未收取信息处理费。"


def signed(text: str, agency: str = TOWN) -> list[tuple[str, tuple[str, ...], str | None]]:
    sub = make_submission(
        {"text_other": text}, base=fixed_seed(), agency_name=agency, issued_agency=agency
    )
    return [(f.rule, f.fields, f.actual) for f in check_signature(sub, CheckContext())]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (f"{CLOSING}\n平潭综合实验区国有资产管理局\n2025年1月26日", "平潭综合实验区国有资产管理局"),
        (f"{CLOSING} 平潭综合实验区社会事业局 2024年1月26日", "平潭综合实验区社会事业局"),
        (f"{CLOSING}平潭综合实验区社会事业局 2024年1月26日", "平潭综合实验区社会事业局"),
        (f"{CLOSING} 平潭综合实验区自然资源局2024年1月5日", "平潭综合实验区自然资源局"),
        (f"{CLOSING}\n卫辉市公安局\n２０２５年１月２６日", "卫辉市公安局"),
        (f"{CLOSING}\n后河镇人民政府\n2022年1月10日\n（此件主动公开）", "后河镇人民政府"),
        (f"{CLOSING}\n中共后河镇委员会 后河镇人民政府\n2022年1月10日", "后河镇人民政府"),
    ],
)
def test_the_signature_is_the_name_before_the_closing_date(text: str, name: str) -> None:
    assert signature_of(text) == name


@pytest.mark.parametrize(
    "text",
    [
        CLOSING,  # no date: no signature
        f"{CLOSING}\n2022年1月10日",  # a date alone
        f"{CLOSING}\n后河镇人民政府\n2022年1月10日\n联系电话：0373-1234567",  # words after it
        "2022年1月10日前完成整改任务。",  # a date in a sentence
        f"{CLOSING}\n后河镇人民政府\n2022年1月",  # no day: not a signing date
        "经研究，城关镇人民政府2022年1月10日",  # a name inside a sentence, not standing alone
    ],
)
def test_no_signature_is_read_where_there_is_none(text: str) -> None:
    assert signature_of(text) is None


@pytest.mark.parametrize(
    ("signed_as", "agency"),
    [
        ("平潭综合实验区投资促进局", "平潭综合实验区投资促进局"),  # the same
        ("区投资促进局", "平潭综合实验区投资促进局"),  # short of the region
        ("平潭综合实验区国资局", "平潭综合实验区国有资产管理局"),  # a short form
        ("卫辉市卫健委", "卫辉市卫生健康委员会"),
        ("后河镇", "后河镇人民政府"),  # nothing past the common words
        ("平潭综合实验区管委会", "平潭综合实验区"),  # the region's own report
        ("平潭综合实验区党工委管委会办公室", "平潭综合实验区管委会办公室"),  # holds the name
    ],
)
def test_a_signature_that_can_name_the_agency_is_its_own(signed_as: str, agency: str) -> None:
    assert same_body(signed_as, agency)


@pytest.mark.parametrize(
    ("signed_as", "agency"),
    [
        ("平潭综合实验区国有资产管理局", "平潭综合实验区投资促进局"),  # the name before a renaming
        ("城关镇人民政府", "后河镇人民政府"),  # copied from another town
        ("卫辉市公安局", "卫辉市司法局"),
        ("国有资产管理局", "平潭综合实验区投资促进局"),
    ],
)
def test_a_signature_naming_another_body_is_not(signed_as: str, agency: str) -> None:
    assert not same_body(signed_as, agency)


def test_a_report_signed_by_another_body_is_warned_in_plain_chinese() -> None:
    sub = make_submission(
        {"text_other": f"{CLOSING}\n城关镇人民政府\n2022年1月10日"}, base=fixed_seed()
    )
    [warning] = check_signature(sub, CheckContext())
    assert (warning.rule, warning.fields, warning.cells) == (
        "text.signature_agency",
        ("text_other",),
        (cell("text_other"),),
    )
    assert warning.severity == "warning"
    assert warning.message == (
        "“六、其他需要报告的事项”末尾的落款为“城关镇人民政府”，与本报告的单位“后河镇人民政府”"
        "不一致。请确认落款是否沿用了其他单位或更名前的单位名称。"
    )


def test_its_own_signature_and_none_at_all_are_quiet() -> None:
    assert signed(f"{CLOSING}\n后河镇人民政府\n2022年1月10日") == []
    assert signed(f"{CLOSING}\n后河镇\n2022年1月10日") == []
    assert signed(CLOSING) == []


def test_only_the_end_of_the_report_is_its_signature() -> None:
    """A name and date closing 五 while 六 follows is not the report's signature."""
    sub = make_submission(
        {
            "text_problems": "整改由城关镇人民政府2022年1月10日",
            "text_other": CLOSING,
        },
        base=fixed_seed(),
    )
    assert list(check_signature(sub, CheckContext())) == []


def test_without_an_agency_name_or_any_prose_nothing_is_compared() -> None:
    assert signed(f"{CLOSING}\n城关镇人民政府\n2022年1月10日", agency="") == []
    no_prose = make_submission({part.key: None for part in PROSE_PARTS}, base=fixed_seed())
    assert list(check_signature(no_prose, CheckContext())) == []


def test_a_workbook_signed_by_another_town(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        "signed.xlsx", base=fixed_seed(), text_other=f"{CLOSING}\n城关镇人民政府\n2022年1月10日"
    )
    sub = reader.read_workbook(path)
    config = parse_config({"agencies": [{"name": TOWN, "kind": "镇"}]}, Path("."))
    findings = run_checks(sub, context_from_config(config, sub.agency))
    assert [(f.rule, f.actual) for f in findings] == [("text.signature_agency", "城关镇人民政府")]


def test_the_real_renamed_bodys_report_is_warned_and_next_years_is_not(tmp_path: Path) -> None:
    """平潭综合实验区投资促进局's published 2024 page (the site's own markup) is signed with the
    name the body had before; its 2025 page, signed rightly, is not warned."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\nstate = "{(tmp_path / "state").as_posix()}"\n', "utf-8")
    config = load_config(config_file)
    rules = {
        name: [
            f.actual
            for f in check_file(CORPUS / name, config).findings
            if f.rule == "text.signature_agency"
        ]
        for name in ("pt-tcj-2024.html", "pt-tcj-2025.html")
    }
    assert rules == {"pt-tcj-2024.html": ["平潭综合实验区国有资产管理局"], "pt-tcj-2025.html": []}
