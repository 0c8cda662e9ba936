"""Files that must not stop or slow the daemon, made for real in a real `workflow watch` on a
temporary folder (issue 18): workbooks far bigger than any report (a huge shared-strings part
that compresses well), a file that runs past `[watch] file_seconds`, and an inbox file the
daemon's user may not read (another owner, mode 0600)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import WATCH, Office, Watch, started
from tests.huge import with_shared_strings
from tests.mail_servers import _temp_folder

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="drives processes and file owners"),
    pytest.mark.slow,
]


def new_office(root: Path, **options: object) -> Office:
    root.mkdir()
    return Office(root, **options)  # type: ignore[arg-type]


def result_of(office: Office, name: str) -> dict | None:
    """The result.json of the file dropped as `name`, once written."""
    for path in office.outbox.rglob("result.json"):
        record = json.loads(path.read_text("utf-8"))
        if record["file"] == name:
            return record
    return None


def huge_pair(make_workbook: MakeWorkbook, folder: Path) -> list[tuple[str, bytes]]:
    """Two valid, filled workbooks, each with over a million extra shared strings (23 MB of
    XML in a 3 MB file); different bytes, so neither is a duplicate of the other."""
    sound = make_workbook("base.xlsx")
    return [
        (f"巨大{n}.xlsx", with_shared_strings(sound, folder / f"h{n}.xlsx", count).read_bytes())
        for n, count in ((1, 1_100_000), (2, 1_100_001))
    ]


def drop_behind_huge(
    office: Office, watch: Watch, make_workbook: MakeWorkbook, tmp_path: Path
) -> tuple[float, float]:
    """Two huge workbooks dropped and taken (both workers busy with them, if they can be),
    then a sound one; (seconds until the sound one was judged, until all three were)."""
    huge = huge_pair(make_workbook, tmp_path)
    sound = make_workbook("sound.xlsx", agency="城关镇人民政府").read_bytes()
    for name, data in huge:
        office.drop(name, data)
    office.wait(lambda: all(f"收到：{n}" in watch.text() for n, _ in huge), what="huge taken")
    start = time.monotonic()
    office.drop("正常.xlsx", sound)
    office.wait(lambda: result_of(office, "正常.xlsx") is not None, timeout=120, what="sound")
    judged = time.monotonic() - start
    office.wait(office.done, timeout=120, what="every file judged")
    return judged, time.monotonic() - start


def test_a_sound_file_behind_two_huge_workbooks_is_judged_at_once(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    """Over `[watch] file_xml_mb` (default 10 MB): refused before openpyxl opens them, as
    文件异常 with the size and the limit, so the file behind them waits for nothing."""
    office = new_office(tmp_path / "office")
    offices.append(office)
    watch = started(office, timeout=60)
    judged, _ = drop_behind_huge(office, watch, make_workbook, tmp_path)
    assert judged < 6, f"the sound file waited {judged:.1f} s"
    assert result_of(office, "正常.xlsx")["status"] == "passed"  # type: ignore[index]
    for name in ("巨大1.xlsx", "巨大2.xlsx"):
        record = result_of(office, name)
        assert record is not None and record["status"] == "rejected"
        (refusal,) = record["findings"]
        assert refusal["rule"] == "file.oversized"
        assert "解压后的表格内容有 23.2 MB，超过上限 10 MB" in refusal["message"]
        assert record["attributed_agency"] == "后河镇人民政府"  # its marks, read cheaply
    assert watch.terminate()[0] == 0
    office.assert_complete()


@pytest.mark.parametrize("workers", [2, 1])
def test_a_file_past_file_seconds_is_rejected_and_holds_nothing_up(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office], workers: int
) -> None:
    """With the XML cap raised out of the way, the same two workbooks would each keep a worker
    busy for ten seconds and more; `file_seconds = 3` ends them (the pool restarted, or with
    one worker the file stopped inside the daemon), rejects them as 文件异常, and the sound
    file behind them is judged within seconds."""
    office = new_office(
        tmp_path / "office",
        workers=workers,
        extra_watch="file_seconds = 3\nfile_xml_mb = 100\n",
    )
    offices.append(office)
    watch = started(office, timeout=60)
    judged, _ = drop_behind_huge(office, watch, make_workbook, tmp_path)
    assert judged < 12, f"the sound file waited {judged:.1f} s"
    assert result_of(office, "正常.xlsx")["status"] == "passed"  # type: ignore[index]
    for name in ("巨大1.xlsx", "巨大2.xlsx"):
        record = result_of(office, name)
        assert record is not None and record["status"] == "rejected"
        (refusal,) = record["findings"]
        assert refusal["rule"] == "file.oversized"
        assert "处理超过 3 秒仍未完成" in refusal["message"]
    assert watch.terminate()[0] == 0
    if workers > 1:
        assert "处理超过 3 秒仍未完成，按“文件异常”退回，重新启动处理进程" in watch.text()
    assert "Traceback" not in watch.text()
    office.assert_complete()


NOBODY = 65534


def as_nobody_office(root: Path) -> Office:
    """An office whose daemon runs as `nobody` (uid 65534) under `setpriv`, in a folder that
    user owns, so that it cannot override permissions as root would. Without root the daemon
    runs as the test's own user, and a file of mode 000 is unreadable to it all the same."""
    root.mkdir(mode=0o755)
    # One worker, in the daemon's own process: where Python lives under root's 0700 home
    # (pyenv), `nobody` cannot start a spawned worker, which is beside the point here.
    office = Office(root, workers=1)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to run the daemon as another user")
        office.run_as = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        for path in (root, *root.rglob("*")):
            os.chown(path, NOBODY, NOBODY)
    return office


