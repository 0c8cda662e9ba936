"""A failure in the middle of a write leaves the old file and no temp file."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.core.atomic import TEMP_PREFIX, atomic_path, atomic_write_text


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


def test_a_reader_holding_the_old_file_never_sees_the_new_bytes_arrive(tmp_path: Path) -> None:
    """The new file replaces the old by a rename, not by writing into it: a clerk's viewer (or
    the daemon's mail sender) that has the old report open keeps reading the whole old one."""
    target = tmp_path / "report.docx"
    atomic_write_text(target, "old " * 1000)
    with open(target, encoding="utf-8") as reader:
        atomic_write_text(target, "new")
        assert reader.read() == "old " * 1000
    assert target.read_text() == "new"


def test_the_bytes_are_synced_before_the_name_points_at_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power cut right after the rename must not leave an empty report under its real name:
    the temp file is fsynced before `os.replace`, and the folder after it."""
    import os

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name an fd")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write_text(tmp_path / "result.json", "{}")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "replace", "fsync"]
    assert events[0][1] == events[1][1]  # the temp file itself was synced
    assert events[2][1] == str(tmp_path)  # then the folder that now names it
