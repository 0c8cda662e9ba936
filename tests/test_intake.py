"""The inbox filter, readiness, claim, archive names and moves: fast, with a fake clock."""

from __future__ import annotations

import errno
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from workflow.core.atomic import TEMP_PREFIX
from workflow.intake.folder import moves as intake
from workflow.intake.folder.inbox import (
    Readiness,
    archive_target,
    claim,
    is_complete_zip,
    is_ignored,
    move_no_clobber,
    parse_work_name,
    remove_temp_files,
    scan_inbox,
    unique_path,
    work_name,
)

WHEN = datetime(2022, 1, 15, 9, 30, 5, 123456).astimezone()


def a_zip(path: Path, payload: bytes = b"x" * 5000) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", payload)
        zf.writestr("[Content_Types].xml", b"<Types/>")
    return path


@pytest.mark.parametrize(
    "name",
    [
        "~$report.xlsx",
        ".~lock.report.xlsx#",
        ".~report.xlsx",
        "report.tmp",
        "REPORT.TMP",
        "report.xlsx.crdownload",
        "report.xlsx.part",
        ".hidden.xlsx",
        f"{TEMP_PREFIX}abc.xlsx",
    ],
)
def test_lock_and_temp_files_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["report.xlsx", "后河镇 2021.xlsx", "report.xls", "data"])
def test_submissions_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)