def test_an_unreadable_inbox_file_stays_is_told_once_and_is_judged_once_readable(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    """Owned by another user (root) with mode 0600: before, it was moved to state/work after
    `give_up_seconds` with a traceback and an English errno line every minute, and never
    judged. Now it stays in the inbox, one Chinese line (owner, permission, what to do) is
    logged once and shown by `status` and in the summary; once readable it is judged."""
    base = _temp_folder("wf-unreadable-")  # outside root's 0700 tmp_path
    try:
        office = as_nobody_office(base / "office")
        offices.append(office)
        data = make_workbook("a.xlsx").read_bytes()
        locked = office.inbox / "锁住的报告.xlsx"
        locked.write_bytes(data)
        os.chmod(locked, 0o600 if os.geteuid() == 0 else 0)  # stays root's: nobody can't read
        office.dropped.append(data)
        watch = started(office, timeout=60)
        office.wait(lambda: "无法读取" in watch.text(), what="the unreadable line")
        time.sleep(3 * 1.5 + 1)  # well past give_up_seconds (1.5 s): nothing more happens
        assert locked.exists() and list((office.state / "work").iterdir()) == []
        log = watch.text()
        (line,) = [x for x in log.splitlines() if "无法读取" in x]  # said once
        if os.geteuid() == 0:
            assert "文件属于用户 root，权限为 -rw-------（0600）" in line
            assert "运行用户 nobody 没有读取权限" in line and "chown nobody" in line
        assert "改好后会自动校验" in line
        assert "Traceback" not in log and "Errno" not in log and "Permission" not in log
        status = subprocess.run(
            [*office.run_as, *WATCH, "status", "--config", str(office.config), "--year", "2021"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert f"注意：{line.split(' WARNING ', 1)[1]}" in status.stdout
        summary = subprocess.run(
            [*office.run_as, *WATCH, "summary", "--config", str(office.config), "--year", "2021"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        book = openpyxl.load_workbook(summary.stdout.strip().splitlines()[-1], read_only=True)
        rows = list(book["无法读取的文件"].values)
        assert rows[2][1] == line.split(" WARNING ", 1)[1]
        book.close()
        os.chmod(locked, 0o644)  # the clerk fixes it
        office.wait(office.done, timeout=30, what="the file judged once readable")
        assert "锁住的报告.xlsx 现在可以读取了，开始校验" in watch.text()
        assert result_of(office, "锁住的报告.xlsx")["status"] == "passed"  # type: ignore[index]
        assert json.loads((office.state / "unreadable.json").read_text("utf-8")) == []
        assert watch.terminate()[0] == 0
        office.assert_complete()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_an_unreadable_file_left_in_state_work_is_told_in_chinese(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    """A file in state/work with no ledger row (a crash between claim and row) that the
    daemon's user may not read: before, `[Errno 13] Permission denied` in English, again at
    every housekeeping pass; now one Chinese line naming the owner and what to do."""
    base = _temp_folder("wf-unreadable-")
    try:
        office = as_nobody_office(base / "office")
        offices.append(office)
        work = office.state / "work"
        work.mkdir(parents=True)
        for path in (office.state, work):
            if os.geteuid() == 0:
                os.chown(path, NOBODY, NOBODY)
        orphan = work / "20220110-093000-000000-旧报告.xlsx"
        orphan.write_bytes(make_workbook("a.xlsx").read_bytes())
        os.chmod(orphan, 0o600 if os.geteuid() == 0 else 0)
        watch = started(office, timeout=60)
        office.wait(lambda: "旧报告.xlsx 无法读取" in watch.text(), what="the line")
        time.sleep(1)
        log = watch.text()
        assert "处理中文件夹（state/work）中的 20220110-093000-000000-旧报告.xlsx 无法读取" in log
        assert "Traceback" not in log and "Errno" not in log
        assert orphan.exists()
        assert watch.terminate()[0] == 0
    finally:
        shutil.rmtree(base, ignore_errors=True)
