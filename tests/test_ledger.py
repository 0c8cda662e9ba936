"""The ledger: each state change in its own transaction, and the queries recovery relies on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.checks_helpers import make_submission
from workflow.core.cell_values import stored_number
from workflow.core.outcome import ProcessResult
from workflow.office.ledger import Ledger

T0 = datetime(2022, 1, 15, 9, 0, 0).astimezone()


@dataclass
class FakeResult:
    """The part of `pipeline.ProcessResult` the ledger reads."""

    status: str
    agency: str | None = "后河镇人民政府"
    year: int | None = 2021
    outputs: dict[str, str | None] = field(default_factory=dict)
    result_path: Path | None = None
    error_count: int = 0
    warning_count: int = 1
    values: dict[str, object] | None = None
    attribution: None = None
    reason: str = ""

    @property
    def owner_agency(self) -> str | None:
        return self.agency

    @property
    def owner_year(self) -> int | None:
        return self.year


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as db:
        yield db  # type: ignore[misc]


def take(ledger: Ledger, sha: str, minutes: int = 0, name: str = "r.xlsx") -> int:
    return ledger.claim(sha, name, T0 + timedelta(minutes=minutes), Path(f"/w/{sha}-{name}"))


def test_a_claim_is_unfinished_until_finished(ledger: Ledger) -> None:
    id = take(ledger, "aa")
    assert [r.id for r in ledger.unfinished()] == [id]
    record = ledger.get(id)
    assert record is not None
    assert (record.status, record.file_name, record.received_at) == ("claimed", "r.xlsx", T0)
    ledger.finish(
        id, FakeResult("failed", error_count=2, outputs={"errors": "/o/e.xlsx"}), Path("/a/x")
    )
    record = ledger.get(id)
    assert record is not None
    assert ledger.unfinished() == []
    assert (record.status, record.error_count, record.warning_count) == ("failed", 2, 1)
    assert record.outputs == {"errors": "/o/e.xlsx"} and record.finished_at is not None


def test_values_are_kept_for_passed_and_failed_reports_and_fees_stay_exact(
    ledger: Ledger,
) -> None:
    """What the pipeline hands over (a real `ProcessResult`), read back as the summary and the
    cross-year checks read it: the fee exactly, to the last of its decimals."""
    sub = make_submission(fees_amount="0.1235", penalty_decisions=3)
    passed, failed = take(ledger, "aa"), take(ledger, "bb")
    for id, status in ((passed, "passed"), (failed, "failed")):
        result = ProcessResult(file="r.xlsx", status=status, findings=[], submission=sub)
        ledger.finish(id, result, Path(f"/a/{id}"))
    stored = ledger.get(passed).values  # type: ignore[union-attr]
    assert stored is not None and stored["agency_name"] == "后河镇人民政府"
    assert stored_number("fees_amount", stored["fees_amount"]) == Decimal("0.1235")
    assert stored_number("penalty_decisions", stored["penalty_decisions"]) == 3
    assert set(stored) == set(sub.values)
    # a failed report's values are kept too (history is what was published), never accepted
    assert ledger.get(failed).values == stored  # type: ignore[union-attr]


def test_archiving_is_recorded_separately(ledger: Ledger) -> None:
    id = take(ledger, "aa")
    ledger.finish(id, FakeResult("rejected", agency=None, year=None), Path("/a/rejected/x"))
    assert [r.archived_path for r in ledger.unarchived()] == [Path("/a/rejected/x")]
    ledger.mark_archived(id, Path("/a/rejected/x-2"))
    assert ledger.unarchived() == []
    assert ledger.get(id).archived_path == Path("/a/rejected/x-2")  # type: ignore[union-attr]


def test_duplicates_point_at_the_original(ledger: Ledger) -> None:
    first = take(ledger, "aa")
    second = take(ledger, "aa", 1)
    original = ledger.find_original("aa", before=second)
    assert original is not None and original.id == first  # still in hand: still the original
    assert ledger.find_original("aa", before=first) is None
    assert ledger.find_done("aa") is None
    ledger.finish(first, FakeResult("passed"), Path("/a/1"))
    ledger.mark_duplicate(second, ledger.get(first), Path("/a/dup"))  # type: ignore[arg-type]
    dup = ledger.get(second)
    assert dup is not None
    assert (dup.status, dup.duplicate_of, dup.agency) == ("duplicate", first, "后河镇人民政府")
    third = take(ledger, "aa", 2)
    assert ledger.find_original("aa", before=third).id == first  # type: ignore[union-attr]
    assert ledger.find_done("aa").id == first  # type: ignore[union-attr]


def test_records_is_the_audit_trail_in_order(ledger: Ledger) -> None:
    a, b = take(ledger, "aa", 0, "a.xlsx"), take(ledger, "bb", 1, "b.xlsx")
    assert [(r.id, r.file_name) for r in ledger.records()] == [(a, "a.xlsx"), (b, "b.xlsx")]


def test_attempts_count_starts(ledger: Ledger) -> None:
    id = take(ledger, "aa")
    assert [ledger.begin_attempt(id) for _ in range(3)] == [1, 2, 3]


def test_latest_and_accepted(ledger: Ledger) -> None:
    a1 = take(ledger, "a1", 0)
    a2 = take(ledger, "a2", 5)
    b1 = take(ledger, "b1", 1)
    ledger.finish(a1, FakeResult("passed", values={"x": 1}), Path("/a/1"))
    ledger.finish(a2, FakeResult("failed"), Path("/a/2"))
    ledger.finish(b1, FakeResult("passed", agency="县公安局", values={"x": 2}), Path("/a/3"))
    assert [(r.agency, r.id) for r in ledger.latest()] == [("县公安局", b1), ("后河镇人民政府", a2)]
    assert ledger.latest(2020) == []
    accepted = ledger.accepted("后河镇人民政府", 2021)
    assert accepted is not None and accepted.id == a1 and accepted.values == {"x": 1}
    assert ledger.accepted("后河镇人民政府", 2020) is None


def test_published_is_the_latest_received_passed_or_failed(ledger: Ledger) -> None:
    old, new, rejected = take(ledger, "a1", 0), take(ledger, "a2", 5), take(ledger, "a3", 9)
    ledger.finish(new, FakeResult("passed"), Path("/a/2"))
    ledger.finish(old, FakeResult("failed"), Path("/a/1"))  # finished last, received first
    ledger.finish(rejected, FakeResult("rejected"), Path("/a/3"))
    assert ledger.published("后河镇人民政府", 2021).id == new  # type: ignore[union-attr]
    assert ledger.published("后河镇人民政府", 2020) is None


def test_persists_across_reopen_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        id = take(ledger, "aa")
    with Ledger(path) as ledger:
        assert [r.id for r in ledger.unfinished()] == [id]
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_status_is_constrained(ledger: Ledger) -> None:
    id = take(ledger, "aa")
    with pytest.raises(sqlite3.IntegrityError):
        ledger.finish(id, FakeResult("maybe"), Path("/a/1"))
    assert ledger.get(id).status == "claimed"  # type: ignore[union-attr]


def test_many_processes_opening_a_fresh_ledger_at_once_all_succeed(tmp_path: Path) -> None:
    """The daemon and `workflow process` runs may create the same new ledger together."""
    import subprocess
    import sys
    import time

    path = tmp_path / "state" / "ledger.sqlite3"
    code = (
        "import sys, time; from pathlib import Path; from workflow.office.ledger import Ledger\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all open at one moment\n"
        "with Ledger(Path(sys.argv[1])) as ledger:\n    ledger.records()\n"
    )
    start = str(time.time() + 1.5)
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), start], stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
