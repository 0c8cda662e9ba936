"""Issue 18: "latest" is the submission claimed last, never the one with the latest clock time.

The clock of the office server goes back an hour (for real: the daemon runs under
`faketime`) between a failing report and its corrected, passing version. The corrected one
must stand: `status` says 已通过, the outbox shows the passing outputs, and neither changes when
the daemon restarts with the clock right again.
"""

from __future__ import annotations

import glob
import json
import time
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office, Watch
from workflow.config import load_config
from workflow.office.ledger import Ledger, ledger_path
from workflow.office.year import year_states

pytestmark = pytest.mark.slow

LIBFAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))), None)
AGENCY = "后河镇人民政府"


def skewed(office: Office, offset: str) -> Watch:
    """`workflow watch` whose clock runs `offset` off (libfaketime preloaded, multi-threaded:
    the daemon itself, so that a stop signal reaches it as it would in production)."""
    assert LIBFAKETIME is not None
    office.env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": offset}
    try:
        return office.start()
    finally:
        office.env = {}


def started(office: Office, count: int) -> bool:
    log = office.state / "logs" / "workflow.log"
    return log.exists() and log.read_text("utf-8").count("开始监视收件箱") >= count


@pytest.mark.skipif(LIBFAKETIME is None, reason="libfaketime is missing (apt-get install faketime)")
def test_a_clock_set_back_brings_back_no_older_verdict(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = Office(tmp_path, workers=1)
    config = load_config(office.config)
    folder = office.outbox / "2021" / AGENCY

    def shown() -> tuple[str, str, list[str]]:
        record = json.loads((folder / "result.json").read_text("utf-8"))
        [state] = [s for s in year_states(config, 2021) if s.agency == AGENCY]
        return record["file"], state.status, sorted(p.name for p in folder.glob("*.xlsx"))

    passing = ("改正.xlsx", "passed", [])
    watch = office.start()
    try:
        office.drop("初稿.xlsx", make_workbook("a.xlsx", apply_new_natural=5).read_bytes())
        office.wait(office.done, what="the failing report")
    finally:
        assert watch.terminate()[0] == 0
    assert shown()[:2] == ("初稿.xlsx", "failed")

    watch = skewed(office, "-1h")  # the clock goes back an hour
    try:
        office.wait(lambda: started(office, 2), what="the daemon under faketime")
        office.drop("改正.xlsx", make_workbook("b.xlsx").read_bytes())
        office.wait(office.done, what="the corrected report")
        time.sleep(1.0)  # room for a wrong republication of the older verdict
        assert shown() == passing
    finally:
        assert watch.terminate()[0] == 0
    log = office.state / "logs" / "workflow.log"
    assert "重新生成" not in log.read_text("utf-8")
    with Ledger(ledger_path(config), readonly=True) as ledger:
        first, second = ledger.records()
    assert second.received_at < first.received_at, "the clock really went back"
    assert (first.seq, second.seq) == (1, 2)

    watch = office.start()  # the clock is right again
    try:
        office.wait(lambda: started(office, 3), what="the restart")
        time.sleep(1.5)  # recovery checks what the outbox shows
        assert shown() == passing
    finally:
        assert watch.terminate()[0] == 0
    assert shown() == passing
    assert "重新生成" not in log.read_text("utf-8")
