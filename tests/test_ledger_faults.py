"""Issue 18: the ledger under faults made for real, and a ledger of an earlier release.

- `workflow process` while another process holds the ledger's write lock (a real `BEGIN
  EXCLUSIVE` from another process) past `[ledger] lock_seconds`, and with a read-only state
  folder (a read-only bind mount): exit 1, one Chinese line saying exactly that, nothing
  processed, and the healthy ledger never called damaged.
- A reader whose ledger stops being a ledger under it (its table gone) reports damage, and the
  views repair it from the folders instead of running `SELECT  FROM submissions`.
- A ledger of the previous release gets `seq`, `agency_key` and their index on first open.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.fault_tools import read_only
from tests.old_ledgers import FIRST_RELEASE_SCHEMA
from workflow.cli import main
from workflow.config import load_config
from workflow.core.names import agency_key
from workflow.office.ledger import Ledger, LedgerDamaged, ledger_path
from workflow.office.year import year_states

AGENCY = "后河镇人民政府"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def office(tmp_path: Path, make_workbook: MakeWorkbook) -> Path:
    """An office whose ledger holds one processed report (so the ledger is healthy)."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[paths]\ninbox = "inbox"\noutbox = "outbox"\narchive = "archive"\nstate = "state"\n'
        "[ledger]\nlock_seconds = 1\n",
        encoding="utf-8",
    )
    first = make_workbook("first.xlsx")
    code, _, err = run("process", str(first), "--config", str(config))
    assert code == 0, err
    return config


def agency_outputs(config_path: Path) -> list[str]:
    folder = config_path.parent / "outbox" / "2021"
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def rows(config_path: Path) -> list[str]:
    db = sqlite3.connect(config_path.parent / "state" / "ledger.sqlite3")
    try:
        return [name for (name,) in db.execute("SELECT file_name FROM submissions ORDER BY id")]
    finally:
        db.close()


_HOLD = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process holds `BEGIN EXCLUSIVE` on the ledger at `path` for the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(10)
        holder.stdout.close()


def test_process_under_a_held_write_lock_exits_1_and_says_so(
    office: Path, make_workbook: MakeWorkbook
) -> None:
    before = agency_outputs(office)
    second = make_workbook("second.xlsx", apply_new_natural=5)
    with write_lock_held(office.parent / "state" / "ledger.sqlite3"):
        code, out, err = run("process", str(second), "--config", str(office))
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert (
        "台账被另一个程序占用，等待 1 秒后仍未释放" in err and "second.xlsx 未处理，也未登记" in err
    )
    assert "损坏" not in err + out
    assert agency_outputs(office) == before, "nothing processed: no outputs over the last ones"
    assert rows(office) == ["first.xlsx"]
    assert not list((office.parent / "state").glob("ledger.sqlite3.damaged-*"))


def test_process_with_a_read_only_state_folder_exits_1_and_says_so(
    office: Path, make_workbook: MakeWorkbook
) -> None:
    before = agency_outputs(office)
    second = make_workbook("second.xlsx", apply_new_natural=5)
    with read_only(office.parent / "state"):
        code, out, err = run("process", str(second), "--config", str(office))
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert "second.xlsx 未处理，也未登记" in err
    assert "只读" in err or "无法打开台账" in err, err
    assert "损坏" not in err + out
    assert agency_outputs(office) == before
    assert rows(office) == ["first.xlsx"]
    assert not list((office.parent / "state").glob("ledger.sqlite3.damaged-*"))


def test_a_reader_whose_ledger_loses_its_table_reports_damage_and_the_view_repairs_it(
    office: Path,
) -> None:
    config = load_config(office)
    path = ledger_path(config)
    with Ledger(path, readonly=True) as reader:
        assert [r.file_name for r in reader.year_rows(2021)] == ["first.xlsx"]
        other = sqlite3.connect(path)  # the file stops being a ledger under the reader
        other.execute("DROP TABLE submissions")
        other.commit()
        other.close()
        with pytest.raises(LedgerDamaged):
            reader.year_rows(2021)
    [state] = [s for s in year_states(config, 2021) if s.agency == AGENCY]
    assert (state.status, state.files) == ("passed", ("first.xlsx",)), "rebuilt from the folders"
    code, out, err = run("status", "--year", "2021", "--json", "--config", str(office))
    assert code == 0 and "Traceback" not in err
    assert json.loads(out.splitlines()[0])["status"] == "passed"


