"""The watchdog observer of the inbox: a hint, watched over.

Its events only wake the daemon's loop early and say which files arrived by rename (complete
at once); a scan of the inbox decides what to do. `ObserverGuard` starts it, notices when its
threads died or the inbox folder was replaced, and restarts it with a growing pause; in
between, and where no observer can be had at all (an inotify limit, a network share), the
scans do all the work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from queue import SimpleQueue

from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from workflow.config import Config
from workflow.intake.folder.inbox import is_ignored

__all__ = ["ObserverGuard", "new_observer"]

log = logging.getLogger("workflow.intake.daemon")

_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
]
"""Not opened / closed-without-write: our own reads of inbox files must not wake us."""


class _Hints(FileSystemEventHandler):
    """Runs in the observer thread: wakes the loop; reports names that arrived by rename."""

    def __init__(self, inbox: Path, renamed: SimpleQueue[str], wake: threading.Event) -> None:
        self.inbox, self.renamed, self.wake = inbox, renamed, wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, FileMovedEvent) and event.dest_path:
            dest = Path(os.fsdecode(event.dest_path))
            if dest.parent == self.inbox and not is_ignored(dest.name):
                self.renamed.put(dest.name)
        self.wake.set()


def new_observer(polling: bool, interval: float) -> BaseObserver:
    return PollingObserver(timeout=interval) if polling else Observer()


class ObserverGuard:
    """Starts the observer, notices when its threads died or the inbox folder was replaced,
    and restarts it with a growing pause; in between, the scans do all the work."""

    def __init__(self, config: Config, renamed: SimpleQueue[str], wake: threading.Event) -> None:
        self.config = config
        self.handler = _Hints(config.inbox, renamed, wake)
        self.observer: BaseObserver | None = None
        self.failures = 0
        self.retry_at = 0.0
        self.inbox_id: tuple[int, int] | None = None
        self.started = 0.0

    def _inbox_id(self) -> tuple[int, int] | None:
        try:
            st = self.config.inbox.stat()
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def start(self) -> None:
        interval = min(1.0, self.config.watch.scan_interval)
        observer = None
        try:
            observer = new_observer(self.config.watch.polling, interval)
            observer.schedule(self.handler, str(self.config.inbox), event_filter=_EVENTS)
            observer.start()
        except Exception as exc:
            if observer is not None:
                with contextlib.suppress(Exception):
                    observer.stop()
            self.failures += 1
            self.retry_at = time.monotonic() + min(300.0, 2.0**self.failures)
            log.warning("无法启动文件监视（%s），暂时只靠定期扫描收件箱", exc)
            return
        self.observer, self.inbox_id, self.started = observer, self._inbox_id(), time.monotonic()
        log.debug("文件监视已启动：%s", type(observer).__name__)

    def _alive(self) -> bool:
        observer = self.observer
        return (
            observer is not None
            and observer.is_alive()
            and all(e.is_alive() for e in observer.emitters)
            and self._inbox_id() == self.inbox_id
        )

    def check(self) -> None:
        if self.observer is None:
            if time.monotonic() >= self.retry_at:
                self.start()
            return
        if self._alive():
            if time.monotonic() - self.started > 60:
                self.failures = 0
            return
        log.warning("文件监视线程已停止或收件箱被替换，正在重新启动文件监视")
        self.stop()
        self.failures += 1
        self.retry_at = time.monotonic() + min(300.0, 2.0 ** (self.failures - 1))

    def stop(self) -> None:
        if self.observer is not None:
            with contextlib.suppress(Exception):
                self.observer.stop()
                self.observer.join(timeout=5)
            self.observer = None
