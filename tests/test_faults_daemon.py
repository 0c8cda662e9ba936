"""Faults that need a real `workflow watch` (issue 10): a worker stuck at SIGTERM, workers
killed as the OOM killer does, the state folder deleted under a running daemon, a copy into
the inbox that pauses longer than `give_up_seconds`.

Stuck workers are made through the test hook `jobs.HANG_HOOK` (an environment variable only
the worker reads): a worker given a file whose name holds the marker writes
`<hook>/hanging-<pid>` and waits until `<hook>/release` exists.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office, alive, sha
from workflow.config import load_config
from workflow.intake import daemon
from workflow.intake.folder.jobs import HANG_HOOK
from workflow.office.ledger import Ledger

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="drives signals and process groups"),
    pytest.mark.slow,
]


def hung(hook: Path) -> dict[int, str]:
    """pid -> file name, of every worker that started hanging so far."""
    found = {}
    for marker in hook.glob("hanging-*"):
        with_name = marker.read_text("utf-8")
        found[int(marker.name.split("-")[1])] = with_name
    return found


def statuses(office: Office) -> dict[str, str]:
    with Ledger(office.state / "ledger.sqlite3", readonly=True) as ledger:
        return {r.file_name: r.status for r in ledger.records()}


def wait_for(office: Office, until: Callable[[], bool], what: str, timeout: float = 40) -> None:
    office.wait(until, timeout=timeout, what=what)


def test_sigterm_ends_a_stuck_worker_within_stop_seconds(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    office = Office(tmp_path, workers=2, extra_watch="stop_seconds = 1\n")
    offices.append(office)
    hook = tmp_path / "hook"
    hook.mkdir()
    office.env = {HANG_HOOK: f"卡住|{hook}"}
    watch = office.start()
    office.drop("卡住.xlsx", make_workbook("a.xlsx").read_bytes())
    wait_for(office, lambda: bool(hung(hook)), "the worker to hang")
    (pid,) = hung(hook)
    code, seconds = watch.terminate(timeout=15)
    assert code == 0 and seconds < 10
    assert not alive(pid), "the stuck worker was ended"
    assert "结束处理进程" in watch.text()
    office.env = {}
    again = office.start()
    wait_for(office, office.done, "the file, after a restart")
    assert again.terminate()[0] == 0
    assert statuses(office) == {"卡住.xlsx": "passed"}


def test_workers_killed_twice_neither_reject_a_sound_file_nor_outlive_their_pool(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    office = Office(tmp_path, workers=2)
    offices.append(office)
    hook = tmp_path / "hook"
    hook.mkdir()
    office.env = {HANG_HOOK: f"oom|{hook}"}
    watch = office.start()
    office.drop("oom-a.xlsx", make_workbook("a.xlsx").read_bytes())
    office.drop("oom-b.xlsx", make_workbook("b.xlsx", agency_name="前河镇人民政府").read_bytes())
    wait_for(office, lambda: len(hung(hook)) == 2, "both workers to hang")
    first = hung(hook)
    victim = next(pid for pid, name in first.items() if name == "oom-a.xlsx")
    other = next(pid for pid in first if pid != victim)
    os.kill(victim, signal.SIGKILL)  # the OOM killer
    wait_for(office, lambda: not alive(other), "the old pool's other worker to be ended", 15)
    wait_for(office, lambda: len(hung(hook)) == 3, "a file to run again, alone")
    (again,) = hung(hook).keys() - first.keys()
    twice = hung(hook)[again]
    os.kill(again, signal.SIGKILL)  # and once more, while that file runs alone
    wait_for(office, lambda: len(hung(hook)) == 4, "the same file a third time")
    (third,) = hung(hook).keys() - first.keys() - {again}
    assert hung(hook)[third] == twice
    (hook / "release").write_text("")
    wait_for(office, office.done, "both files")
    assert watch.terminate()[0] == 0
    assert statuses(office) == {"oom-a.xlsx": "passed", "oom-b.xlsx": "passed"}
    office.assert_complete()
    assert not (office.outbox / "rejected").exists()
    assert all(not alive(pid) for pid in hung(hook))


def test_a_deleted_state_folder_is_recreated_with_its_lock_and_every_record(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = Office(tmp_path, workers=1)
    stop, codes = threading.Event(), []
    thread = threading.Thread(
        target=lambda: codes.append(daemon.run_daemon(load_config(office.config), stop=stop))
    )
    thread.start()
    try:
        office.drop("a.xlsx", make_workbook("a.xlsx").read_bytes())
        wait_for(office, office.done, "the first file")
        shutil.rmtree(office.state)
        office.drop("b.xlsx", make_workbook("b.xlsx", agency_name="前河镇人民政府").read_bytes())
        wait_for(office, office.done, "a file after state/ was deleted")
        assert statuses(office) == {"a.xlsx": "passed", "b.xlsx": "passed"}
        assert daemon.run_daemon(load_config(office.config), stop=threading.Event()) == 1
    finally:
        stop.set()
        thread.join(20)
    assert codes == [0]
    assert statuses(office) == {"a.xlsx": "passed", "b.xlsx": "passed"}
    log = (office.state / "logs" / "workflow.log").read_text("utf-8")
    assert "已重新创建 state 文件夹" in log and "另一个 workflow watch" in log
    office.assert_complete()


def test_a_copy_that_pauses_past_give_up_seconds_is_judged_whole(
    tmp_path: Path, make_workbook: MakeWorkbook, offices: list[Office]
) -> None:
    office = Office(tmp_path, workers=1)  # give_up_seconds = 1.5
    offices.append(office)
    watch = office.start()
    data = make_workbook("a.xlsx").read_bytes()
    with open(office.inbox / "慢.xlsx", "wb") as fh:  # a share that stalls mid-copy
        fh.write(data[:4096])
        fh.flush()
        time.sleep(3.5)
        fh.write(data[4096:])
    office.dropped.append(data)
    wait_for(office, office.done, "the whole file")
    assert watch.terminate()[0] == 0
    assert statuses(office) == {"慢.xlsx": "passed"}
    with Ledger(office.state / "ledger.sqlite3", readonly=True) as ledger:
        (record,) = ledger.records()
    assert record.sha256 == sha(data) and record.archived_path is not None
    assert record.archived_path.read_bytes() == data
    office.assert_complete()