def test_a_ledger_of_the_previous_release_gets_its_sequence_and_agency_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.sqlite3"
    db = sqlite3.connect(path)
    db.execute(FIRST_RELEASE_SCHEMA)
    received = ["2022-01-10T09:00:00.000000+08:00", "2022-01-10T08:00:00.000000+08:00"]
    for n, (agency, status, when) in enumerate(
        [("后河镇 人民政府", "failed", received[0]), ("后河镇人民政府", "passed", received[1])]
    ):
        db.execute(
            "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, status,"
            " agency, year) VALUES (?, ?, ?, ?, ?, ?, 2021)",
            (f"s{n}", f"f{n}.xlsx", when, f"/w/{n}", status, agency),
        )
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        # the row taken last is the latest, though its clock time is earlier
        [latest] = ledger.latest(2021)
        assert (latest.file_name, latest.seq) == ("f1.xlsx", 2)
        assert ledger.next_sequence() == 3
    plain = sqlite3.connect(path)  # no Python function registered: plain SQL must do
    try:
        keys = {k for (k,) in plain.execute("SELECT agency_key FROM submissions")}
        assert keys == {agency_key("后河镇人民政府")}
        plan = " ".join(
            str(row[-1])
            for row in plain.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM submissions WHERE agency_key = ?"
                " AND year = ? ORDER BY seq DESC LIMIT 1",
                (agency_key("后河镇人民政府"), 2021),
            )
        )
        assert "submissions_key_year" in plan
    finally:
        plain.close()


def test_rows_merged_from_a_ledger_begun_meanwhile_come_after_the_daemons(
    tmp_path: Path,
) -> None:
    """The state folder was deleted under the daemon and `workflow process` began a new ledger
    there (its sequence starting at 1): merged back, its row is still the latest."""
    from workflow.intake.folder.state_guard import _merge

    ours, theirs = tmp_path / "ours.sqlite3", tmp_path / "theirs.sqlite3"
    with Ledger(ours) as ledger:
        for n in range(3):
            ledger.claim(f"a{n}", f"{n}.xlsx", datetime.now().astimezone(), Path(f"/w/{n}"))
    with Ledger(theirs) as ledger:
        ledger.claim("b", "new.xlsx", datetime.now().astimezone(), Path("/w/new"))
    _merge(theirs, ours)
    with Ledger(ours) as ledger:
        assert [(r.file_name, r.seq) for r in ledger.records()][-1] == ("new.xlsx", 4)
        assert ledger.next_sequence() == 5


def test_the_views_read_a_read_only_state_folder(office: Path) -> None:
    """A read-only state folder does not stop `status`: the ledger is read without writing."""
    with read_only(office.parent / "state"):
        code, out, err = run("status", "--year", "2021", "--json", "--config", str(office))
    assert code == 0 and "损坏" not in err + out, err
    assert json.loads(out.splitlines()[0])["status"] == "passed"
    assert not list((office.parent / "state").glob("ledger.sqlite3.damaged-*"))


def test_a_file_process_could_not_judge_leaves_nothing_for_a_rebuild(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    """Its outputs could not be written: no row, and no archived copy that a rebuild would
    turn into a submission the user was told did not happen."""
    from tests.fault_tools import immutable

    config = tmp_path / "config.toml"
    config.write_text(
        '[paths]\ninbox = "inbox"\noutbox = "outbox"\narchive = "archive"\nstate = "state"\n',
        encoding="utf-8",
    )
    (tmp_path / "outbox").mkdir()
    report = make_workbook("r.xlsx")
    with immutable(tmp_path / "outbox"):
        code, _, err = run("process", str(report), "--config", str(config))
    assert code == 1 and "未处理，也未登记" in err
    assert list((tmp_path / "archive").rglob("*.xlsx")) == []
    code, out, err = run("rebuild-ledger", "--dry-run", "--config", str(config))
    assert code == 0 and "共 0 条提交记录" in out, err


def test_mail_accept_under_a_held_write_lock_waits_only_lock_seconds(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mail --accept` opens the mail store as every writer does (`open_mail_store`): it waits
    `[ledger] lock_seconds` (1 here), not the built-in 30 s, before it says the ledger is busy."""
    with office.open("a", encoding="utf-8") as fh:  # a mailbox nobody answers: never reached
        fh.write(
            '[mail]\naddress = "gk@county.test"\nimap_host = "127.0.0.1"\nsmtp_host = "127.0.0.1"\n'
        )
    monkeypatch.setenv("WORKFLOW_MAIL_PASSWORD", "unused")
    started = time.monotonic()
    with write_lock_held(office.parent / "state" / "ledger.sqlite3"):
        code, out, err = run("mail", "--accept", "1", "--config", str(office))
    assert time.monotonic() - started < 10
    assert code != 0
    assert "台账被另一个程序占用" in err and "请稍后重试" in err
    assert "损坏" not in err + out


def test_another_command_under_a_held_write_lock_says_busy_not_damaged(office: Path) -> None:
    """Any command that writes the ledger (here `mail --unblock`), past `lock_seconds`: one
    Chinese line that the ledger is busy; never the advice for a damaged ledger."""
    with write_lock_held(office.parent / "state" / "ledger.sqlite3"):
        code, out, err = run("mail", "--unblock", "a1@county.test", "--config", str(office))
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "台账被另一个程序占用" in err and "请稍后重试" in err
    assert "损坏" not in err + out and "移走" not in err + out
    assert not list((office.parent / "state").glob("ledger.sqlite3.damaged-*"))