def test_scan_lists_top_level_candidate_files_only(tmp_path: Path) -> None:
    for name in ("a.xlsx", "~$a.xlsx", "b.tmp", ".~lock.a.xlsx#"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.xlsx").write_bytes(b"x")
    assert sorted(scan_inbox(tmp_path)) == ["a.xlsx"]
    assert scan_inbox(tmp_path / "missing") == {}


def test_complete_zip_is_recognised_and_partial_ones_are_not(tmp_path: Path) -> None:
    whole = a_zip(tmp_path / "whole.xlsx")
    data = whole.read_bytes()
    (tmp_path / "half.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "no_end.xlsx").write_bytes(data[:-10])
    (tmp_path / "zeros.xlsx").write_bytes(data[:-200] + b"\0" * 200)  # pre-allocated copy
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "text.xlsx").write_text("not a workbook")
    assert is_complete_zip(whole)
    for name in ("half", "no_end", "zeros", "empty", "text", "missing"):
        assert not is_complete_zip(tmp_path / f"{name}.xlsx"), name


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def readiness(inbox: Path, clock: Clock) -> Readiness:
    return Readiness(inbox, settle_seconds=0.5, give_up_seconds=5.0, clock=clock)


def ready_names(r: Readiness, inbox: Path) -> list[tuple[str, str]]:
    return [(x.name, x.reason) for x in r.update(scan_inbox(inbox))]


def test_a_whole_zip_is_ready_once_stable_for_the_settle_time(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    a_zip(tmp_path / "a.xlsx")
    assert ready_names(r, tmp_path) == []
    assert r.delay() == pytest.approx(0.5)
    clock.now += 0.3
    assert ready_names(r, tmp_path) == []
    clock.now += 0.3
    assert ready_names(r, tmp_path) == [("a.xlsx", "settled")]


def test_a_change_restarts_the_settle_time(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    path = a_zip(tmp_path / "a.xlsx")
    r.update(scan_inbox(tmp_path))
    clock.now += 0.4
    a_zip(path, b"y" * 9000)
    os.utime(path, ns=(1, 1))
    assert ready_names(r, tmp_path) == []
    clock.now += 0.4
    assert ready_names(r, tmp_path) == []
    clock.now += 0.2
    assert ready_names(r, tmp_path) == [("a.xlsx", "settled")]


def test_a_stable_but_unfinished_zip_waits_then_is_given_up(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    data = a_zip(tmp_path / "whole").read_bytes()
    (tmp_path / "slow.xlsx").write_bytes(data[:100])
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert ready_names(r, tmp_path) == []
    for _ in range(9):
        clock.now += 0.5
        assert ready_names(r, tmp_path) == []
    clock.now += 0.6
    ready = ready_names(r, tmp_path)
    assert ("slow.xlsx", "gave_up") in ready and ("empty.xlsx", "gave_up") in ready


def test_a_copy_that_completes_is_taken_as_settled(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    data = a_zip(tmp_path / "whole").read_bytes()
    (tmp_path / "whole").unlink()
    path = tmp_path / "slow.xlsx"
    path.write_bytes(data[:100])
    clock.now += 1
    assert ready_names(r, tmp_path) == []
    path.write_bytes(data)
    clock.now += 1
    assert ready_names(r, tmp_path) == []  # changed: settle again
    clock.now += 0.6
    assert ready_names(r, tmp_path) == [("slow.xlsx", "settled")]


def test_rewritten_under_an_unchanged_stat_is_noticed(tmp_path: Path) -> None:
    """SMB may report the same size and mtime while a pre-allocated copy is being filled."""
    clock = Clock()
    r = readiness(tmp_path, clock)
    path = tmp_path / "smb.xlsx"
    path.write_bytes(b"\0" * 4000)
    os.utime(path, ns=(5, 5))
    clock.now += 0.6
    assert ready_names(r, tmp_path) == []
    path.write_bytes(b"\1" * 4000)
    os.utime(path, ns=(5, 5))
    clock.now += 4.6  # 5.2 s since first seen, but only 4.6 s since the content changed
    assert ready_names(r, tmp_path) == []


def test_arrival_by_rename_is_ready_at_once(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    r.hint_renamed("old.xls")
    assert ready_names(r, tmp_path) == [("old.xls", "renamed")]


def test_a_name_without_extension_waits_the_give_up_time(tmp_path: Path) -> None:
    """Excel saves into a temp file named like '8A3B2C10' and renames it a moment later."""
    clock = Clock()
    r = readiness(tmp_path, clock)
    a_zip(tmp_path / "8A3B2C10")
    assert ready_names(r, tmp_path) == []
    clock.now += 1
    assert ready_names(r, tmp_path) == []
    clock.now += 4
    assert ready_names(r, tmp_path) == [("8A3B2C10", "settled")]


def test_defer_and_forget(tmp_path: Path) -> None:
    clock = Clock()
    r = readiness(tmp_path, clock)
    a_zip(tmp_path / "a.xlsx")
    r.update(scan_inbox(tmp_path))
    clock.now += 1
    r.defer("a.xlsx", 5)
    assert ready_names(r, tmp_path) == []
    assert r.delay() == pytest.approx(5)
    clock.now += 5
    assert ready_names(r, tmp_path) == [("a.xlsx", "settled")]
    r.forget("a.xlsx")
    (tmp_path / "a.xlsx").unlink()
    assert ready_names(r, tmp_path) == [] and r.delay() is None


def test_work_name_keeps_received_time_and_original_name() -> None:
    name = work_name(WHEN, "后河镇 2021年报.xlsx")
    assert name == "20220115-093005-123456-后河镇 2021年报.xlsx"
    assert parse_work_name(name) == (WHEN, "后河镇 2021年报.xlsx")
    assert parse_work_name("notes.txt") is None


def test_a_very_long_name_is_shortened_with_its_extension() -> None:
    name = work_name(WHEN, "长" * 200 + ".xlsx")
    assert len(name.encode()) <= 240 and name.endswith(".xlsx")


def test_unique_path_never_returns_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_text("1")
    (tmp_path / "a-2.xlsx").write_text("2")
    assert unique_path(tmp_path, "a.xlsx") == tmp_path / "a-3.xlsx"
    assert unique_path(tmp_path, "b.xlsx") == tmp_path / "b.xlsx"


def test_archive_layout(tmp_path: Path) -> None:
    accepted = archive_target(tmp_path, "accepted", WHEN, "r.xlsx", "党政办/综治办", 2021)
    # '/' is unsafe in a path: the folder keeps a digest so that 党政办_综治办 is another one
    assert accepted == tmp_path / "2021" / "党政办_综治办-9a611c41" / "20220115-093005-r.xlsx"
    other = archive_target(tmp_path, "accepted", WHEN, "r.xlsx", "党政办_综治办", 2021)
    assert other == tmp_path / "2021" / "党政办_综治办" / "20220115-093005-r.xlsx"
    rejected = archive_target(tmp_path, "rejected", WHEN, "r.xlsx", None, None)
    assert rejected == tmp_path / "rejected" / "20220115-093005-r.xlsx"
    duplicate = archive_target(tmp_path, "duplicates", WHEN, "r.xlsx", "x", 2021)
    assert duplicate == tmp_path / "duplicates" / "20220115-093005-r.xlsx"
    unknown = archive_target(tmp_path, "accepted", WHEN, "r.xlsx", None, None)
    assert unknown.parent == tmp_path / "未知年度" / "未知单位"


def test_claim_moves_into_the_working_folder(tmp_path: Path) -> None:
    src = tmp_path / "inbox" / "r.xlsx"
    src.parent.mkdir()
    src.write_bytes(b"data")
    claimed = claim(src, tmp_path / "work", WHEN)
    assert not src.exists()
    assert claimed == tmp_path / "work" / "20220115-093005-123456-r.xlsx"
    assert claimed.read_bytes() == b"data"


def test_move_never_overwrites(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        move_no_clobber(src, dst)
    assert src.read_bytes() == b"new" and dst.read_bytes() == b"old"
    dst.write_bytes(b"new")  # an interrupted earlier move: same bytes already there
    move_no_clobber(src, dst)
    assert not src.exists() and dst.read_bytes() == b"new"


@pytest.fixture
def cross_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """os.rename between the inbox and the target fails as it does across file systems."""
    real = os.rename

    def rename(a: object, b: object) -> None:
        if not Path(str(a)).name.startswith(TEMP_PREFIX):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(intake.os, "rename", rename)


@pytest.mark.usefixtures("cross_device")
def test_move_across_file_systems_copies_then_removes(tmp_path: Path) -> None:
    src = tmp_path / "share" / "r.xlsx"
    src.parent.mkdir()
    src.write_bytes(b"x" * 100_000)
    dst = tmp_path / "work" / "r.xlsx"
    move_no_clobber(src, dst)
    assert not src.exists() and dst.read_bytes() == b"x" * 100_000
    assert os.listdir(dst.parent) == ["r.xlsx"]


@pytest.mark.usefixtures("cross_device")
def test_failed_copy_keeps_the_original_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "r.xlsx"
    src.write_bytes(b"x" * 1000)
    dst = tmp_path / "work" / "r.xlsx"

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(intake.shutil, "copyfileobj", full)
    with pytest.raises(OSError, match="No space"):
        move_no_clobber(src, dst)
    assert src.read_bytes() == b"x" * 1000
    assert os.listdir(dst.parent) == []


def test_remove_temp_files_removes_only_ours(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    ours = tmp_path / "a" / "b" / f"{TEMP_PREFIX}x.docx"
    ours.write_text("half")
    theirs = tmp_path / "a" / "~$r.xlsx"
    theirs.write_text("lock")
    assert remove_temp_files(tmp_path) == [ours]
    assert theirs.exists() and not ours.exists()


def test_the_unreadable_line_says_who_owns_it_what_is_missing_and_what_to_do(
    tmp_path: Path,
) -> None:
    from workflow.intake.folder.unreadable import unreadable_line

    path = tmp_path / "报告.xlsx"
    path.write_bytes(b"PK")
    path.chmod(0o600)
    me = __import__("pwd").getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
        owner = "nobody"
        fix = f"请把文件的所有者改为 {me}（如 chown {me} 文件名），或给它加上读取权限"
    else:
        owner, fix = me, "请给它加上读取权限（如 chmod u+r 文件名）"
    line = unreadable_line(path)
    assert line == (
        f"收件箱中的 报告.xlsx 无法读取：文件属于用户 {owner}，权限为 -rw-------（0600），"
        f"监视程序的运行用户 {me} 没有读取权限。{fix}"
        + ("（如 chmod a+r 文件名）" if owner != me else "")
        + "，改好后会自动校验。"
    )
