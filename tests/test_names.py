"""`safe_name`: agency names become file and folder names that work on every system we touch."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.core.names import EMPTY_NAME, MAX_BYTES, safe_name

NASTY = [
    "../../etc/passwd",
    "..",
    ".hidden",
    'a/b\\c:d*e?f"g<h>i|j',
    "后河镇\n人民政府\t",
    "nul\x00byte",
    "evil\u202etxt.exe",
    "zero\u200bwidth",
    "CON",
    "con.txt",
    "Com1",
    "LPT9.report",
    "aux ",
    "   ",
    "",
    "trailing dots...",
    "某" * 300,
    "x" * 300,
    "/" * 50,
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("后河镇人民政府", "后河镇人民政府"),
        ("卫辉市人民政府（办公室）", "卫辉市人民政府（办公室）"),
        ("../evil", "_evil"),
        ("党政办/综治办", "党政办_综治办"),
        ("a\\b", "a_b"),
        ("时间:12:00", "时间_12_00"),
        ('a*b?c"d<e>f|g', "a_b_c_d_e_f_g"),
        ("后河镇\r\n人民政府", "后河镇 人民政府"),
        ("  后河镇   人民政府  ", "后河镇 人民政府"),
        ("a\x00b\x1fc", "a b c"),
        ("evil\u202eslx.exe", "evilslx.exe"),
        ("...后河镇", "后河镇"),
        ("后河镇. .", "后河镇"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("NUL", "NUL_"),
        ("COM1", "COM1_"),
        ("lpt9.doc", "lpt9_.doc"),
        ("CONSOLE", "CONSOLE"),
        ("后河镇CON", "后河镇CON"),
        ("", EMPTY_NAME),
        ("...", EMPTY_NAME),
        ("\u200b", EMPTY_NAME),
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    assert safe_name(text) == expected


def test_long_names_are_cut_to_the_limit_and_the_byte_budget() -> None:
    assert safe_name("x" * 300) == "x" * 100
    assert safe_name("x" * 300, 60) == "x" * 60
    chinese = safe_name("某" * 300)
    assert len(chinese.encode("utf-8")) <= MAX_BYTES
    assert chinese == "某" * (MAX_BYTES // 3)


def test_cutting_never_leaves_a_trailing_dot_or_a_device_name() -> None:
    assert safe_name("abc.def", 4) == "abc"
    assert safe_name("CON", 3) == "CO_"
    assert safe_name("CON.txt", 4) == "CON_"


def test_limit_must_leave_room_for_a_name() -> None:
    with pytest.raises(ValueError, match="limit"):
        safe_name("x", 1)


@pytest.mark.parametrize("text", NASTY)
def test_every_result_is_a_creatable_file_in_its_folder(text: str, tmp_path: Path) -> None:
    name = safe_name(text)
    assert name
    assert name == safe_name(name), "sanitising twice changes nothing"
    assert not set(name) & set('/\\:*?"<>|')
    assert not name.startswith(".")
    assert name == name.strip(" ")
    assert not name.endswith(".")
    assert len(name) <= 100
    assert len(name.encode("utf-8")) <= MAX_BYTES
    path = tmp_path / name
    path.write_text("x", encoding="utf-8")
    assert path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [name]
