"""`workflow watch` with `[web] enabled = true`: the page in a child process of its own.

The daemon and the page share nothing but the ledger (SQLite, WAL: the page only reads, and
writes its audit rows in short transactions), so neither can take the other down: a web
process that crashes, is killed or cannot bind its port is started again by this thread (after
5 s, doubling to at most 5 minutes while it keeps failing) while the daemon judges files on;
a failure inside the daemon never reaches the page's process. When the daemon stops, the page
is stopped with it (SIGTERM, then SIGKILL after 5 s); killed outright, the daemon leaves a page
that ends itself (see `serve`).

The child is `workflow web` itself, started with the same config file.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from workflow.config import Config
from workflow.web.serve import PARENT_ENV

__all__ = ["WebChild"]

log = logging.getLogger("workflow.web")
FIRST_PAUSE = 5.0
LONGEST_PAUSE = 300.0
STEADY_SECONDS = 60.0
"""A child that ran this long before it died was not failing to start: the pause starts over."""


class WebChild(threading.Thread):
    """Keeps one `workflow web` child process running until `stop()`."""

    def __init__(self, config: Config) -> None:
        super().__init__(name="web-supervisor", daemon=True)
        self.config = config
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self.starts = 0

    def command(self) -> list[str]:
        cmd = [sys.executable, "-c", "from workflow.cli import main; main()", "web"]
        if self.config.source is not None:
            cmd += ["--config", str(self.config.source)]
        return cmd

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        self.starts += 1
        # a session of its own: a Ctrl-C meant for the daemon's terminal is the daemon's to
        # pass on (stop() below), and a kill of the page's process group spares the daemon
        return subprocess.Popen(self.command(), env=env, start_new_session=True)

    def run(self) -> None:
        pause = FIRST_PAUSE
        while not self._stopping.is_set():
            try:
                self.proc = self._spawn()
            except OSError as exc:
                log.error("网页进程无法启动：%s", exc)
                self.proc = None
            started = time.monotonic()
            while self.proc is not None and self.proc.poll() is None:
                if self._stopping.wait(0.5):
                    return
            if self._stopping.is_set():
                return
            code = self.proc.returncode if self.proc is not None else None
            if time.monotonic() - started > STEADY_SECONDS:
                pause = FIRST_PAUSE
            log.error(
                "网页进程已退出（退出码 %s），%g 秒后重新启动；监视收件箱不受影响", code, pause
            )
            if self._stopping.wait(pause):
                return
            pause = min(LONGEST_PAUSE, pause * 2)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.join(timeout)
