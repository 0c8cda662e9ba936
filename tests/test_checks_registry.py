"""Warning: an agency name that is not in the office's registry."""

from __future__ import annotations

from tests.checks_helpers import cell, make_submission
from workflow.checks import CheckContext, check_registry

REGISTRY = ("后河镇人民政府", "前河镇人民政府", "卫辉市公安局")


def registry(name: object, names: tuple[str, ...] = REGISTRY) -> list:
    return list(check_registry(make_submission(agency_name=name), CheckContext(registry=names)))


def test_registered_name_passes() -> None:
    assert registry("后河镇人民政府") == []
    assert registry(" 后河镇人民政府 ") == []


def test_no_registry_no_check() -> None:
    assert registry("谁也不是", names=()) == []


def test_blank_name_is_left_to_the_identity_check() -> None:
    assert registry("") == []


def test_unknown_name_names_the_closest() -> None:
    (f,) = registry("后河镇政府")
    assert (f.rule, f.fields, f.cells, f.is_error) == (
        "registry.unknown_agency",
        ("agency_name",),
        (cell("agency_name"),),
        False,
    )
    assert (f.actual, f.expected) == ("后河镇政府", "后河镇人民政府")
    assert "，相近的有：后河镇人民政府" in f.message


def test_unknown_name_with_nothing_close() -> None:
    (f,) = registry("省农业科学院")
    assert f.expected is None
    assert f.message == "单位“省农业科学院”不在公开办的单位名录中。请确认单位名称是否填写正确。"
