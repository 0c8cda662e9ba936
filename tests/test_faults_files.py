"""Files that must not stop or slow the daemon, made for real in a real `workflow watch` on a
temporary folder (issue 18): workbooks far bigger than any report (a huge shared-strings part
that compresses well), a file that runs past `[watch] file_seconds`, and an inbox file the
daemon's user may not read (another owner, mode 0600)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office, Watch
from tests.huge import with_shared_strings

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="drives processes and file owners"),
    pytest.mark.slow,
]


@pytest.fixture
def offices() -> Iterator[list[Office]]:
    """Offices a test made; any `workflow watch` still running afterwards is ended."""
    made: list[Office] = []
    yield made
    for office in made:
        for watch in office.watches:
            if watch.proc.poll() is None:
                watch.power_cut()


def watching(office: Office, watch: Watch) -> None:
    office.wait(lambda: "开始监视收件箱" in watch.text(), timeout=60, what="the daemon to start")


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
    watch = office.start()
    watching(office, watch)
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


def test_a_file_past_file_seconds_is_rejected_and_holds_nothing_up(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    """With the XML cap raised out of the way, the same two workbooks would each keep a worker
    busy for ten seconds and more; `file_seconds = 3` ends them, rejects them as 文件异常, and
    the sound file behind them is judged within seconds."""
    office = new_office(tmp_path / "office", extra_watch="file_seconds = 3\nfile_xml_mb = 100\n")
    offices.append(office)
    watch = office.start()
    watching(office, watch)
    judged, _ = drop_behind_huge(office, watch, make_workbook, tmp_path)
    assert judged < 10, f"the sound file waited {judged:.1f} s"
    assert result_of(office, "正常.xlsx")["status"] == "passed"  # type: ignore[index]
    for name in ("巨大1.xlsx", "巨大2.xlsx"):
        record = result_of(office, name)
        assert record is not None and record["status"] == "rejected"
        (refusal,) = record["findings"]
        assert refusal["rule"] == "file.oversized"
        assert "处理超过 3 秒仍未完成" in refusal["message"]
    assert watch.terminate()[0] == 0
    assert "处理超过 3 秒仍未完成，按“文件异常”退回，重新启动处理进程" in watch.text()
    assert "Traceback" not in watch.text()
    office.assert_complete()
