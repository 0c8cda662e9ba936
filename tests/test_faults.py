"""Faults of a shared office server, made for real (issue 10): locked folders (`chattr +i`), a
full disk (a small tmpfs), names that are not UTF-8 or hold a newline, hard links, symlinks and
FIFOs in the inbox, a damaged ledger, agencies whose names differ only by an unsafe character.

No sound workbook may get a wrong verdict, nothing may stall, nothing may be lost. The daemon's
loop is driven step by step in this process (`fault_tools.InlineRunner`); the faults that need
real processes (signals, killed workers, a deleted state folder) are in test_faults_daemon.py.
"""

from __future__ import annotations

import gc
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office, sha
from tests.fault_tools import InlineRunner, full_disk, immutable, settle_loop
from workflow.cli import main
from workflow.config import Config, load_config
from workflow.core.names import agency_folder_name
from workflow.intake.folder import blocked, publish
from workflow.intake.folder.loop import WatchLoop
from workflow.office.ledger import Ledger

AGENCY = "后河镇人民政府"
GBK_NAME = "后河镇2021年报.xlsx"


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[Office, Config, Ledger]]:
    office = Office(tmp_path, workers=1)
    config = load_config(office.config)
    with Ledger(config.state / "ledger.sqlite3") as ledger:
        yield office, config, ledger


def new_loop(config: Config, ledger: Ledger) -> tuple[WatchLoop, InlineRunner]:
    runner = InlineRunner(config)
    loop = WatchLoop(config, ledger, runner)
    loop.recover()
    return loop, runner


def rows(ledger: Ledger) -> list[tuple[str, str]]:
    return [(r.file_name, r.status) for r in ledger.records()]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- 1. an output that cannot be written is the office's problem, not the file's -----------------


