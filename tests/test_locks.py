"""The state folder's lock files: created with their folder, held by one holder at a time."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from workflow.core.locks import state_lock


def test_the_lock_makes_its_folder_and_file(tmp_path: Path) -> None:
    state = tmp_path / "missing" / "state"
    with state_lock(state, "x.lock"):
        assert (state / "x.lock").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")
def test_a_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    events: list[str] = []

    def second() -> None:
        with state_lock(tmp_path, "x.lock"):
            events.append("second")

    with state_lock(tmp_path, "x.lock"):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.3)  # time for the second holder to try
        events.append("first done")
    waiter.join(5)
    assert events == ["first done", "second"]


def test_locks_of_other_names_do_not_wait_for_each_other(tmp_path: Path) -> None:
    with state_lock(tmp_path, "mail.lock"), state_lock(tmp_path, "ledger.repair.lock"):
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.repair.lock", "mail.lock"]
