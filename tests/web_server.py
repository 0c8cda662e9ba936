"""`workflow web` as a real process on 127.0.0.1 at a free port, for the browser tests and the
benchmark; stopped by its pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.mail_servers import free_port, wait_port

WEB = [sys.executable, "-c", "from workflow.cli import main; main()", "web"]


class WebServer:
    def __init__(self, config_path: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(
                [*WEB, "--listen", f"127.0.0.1:{self.port}", "--config", str(config_path)],
                stdout=err,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_port(self.port, 20)
        except RuntimeError:
            self.stop()
            raise RuntimeError(log.read_text("utf-8", errors="replace")) from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
