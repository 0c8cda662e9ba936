"""A failure in the middle of a write leaves the old file and no temp file."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.atomic import TEMP_PREFIX, atomic_path, atomic_write_text


def test_write_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "result.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_failure_mid_write_keeps_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.docx"
    target.write_text("published")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "published"
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())


def test_outputs_get_the_mode_of_any_new_file_not_mkstemps_private_one(tmp_path: Path) -> None:
    import os

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    target = atomic_write_text(tmp_path / "r.json", "{}")
    assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert os.name != "posix" or target.stat().st_mode & 0o044