def test_an_unwritable_agency_folder_holds_the_file_until_it_can_be_written(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office, config, ledger = parts
    loop, _ = new_loop(config, ledger)
    office.drop("first.xlsx", make_workbook("a.xlsx").read_bytes())
    loop.hint_renamed(["first.xlsx"])
    settle_loop(loop, lambda: rows(ledger) == [("first.xlsx", "passed")], what="first")
    folder = config.outbox / "2021" / agency_folder_name(AGENCY)
    fixed = make_workbook("b.xlsx", apply_new_natural=2).read_bytes()  # fails the 勾稽关系
    with immutable(folder):  # as if a clerk had the report open in Word on a share
        office.drop("second.xlsx", fixed)
        loop.hint_renamed(["second.xlsx"])
        settle_loop(loop, lambda: "second.xlsx" in str(blocked.read_blocked(config.state)))
        for _ in range(3):
            loop.step()
        assert rows(ledger) == [("first.xlsx", "passed"), ("second.xlsx", "claimed")]
        assert not (config.outbox / "rejected").exists()
        assert not (config.archive / "rejected").exists()
        code, out, _ = run("status", "--config", str(office.config))
        assert code == 0 and "second.xlsx 已收到，但结果无法写出" in out
        assert "没有写入权限" in out or "不允许写入" in out
    held = [r.getMessage() for r in caplog.records if "无法写出 second.xlsx" in r.getMessage()]
    assert len(held) == 1, "told once, not at every retry"
    settle_loop(loop, lambda: rows(ledger)[-1] == ("second.xlsx", "failed"), what="retry")
    assert json.loads((folder / "result.json").read_text("utf-8"))["sha256"] == sha(fixed)
    assert blocked.read_blocked(config.state) == []
    office.assert_complete(superseded=(office.dropped[0],))


def test_process_with_an_unwritable_outbox_exits_1_and_records_nothing(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = Office(tmp_path)
    office.outbox.mkdir()
    report = make_workbook("r.xlsx")
    with immutable(office.outbox):
        code, out, err = run("process", str(report), "--config", str(office.config))
    assert code == 1
    assert err.strip().count("\n") == 0 and "无法写入" in err and "未处理，也未登记" in err
    assert "Traceback" not in err and out == ""
    assert list(office.outbox.iterdir()) == []
    ledger = office.state / "ledger.sqlite3"
    assert not ledger.exists() or Ledger(ledger).records() == []


# --- 2. a file name that is not UTF-8 ------------------------------------------------------------


def test_a_gbk_file_name_is_taken_and_the_other_files_keep_moving(
    parts: tuple[Office, Config, Ledger], make_workbook: MakeWorkbook
) -> None:
    office, config, ledger = parts
    loop, _ = new_loop(config, ledger)
    raw = os.path.join(os.fsencode(office.inbox), GBK_NAME.encode("gbk"))
    data = make_workbook("a.xlsx").read_bytes()
    with open(raw, "wb") as fh:  # as a zip unpacked on Chinese Windows names it
        fh.write(data)
    office.dropped.append(data)
    office.drop(
        "other.xlsx",
        make_workbook("b.xlsx", agency="前河镇人民政府", agency_name="前河镇人民政府").read_bytes(),
    )
    loop.hint_renamed([os.fsdecode(GBK_NAME.encode("gbk")), "other.xlsx"])
    settle_loop(loop, lambda: len(rows(ledger)) == 2 and "claimed" not in str(rows(ledger)))
    assert sorted(rows(ledger)) == sorted([(GBK_NAME, "passed"), ("other.xlsx", "passed")])
    office.assert_complete()
    archived = [p.name for p in config.archive.rglob("*.xlsx")]
    assert any(name.endswith(GBK_NAME) for name in archived)


def test_process_takes_a_gbk_file_name(tmp_path: Path, make_workbook: MakeWorkbook) -> None:
    office = Office(tmp_path)
    raw = os.path.join(os.fsencode(tmp_path), GBK_NAME.encode("gbk"))
    with open(raw, "wb") as fh:
        fh.write(make_workbook("a.xlsx").read_bytes())
    code, out, err = run("process", os.fsdecode(raw), "--config", str(office.config), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["file"].endswith(GBK_NAME)
    results = list(office.outbox.rglob("result.json"))
    assert len(results) == 1 and json.loads(results[0].read_text("utf-8"))["status"] == "passed"
    with Ledger(office.state / "ledger.sqlite3") as ledger:
        assert [Path(r.file_name).name for r in ledger.records()] == [GBK_NAME]


# --- 3. a file written to after it was claimed --------------------------------------------------


def test_a_file_that_changes_after_its_claim_is_judged_again_on_its_final_bytes(
    parts: tuple[Office, Config, Ledger], make_workbook: MakeWorkbook
) -> None:
    office, config, ledger = parts
    loop, runner = new_loop(config, ledger)
    whole = make_workbook("a.xlsx").read_bytes()
    office.place("slow.xlsx", whole[:3000])  # the first part of a copy that paused
    office.dropped[-1] = whole
    runner.hold = True
    loop.hint_renamed(["slow.xlsx"])
    settle_loop(loop, lambda: bool(runner.held), what="the claim")
    claimed = runner.held[0][1].path
    with open(claimed, "ab") as fh:  # the copy goes on, into the claimed file
        fh.write(whole[3000:])
    runner.release()
    settle_loop(loop, lambda: rows(ledger) == [("slow.xlsx", "passed")], what="judged again")
    record = ledger.records()[0]
    assert record.sha256 == sha(whole)
    assert record.archived_path is not None and record.archived_path.read_bytes() == whole
    assert not (config.outbox / "rejected").exists() or not any(
        (config.outbox / "rejected").iterdir()
    )
    office.assert_complete()


# --- 4. a damaged ledger --------------------------------------------------------------------------


def two_agencies(parts: tuple[Office, Config, Ledger], make_workbook: MakeWorkbook) -> None:
    office, config, ledger = parts
    loop, _ = new_loop(config, ledger)
    office.drop("a.xlsx", make_workbook("a.xlsx").read_bytes())
    office.drop(
        "b.xlsx",
        make_workbook(
            "b.xlsx", agency="前河镇人民政府", agency_name="前河镇人民政府", apply_new_natural=2
        ).read_bytes(),
    )
    office.drop("c.xlsx", b"garbage")
    loop.hint_renamed(["a.xlsx", "b.xlsx", "c.xlsx"])
    settle_loop(loop, lambda: len(ledger.records()) == 3 and office.done(), what="three")
    ledger.close()


def listed(config_path: Path) -> dict[str, str]:
    code, out, err = run("status", "--year", "2021", "--json", "--config", str(config_path))
    assert code == 0, err
    return {r["agency"]: r["status"] for r in map(json.loads, out.splitlines()) if r["files"]}


@pytest.mark.parametrize("damage", [b"this is no database" * 100, b""], ids=["garbage", "empty"])
def test_a_damaged_ledger_is_kept_aside_and_rebuilt(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    damage: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office, config, _ = parts
    two_agencies(parts, make_workbook)
    before = listed(office.config)
    assert before == {AGENCY: "passed", "前河镇人民政府": "failed"}
    path = config.state / "ledger.sqlite3"
    path.write_bytes(damage)
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (config.state / name).unlink(missing_ok=True)
    code, _, err = run("status", "--year", "2021", "--json", "--config", str(office.config))
    assert code == 0 and "Traceback" not in err
    assert listed(office.config) == before
    said = [r.getMessage() for r in caplog.records if "重建台账" in r.getMessage()]
    assert len(said) == 1, "said once: the second view finds a sound ledger"
    aside = list(config.state.glob("ledger.sqlite3.damaged-*"))
    assert [p.read_bytes() for p in aside if not p.name.endswith(("-wal", "-shm"))] == [damage]
    with Ledger(path) as ledger:
        statuses = sorted(r.status for r in ledger.records())
    assert statuses == ["failed", "passed", "rejected"]


def test_watch_starts_on_a_garbage_ledger(
    parts: tuple[Office, Config, Ledger], make_workbook: MakeWorkbook
) -> None:
    import threading

    from workflow.intake import daemon

    office, config, _ = parts
    two_agencies(parts, make_workbook)
    (config.state / "ledger.sqlite3").write_bytes(b"\x00garbage" * 500)
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(daemon.run_daemon(config, stop=stop)))
    thread.start()
    try:
        office.drop(
            "d.xlsx",
            make_workbook(
                "d.xlsx", agency="左河镇人民政府", agency_name="左河镇人民政府"
            ).read_bytes(),
        )
        office.wait(office.done, what="a file after the repair")
    finally:
        stop.set()
        thread.join(20)
    assert codes == [0]
    log = (config.state / "logs" / "workflow.log").read_text("utf-8")
    assert log.count("重建台账") == 1
    assert listed(office.config).keys() == {AGENCY, "前河镇人民政府", "左河镇人民政府"}


# --- 7. one agency, one folder; different agencies, different folders ---------------------------


def test_names_differing_by_an_unsafe_character_get_their_own_folders(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = Office(tmp_path)
    slash = make_workbook("slash.xlsx", agency="甲/乙", agency_name="甲/乙")
    under = make_workbook("under.xlsx", agency="甲_乙", agency_name="甲_乙")
    run("process", str(slash), str(under), "--config", str(office.config))
    results = {
        json.loads(p.read_text("utf-8"))["agency"]: p.parent
        for p in (office.outbox / "2021").glob("*/result.json")
    }
    assert results.keys() == {"甲/乙", "甲_乙"}
    assert results["甲/乙"] != results["甲_乙"]


def test_names_differing_by_a_space_share_one_folder_and_leave_no_stale_draft(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = Office(tmp_path)
    spaced = "后河镇 人民政府"
    draft = make_workbook("1.xlsx", agency=spaced, agency_name=spaced, apply_new_natural=2)
    final = make_workbook("2.xlsx")
    run("process", str(draft), "--config", str(office.config))
    run("process", str(final), "--config", str(office.config))
    folders = [p for p in (office.outbox / "2021").iterdir() if p.is_dir()]
    assert [p.name for p in folders] == [agency_folder_name(AGENCY)]
    record = json.loads((folders[0] / "result.json").read_text("utf-8"))
    named = {Path(p).name for p in record["outputs"].values() if p}
    assert record["status"] == "passed"
    assert {p.name for p in folders[0].iterdir()} == named | {"result.json"}


# --- 8. the smaller faults ----------------------------------------------------------------------


# xlsxwriter leaves its ZipFile open when the disk fills; its __del__ then complains (not ours)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_full_disk_is_one_clean_line_and_no_file_is_rejected(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office, config, ledger = parts
    with full_disk(config.outbox) as filler:
        report = make_workbook("p.xlsx")
        code, _, err = run("process", str(report), "--config", str(office.config))
        assert code == 1 and err.count("\n") == 1 and "磁盘空间已满" in err
        loop, _ = new_loop(config, ledger)
        office.drop("a.xlsx", make_workbook("a.xlsx").read_bytes())
        office.drop("bad.xlsx", b"not a workbook")
        loop.hint_renamed(["a.xlsx", "bad.xlsx"])
        settle_loop(loop, lambda: len(blocked.read_blocked(config.state)) == 2, what="held")
        assert all(status == "claimed" for _, status in rows(ledger))
        assert not any("Traceback" in r.getMessage() or r.exc_info for r in caplog.records)
        assert list((config.outbox / "rejected").iterdir()) == []  # no empty note folders
        filler.unlink()
        settle_loop(loop, office.done, what="after the disk was freed")
        assert sorted(status for _, status in rows(ledger)) == ["passed", "rejected"]
    gc.collect()  # xlsxwriter's leaked ZipFiles go now, under this test's warning filter


def test_a_failed_summary_refresh_is_tried_again(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office, config, ledger = parts
    monkeypatch.setattr(publish, "SUMMARY_EVERY_SECONDS", 0.1)
    year = config.outbox / "2021"
    (year / agency_folder_name(AGENCY)).mkdir(parents=True)
    loop, _ = new_loop(config, ledger)
    with immutable(year):  # the agency's folder exists; nothing new can go beside it
        office.drop("a.xlsx", make_workbook("a.xlsx").read_bytes())
        loop.hint_renamed(["a.xlsx"])
        settle_loop(loop, office.done, what="the file")
        loop.step()
        assert not list(year.glob("*.xlsx"))
    settle_loop(loop, lambda: bool(list(year.glob("*.xlsx"))), what="the summary, later")


def test_symlinks_fifos_and_folders_in_the_inbox_are_logged_once(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office, config, ledger = parts
    outside = office.root / "outside.xlsx"
    outside.write_bytes(make_workbook("a.xlsx").read_bytes())
    (office.inbox / "link.xlsx").symlink_to(outside)
    os.mkfifo(office.inbox / "pipe.xlsx")
    (office.inbox / "folder.xlsx").mkdir()
    loop, _ = new_loop(config, ledger)
    for _ in range(5):
        loop.step()
    messages = [r.getMessage() for r in caplog.records]
    kinds = [("link.xlsx", "符号链接"), ("pipe.xlsx", "命名管道"), ("folder.xlsx", "文件夹")]
    for name, kind in kinds:
        assert sum(f"{name} 是{kind}" in m for m in messages) == 1, (name, messages)
    assert ledger.records() == [] and outside.exists()


def test_a_hard_linked_file_is_archived_as_a_copy(
    parts: tuple[Office, Config, Ledger], make_workbook: MakeWorkbook
) -> None:
    office, config, ledger = parts
    outside = office.root / "outside.xlsx"
    outside.write_bytes(make_workbook("a.xlsx").read_bytes())
    os.link(outside, office.inbox / "linked.xlsx")
    office.dropped.append(outside.read_bytes())
    loop, _ = new_loop(config, ledger)
    loop.hint_renamed(["linked.xlsx"])
    settle_loop(loop, lambda: rows(ledger) == [("linked.xlsx", "passed")], what="the link")
    archived = ledger.records()[0].archived_path
    assert archived is not None
    assert archived.stat().st_ino != outside.stat().st_ino
    assert outside.stat().st_nlink == 1 and archived.read_bytes() == outside.read_bytes()
    office.assert_complete()


def test_a_newline_in_a_file_name_cannot_forge_a_log_line(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    office, config, ledger = parts
    name = "a\n2026-01-01 00:00:00 INFO 通过：伪造.xlsx"
    office.drop(name, make_workbook("a.xlsx").read_bytes())
    loop, _ = new_loop(config, ledger)
    caplog.set_level(logging.INFO, logger="workflow")
    loop.hint_renamed([name])
    settle_loop(loop, lambda: rows(ledger) == [(name, "passed")], what="the file")
    mine = [r.getMessage() for r in caplog.records if r.name.startswith("workflow")]
    assert mine and all("\n" not in m for m in mine), mine
    assert any("a\\n2026-01-01" in m for m in mine)


def test_a_ledger_overwritten_under_a_running_daemon_is_rebuilt(
    parts: tuple[Office, Config, Ledger],
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from workflow.intake import daemon
    from workflow.intake.folder import state_guard

    monkeypatch.setattr(state_guard, "LEDGER_CHECK_SECONDS", 0.2)

    office, config, ledger = parts
    ledger.close()
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(daemon.run_daemon(config, stop=stop)))
    thread.start()
    try:
        office.drop("a.xlsx", make_workbook("a.xlsx").read_bytes())
        office.wait(office.done, what="the first file")
        (config.state / "ledger.sqlite3").write_bytes(b"\x00garbage" * 2000)  # in place
        other = make_workbook("b.xlsx", agency="前河镇人民政府", agency_name="前河镇人民政府")
        office.drop("b.xlsx", other.read_bytes())
        office.wait(office.done, what="a file after the ledger was overwritten")
    finally:
        stop.set()
        thread.join(20)
    assert codes == [0]
    log = (config.state / "logs" / "workflow.log").read_text("utf-8")
    assert log.count("台账文件被覆盖：已另存为") == 1 and "Traceback" not in log
    with Ledger(config.state / "ledger.sqlite3") as rebuilt:
        assert sorted((r.file_name, r.status) for r in rebuilt.records()) == [
            ("a.xlsx", "passed"),
            ("b.xlsx", "passed"),
        ]
    office.assert_complete()


def test_a_summary_that_cannot_be_written_is_logged_once_not_at_every_try(
    tmp_path: Path, make_workbook: MakeWorkbook, caplog: pytest.LogCaptureFixture
) -> None:
    """Each try writes a temp file of another random name: the problem, with that name in it,
    looked new every time, and the same error was logged every five seconds for ever."""
    office = Office(tmp_path)
    config = load_config(office.config)
    report = make_workbook("r.xlsx")
    assert run("process", str(report), "--config", str(office.config))[0] == 0
    summaries = publish.Summaries()
    with immutable(office.outbox / "2021"), caplog.at_level(logging.ERROR, "workflow"):
        for _ in range(3):
            summaries.years.add(2021)
            summaries.written = 0.0
            assert summaries.refresh(config, force=True)
    lines = [r.getMessage() for r in caplog.records if "汇总表更新失败" in r.getMessage()]
    assert len(lines) == 1, lines
