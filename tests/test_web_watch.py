"""`workflow watch` with `[web] enabled = true`: the page runs in a process of its own, so a
page that dies never stops the judging of files (and is started again), a stopped daemon
stops its page, and a daemon killed outright leaves no page holding the port."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office, alive
from tests.mail_servers import free_port, wait_port
from tests.web_helpers import CLERK, PASSWORD
from workflow.config import load_config
from workflow.web.data import year_view
from workflow.web.users import UserFile

pytestmark = pytest.mark.slow


def web_children(pid: int) -> list[int]:
    """The `workflow web` processes the daemon `pid` started."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"web" in cmdline:
                found.append(int(child))
    return found


def wait(until, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def login_page(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            return int(response.status)
    except (urllib.error.URLError, ConnectionError):
        return 0


@pytest.fixture
def office(office: Office) -> Office:  # the harness's office, with the page turned on
    port = free_port()
    text = office.config.read_text("utf-8")
    office.config.write_text(
        text + f'\n[web]\nenabled = true\nlisten = "127.0.0.1:{port}"\n', "utf-8"
    )
    office.web_port = port  # type: ignore[attr-defined]
    UserFile(office.state / "web-users.json").add(CLERK, PASSWORD)
    return office


def test_a_killed_page_never_stops_the_daemon_and_comes_back(
    office: Office, make_workbook: MakeWorkbook
) -> None:
    port = office.web_port  # type: ignore[attr-defined]
    watch = office.start()
    wait_port(port, 30)
    assert login_page(port) == 200
    (first,) = web_children(watch.proc.pid)

    os.kill(first, signal.SIGKILL)
    wait(lambda: login_page(port) == 0, 10, "the page is down")
    office.drop("report.xlsx", make_workbook("r.xlsx").read_bytes())
    wait(lambda: len(office.results()) == 1, 60, "the daemon judged the file")
    assert watch.proc.poll() is None

    def judged_rows() -> list:
        return [r for r in year_view(load_config(office.config), 2021).rows if r.state.files]

    # result.json is written before the ledger row (the folders are the truth, the ledger
    # their index): on a loaded machine the row may come a moment after the file
    wait(lambda: len(judged_rows()) == 1, 20, "the ledger has the file's row")
    (row,) = judged_rows()
    assert (row.label, row.via) == ("已通过", "收件箱")  # how it came: the inbox
    # the supervisor notices on its own beat, which a loaded machine may put after the file
    wait(lambda: "网页进程已退出（退出码 -9）" in watch.text(), 20, "the exit was logged")

    wait(lambda: login_page(port) == 200, 30, "the page is started again")
    (second,) = web_children(watch.proc.pid)
    assert second != first

    code, _ = watch.terminate()
    assert code == 0, watch.text()
    wait(lambda: not alive(second), 10, "the page stops with the daemon")


def test_a_daemon_killed_outright_leaves_no_page_behind(office: Office) -> None:
    port = office.web_port  # type: ignore[attr-defined]
    watch = office.start()
    wait_port(port, 30)
    (page,) = web_children(watch.proc.pid)
    watch.power_cut()  # the daemon's process group: the page has a session of its own
    wait(lambda: not alive(page), 10, "the page ends when its daemon is gone")
    assert login_page(port) == 0


def test_no_web_user_means_no_page_but_the_daemon_runs(
    office: Office, make_workbook: MakeWorkbook
) -> None:
    UserFile(office.state / "web-users.json").remove(CLERK)
    watch = office.start()
    office.drop("report.xlsx", make_workbook("r.xlsx").read_bytes())
    wait(lambda: len(office.results()) == 1, 60, "the daemon judged the file")
    assert web_children(watch.proc.pid) == []
    assert "还没有网页用户" in watch.text()
    watch.terminate()
