"""Making faults for real in tests: immutable files (`chattr +i`), a full disk (a small tmpfs),
and a daemon loop driven step by step with an in-process runner.

The faults need root (chattr, mount); CI runs as root. Where the machine cannot make one, the
test is skipped with the reason, never passed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from workflow.config import Config
from workflow.intake.folder.jobs import Done, Job, run_job
from workflow.intake.folder.loop import WatchLoop

__all__ = ["InlineRunner", "full_disk", "immutable", "read_only", "settle_loop"]


def _need_root(tool: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"{tool} needs root to make this fault (CI runs as root)")
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed on this machine")


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """`chattr +i` on `paths` (nothing may be created, renamed or removed in an immutable
    folder, nor an immutable file changed) for the block; always undone."""
    _need_root("chattr")
    done = []
    try:
        for path in paths:
            made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            if made.returncode:
                pytest.skip(f"chattr +i is not supported here: {made.stderr.strip()}")
            done.append(path)
        yield
    finally:
        for path in done:
            subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` and filled up; yields the filler file (remove it
    to free the disk). Unmounted afterwards."""
    _need_root("mount")
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    filler = folder / "filler.bin"
    try:
        with open(filler, "wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` as a read-only bind mount of itself for the block (root can write through
    chmod, not through a read-only mount)."""
    _need_root("mount")
    made = subprocess.run(
        ["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True
    )
    if made.returncode:
        pytest.skip(f"cannot bind-mount here: {made.stderr.strip()}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, text=True
        )
        if remount.returncode:
            pytest.skip(f"cannot remount read-only here: {remount.stderr.strip()}")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


class InlineRunner:
    """Runs each job at once in this process, as the daemon's one-worker runner does; a
    job can be held back (`hold`) so a test can change things before it completes."""

    capacity = 1

    def __init__(self, config: Config) -> None:
        self.config = config
        self.held: list[tuple[Future[Done], Job]] = []
        self.hold = False

    def submit(self, job: Job) -> Future[Done]:
        future: Future[Done] = Future()
        if self.hold:
            self.held.append((future, job))
        else:
            future.set_result(run_job(job, self.config))
        return future

    def release(self) -> None:
        self.hold = False
        for future, job in self.held:
            future.set_result(run_job(job, self.config))
        self.held = []


def settle_loop(
    loop: WatchLoop, until: Callable[[], bool], timeout: float = 10.0, what: str = ""
) -> None:
    """Step `loop` until `until()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        loop.step()
        if until():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what or until.__name__}")
