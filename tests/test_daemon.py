"""`workflow watch` as a real process on temporary folders: files present at start, atomic drops,
slow copies, lock files, bursts, SIGTERM and kill -9 mid-batch, garbage, duplicates.

After each scenario the office's folders must satisfy the daemon's promises: every input has
exactly one complete result, every original is in the archive exactly once, nothing is left in
the inbox (but the lock files, untouched) or in state/work, and no temp file is left anywhere.
"""

from __future__ import annotations

import json
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import fill_workbook
from tests.daemon_harness import LOCK_FILES, Office, sha
from workflow.config import Config, load_config
from workflow.core.archive_names import parse_archive_name
from workflow.core.atomic import TEMP_PREFIX
from workflow.example import seed_values
from workflow.intake import daemon
from workflow.intake.folder import observer
from workflow.intake.folder.inbox import claim
from workflow.intake.folder.jobs import Done, Job, run_job
from workflow.intake.folder.loop import MAX_ATTEMPTS, WatchLoop
from workflow.office.ledger import Ledger

pytestmark = pytest.mark.skipif(os.name != "posix", reason="drives signals and process groups")


@pytest.fixture(scope="session")
def workbooks(
    blank_workbook: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> list[bytes]:
    """32 filled workbooks of distinct agencies; every fifth fails the 勾稽关系."""
    folder = tmp_path_factory.mktemp("daemon-workbooks")
    made = []
    for i in range(32):
        values = dict(seed_values(), agency_name=f"测试{i:02d}镇人民政府")
        if i % 5 == 4:
            values.update(apply_new_natural=2)
        made.append(fill_workbook(blank_workbook(), values, folder / f"{i}.xlsx").read_bytes())
    return made


def place_lock_files(office: Office) -> dict[str, int]:
    for name, data in LOCK_FILES.items():
        (office.inbox / name).write_bytes(data)
    return {name: (office.inbox / name).stat().st_mtime_ns for name in LOCK_FILES}


def assert_lock_files_untouched(office: Office, mtimes: dict[str, int]) -> None:
    for name, data in LOCK_FILES.items():
        path = office.inbox / name
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtimes[name], name


def test_present_at_start_atomic_drop_slow_copy_and_lock_files(
    office: Office, workbooks: list[bytes]
) -> None:
    mtimes = place_lock_files(office)
    office.place("已在收件箱.xlsx", workbooks[0])
    office.place("failed.xlsx", workbooks[4])
    watch = office.start()
    office.wait(lambda: len(office.results()) == 2, what="files present at start")
    office.drop("改名放入.xlsx", workbooks[1])
    data = workbooks[2]
    with open(office.inbox / "慢慢复制.xlsx", "wb") as fh:  # stalls longer than the settle time
        for i in range(0, len(data), 4096):
            fh.write(data[i : i + 4096])
            fh.flush()
            time.sleep(0.5 if i == 8192 else 0.02)
    office.dropped.append(data)
    office.wait(office.done, what="all files")
    assert watch.terminate()[0] == 0
    office.assert_complete()
    assert_lock_files_untouched(office, mtimes)
    statuses = {r[0]["file"]: r[0]["status"] for r in office.results().values()}
    assert statuses == {
        "已在收件箱.xlsx": "passed",
        "failed.xlsx": "failed",
        "改名放入.xlsx": "passed",
        "慢慢复制.xlsx": "passed",  # not taken half-written (it would be 'rejected')
    }
    log = (office.state / "logs" / "workflow.log").read_text("utf-8")
    assert "收到：慢慢复制.xlsx" in log and "通过：改名放入.xlsx" in log and "用时" in log


def test_burst_with_duplicates_and_garbage(office: Office, workbooks: list[bytes]) -> None:
    watch = office.start()
    for i, data in enumerate(workbooks[:30]):
        office.drop(f"报告{i:02d}.xlsx", data)
    office.drop("again.xlsx", workbooks[0])
    office.place("empty.xlsx", b"")
    office.place("truncated.xlsx", workbooks[1][:5000])
    office.place("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an Excel 97 file")
    office.wait(office.done, timeout=45, what="the burst")
    assert watch.terminate()[0] == 0
    office.assert_complete()
    assert len(list((office.archive / "duplicates").iterdir())) == 1
    rejected = {r[0]["file"]: r[0]["findings"][0]["rule"] for r in office.results().values()
                if r[0]["status"] == "rejected"}  # fmt: skip
    assert rejected == {
        "empty.xlsx": "file.empty",
        "truncated.xlsx": "file.damaged",
        "old.xls": "file.legacy_xls",
    }
    assert "重复提交：again.xlsx" in watch.text()


def test_sigterm_mid_batch_finishes_the_files_in_hand(
    office: Office, workbooks: list[bytes]
) -> None:
    watch = office.start()
    for i, data in enumerate(workbooks[:12]):
        office.drop(f"r{i:02d}.xlsx", data)
    office.wait(lambda: len(office.results()) >= 2, what="the first results")
    code, seconds = watch.terminate()
    assert code == 0 and seconds < 5, watch.text()
    assert "已停止" in watch.text()
    assert not list(office.root.rglob(f"{TEMP_PREFIX}*"))
    results = office.results()  # complete sets only: every output named exists
    assert 2 <= len(results) < 12
    office.start()
    office.wait(office.done, what="the rest after restart")
    office.watches[-1].terminate()
    office.assert_complete()


def test_kill_9_mid_batch_then_restart(office: Office, workbooks: list[bytes]) -> None:
    office.place("empty.xlsx", b"")
    watch = office.start()
    for i, data in enumerate(workbooks[:12]):
        office.drop(f"r{i:02d}.xlsx", data)
    office.wait(lambda: len(office.results()) >= 3, what="the first results")
    watch.power_cut()
    # What a writer killed mid-write leaves, in case the kill did not happen to catch one.
    (office.outbox / "2021" / f"{TEMP_PREFIX}killed.docx").write_bytes(b"half")
    office.drop("while-down.xlsx", workbooks[12])
    restarted = office.start()
    office.wait(office.done, what="recovery after kill -9")
    assert restarted.terminate()[0] == 0
    office.assert_complete()
    assert "继续处理上次未完成的文件" in restarted.text()  # two workers were busy at the kill


def test_polling_observer_and_a_corrected_resubmission(
    tmp_path: Path, workbooks: list[bytes], blank_workbook: Callable[..., Path]
) -> None:
    office = Office(tmp_path, workers=1, polling=True)
    watch = office.start()
    try:
        office.drop("first.xlsx", workbooks[4])  # fails
        office.wait(lambda: len(office.results()) == 1, what="the failing report")
        folder = office.outbox / "2021" / "测试04镇人民政府"
        assert len(list(folder.glob("*校验结果.xlsx"))) == 1
        fixed = dict(seed_values(), agency_name="测试04镇人民政府")
        corrected = fill_workbook(blank_workbook(), fixed, tmp_path / "fixed.xlsx").read_bytes()
        office.place("corrected.xlsx", corrected)
        office.wait(office.done, what="the corrected report")
    finally:
        assert watch.terminate()[0] == 0
    record = json.loads((folder / "result.json").read_text("utf-8"))
    assert (record["file"], record["status"]) == ("corrected.xlsx", "passed")
    assert not list(folder.glob("*校验结果.xlsx"))
    folder_ = office.archive / "2021" / "测试04镇人民政府"
    archived = sorted(parse_archive_name(p.name)[1:] for p in folder_.iterdir())  # type: ignore[index]
    assert archived == [(1, "first.xlsx"), (2, "corrected.xlsx")], "named in the order claimed"
    office.assert_complete(superseded=(workbooks[4],))


# --- in-process: the observer's health, the single-instance lock --------------------------------


def run_in_thread(config_path: Path) -> tuple[threading.Event, threading.Thread, list[int]]:
    stop, codes = threading.Event(), []
    thread = threading.Thread(
        target=lambda: codes.append(daemon.run_daemon(load_config(config_path), stop=stop))
    )
    thread.start()
    return stop, thread, codes


def test_a_dead_observer_is_restarted_and_scans_carry_on(
    tmp_path: Path, workbooks: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    office = Office(tmp_path, workers=1)
    made: list[object] = []

    def make(polling: bool, interval: float) -> object:
        made.append(observer.PollingObserver(timeout=interval) if polling else observer.Observer())
        return made[-1]

    monkeypatch.setattr(observer, "new_observer", make)
    stop, thread, codes = run_in_thread(office.config)
    try:
        office.wait(lambda: len(made) == 1, what="the observer")
        made[0].stop()  # type: ignore[attr-defined]
        office.place("a.xlsx", workbooks[0])
        office.wait(office.done, what="a file while the observer is down")
        office.wait(lambda: len(made) == 2, what="the observer's restart")
        office.drop("b.xlsx", workbooks[1])
        office.wait(office.done, what="a file after the restart")
    finally:
        stop.set()
        thread.join(10)
    assert codes == [0]
    assert "文件监视线程已停止" in (office.state / "logs" / "workflow.log").read_text("utf-8")


def test_without_any_observer_the_scans_do_the_work(
    tmp_path: Path, workbooks: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    office = Office(tmp_path, workers=1)

    def no_observer(polling: bool, interval: float) -> object:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(observer, "new_observer", no_observer)
    stop, thread, codes = run_in_thread(office.config)
    try:
        office.place("a.xlsx", workbooks[0])
        office.wait(office.done, what="a file found by scanning")
    finally:
        stop.set()
        thread.join(10)
    assert codes == [0]
    office.assert_complete()
    assert "只靠定期扫描" in (office.state / "logs" / "workflow.log").read_text("utf-8")


def test_a_second_daemon_on_the_same_state_refuses_to_start(tmp_path: Path) -> None:
    office = Office(tmp_path, workers=1)
    holder = daemon._lock(office.state / "daemon.lock")
    assert holder is not None
    try:
        assert daemon.run_daemon(load_config(office.config), stop=threading.Event()) == 1
    finally:
        holder.close()
    assert "另一个 workflow watch" in (office.state / "logs" / "workflow.log").read_text("utf-8")


def test_worker_results_cross_the_process_boundary(tmp_path: Path, workbooks: list[bytes]) -> None:
    """What a pool worker returns must pickle (findings, Decimals, paths)."""
    import pickle

    office = Office(tmp_path)
    path = office.inbox / "r.xlsx"
    path.write_bytes(workbooks[4])
    job = Job(1, path, "r.xlsx", datetime.now().astimezone(), sha(workbooks[4]))
    done = pickle.loads(pickle.dumps(run_job(job, load_config(office.config))))
    assert done.result is not None and done.result.status == "failed"
    assert done.result.findings and done.traceback is None
    assert zipfile.is_zipfile(done.result.outputs["errors"])


# --- in-process: the loop's rarer paths, with a runner the test completes by hand ---------------


class ManualRunner:
    """Holds submitted jobs until the test completes them: for real, in any order, or by
    breaking the pool as a worker that died would."""

    capacity = 2

    def __init__(self, config: Config) -> None:
        self.config = config
        self.pending: list[tuple[Future[Done], Job]] = []
        self.ran: list[str] = []

    def submit(self, job: Job) -> Future[Done]:
        future: Future[Done] = Future()
        self.pending.append((future, job))
        return future

    def complete(self, *, reverse: bool = False, poison: str = "") -> None:
        if any(job.name == poison for _, job in self.pending):
            for future, _ in self.pending:
                future.set_exception(BrokenProcessPool("a worker died"))
        else:
            for future, job in reversed(self.pending) if reverse else self.pending:
                self.ran.append(job.name)
                future.set_result(run_job(job, self.config))
        self.pending = []


@pytest.fixture
def loop_parts(tmp_path: Path) -> Iterator[tuple[Office, Config, Ledger, ManualRunner]]:
    office = Office(tmp_path)
    config = load_config(office.config)
    with Ledger(config.state / "ledger.sqlite3") as ledger:
        yield office, config, ledger, ManualRunner(config)


def statuses(ledger: Ledger) -> dict[str, tuple[str, str | None]]:
    """file name -> (status, the first finding's rule), from the ledger and result.json."""
    found = {}
    for record in ledger.records():
        rule = None
        if record.result_path:
            findings = json.loads(record.result_path.read_text("utf-8"))["findings"]
            rule = findings[0]["rule"] if record.status == "rejected" else None
        found[record.file_name] = (record.status, rule)
    return found


def test_a_file_that_kills_its_worker_is_rejected_and_the_others_go_on(
    loop_parts: tuple[Office, Config, Ledger, ManualRunner], workbooks: list[bytes]
) -> None:
    office, config, ledger, runner = loop_parts
    loop = WatchLoop(config, ledger, runner)
    loop.recover()
    office.drop("poison.xlsx", workbooks[0])
    office.drop("good.xlsx", workbooks[1])
    loop.hint_renamed(["poison.xlsx", "good.xlsx"])
    for _ in range(10):
        loop.step()
        assert len(runner.pending) <= (1 if loop.suspects else 2)
        runner.complete(poison="poison.xlsx")
    loop.step()
    assert statuses(ledger) == {
        "poison.xlsx": ("rejected", "file.internal_error"),
        "good.xlsx": ("passed", None),
    }
    office.assert_complete()


def test_an_older_submission_finishing_last_does_not_hide_the_newer_one(
    loop_parts: tuple[Office, Config, Ledger, ManualRunner],
    workbooks: list[bytes],
    blank_workbook: Callable[..., Path],
) -> None:
    office, config, ledger, runner = loop_parts
    loop = WatchLoop(config, ledger, runner)
    loop.recover()
    office.drop("old.xlsx", workbooks[4])  # 测试04, fails
    loop.hint_renamed(["old.xlsx"])
    loop.step()
    fixed = dict(seed_values(), agency_name="测试04镇人民政府")
    office.drop("new.xlsx", fill_workbook(blank_workbook(), fixed, office.root / "n").read_bytes())
    loop.hint_renamed(["new.xlsx"])
    loop.step()
    runner.complete(reverse=True)  # the newer one writes first, the older one last
    loop.step()
    runner.complete()  # the newer one again, from the archive
    loop.step()
    assert runner.ran == ["new.xlsx", "old.xlsx", "new.xlsx"]
    shown = json.loads((office.outbox / "2021" / "测试04镇人民政府" / "result.json").read_text())
    assert (shown["file"], shown["status"]) == ("new.xlsx", "passed")
    office.assert_complete(superseded=(workbooks[4],))


def test_recovery_adopts_a_complete_rejected_result_and_removes_partial_ones(
    loop_parts: tuple[Office, Config, Ledger, ManualRunner],
) -> None:
    """A crash between a rejected result.json and the ledger: no second result is written."""
    from workflow.flow.pipeline import process_file

    office, config, ledger, runner = loop_parts
    received = datetime(2022, 1, 10, 9, 30, 0, 250000).astimezone()
    (office.inbox / "bad.xlsx").write_bytes(b"not a workbook")
    office.dropped.append(b"not a workbook")
    claimed = claim(office.inbox / "bad.xlsx", config.state / "work", received)
    id = ledger.claim(sha(b"not a workbook"), "bad.xlsx", received, claimed)
    ledger.begin_attempt(id)
    done = process_file(
        claimed,
        config,
        display_name="bad.xlsx",
        received_at=received,
        sha256=sha(b"not a workbook"),
    )  # what the worker wrote before the crash
    partial = office.outbox / "rejected" / "20220110-093000-bad-2"
    partial.mkdir()
    (partial / "退回说明.xlsx").write_bytes(b"half a set")
    loop = WatchLoop(config, ledger, runner)
    loop.recover()
    assert runner.pending == [] and not partial.exists()
    assert ledger.get(id).result_path == done.result_path  # type: ignore[union-attr]
    office.assert_complete()


def test_a_file_that_keeps_killing_the_daemon_is_given_up(
    loop_parts: tuple[Office, Config, Ledger, ManualRunner], workbooks: list[bytes]
) -> None:
    office, config, ledger, runner = loop_parts
    received = datetime.now().astimezone()
    (office.inbox / "crash.xlsx").write_bytes(workbooks[0])
    office.dropped.append(workbooks[0])
    claimed = claim(office.inbox / "crash.xlsx", config.state / "work", received)
    id = ledger.claim(sha(workbooks[0]), "crash.xlsx", received, claimed)
    for _ in range(MAX_ATTEMPTS):  # three starts, each ended by a crash of the whole daemon
        ledger.begin_attempt(id)
    loop = WatchLoop(config, ledger, runner)
    loop.recover()
    loop.step()
    assert runner.pending == []
    assert statuses(ledger) == {"crash.xlsx": ("rejected", "file.internal_error")}
    office.assert_complete()


def test_the_summary_follows_what_the_daemon_processed(
    office: Office, workbooks: list[bytes]
) -> None:
    """The office's summary workbook is refreshed by the daemon, not only by `summary`."""
    watch = office.start()
    office.drop("a.xlsx", workbooks[0])
    office.drop("b.xlsx", workbooks[4])  # fails the 勾稽关系
    summary = office.outbox / "2021" / "2021年政府信息公开工作年度报告汇总.xlsx"

    def listed() -> dict[str, str]:
        if not summary.exists():
            return {}
        wb = openpyxl.load_workbook(summary)
        try:
            rows = wb.worksheets[0].iter_rows(min_row=5, values_only=True)
            return {str(r[1]): str(r[2]) for r in rows if r[1]}
        finally:
            wb.close()

    office.wait(lambda: {"测试00镇人民政府", "测试04镇人民政府"} <= set(listed()), what="summary")
    assert watch.terminate()[0] == 0
    states = listed()
    assert (states["测试00镇人民政府"], states["测试04镇人民政府"]) == ("已通过", "未通过")
