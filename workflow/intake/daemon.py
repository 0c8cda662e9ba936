"""`workflow watch`: the long-running daemon around `watch_loop.WatchLoop`.

The watchdog observer is only a hint: its events wake the loop early and say which files
arrived by rename; a scan of the inbox at every wake-up, and at least every `scan_interval`,
decides what to do. So a missed, repeated or reordered event, an observer thread that died (it
is restarted; meanwhile the scans carry on) or a network share without events changes nothing
but latency.

Work runs in a process pool of `[watch] workers` spawned processes (one: in-process); the main
process owns the ledger and the archive. SIGTERM / Ctrl-C sets the stop event: the files in
hand are finished, claimed-but-queued ones stay claimed for the next start, exit code 0.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from logging.handlers import RotatingFileHandler
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import IO

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
from workflow.intake.inbox import is_ignored
from workflow.intake.jobs import Done, Job, run_job
from workflow.intake.loop import WatchLoop
from workflow.office.ledger import Ledger

__all__ = ["run_daemon"]

log = logging.getLogger("workflow.intake.daemon")

_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
]
"""Not opened / closed-without-write: our own reads of inbox files must not wake us."""
MIN_STEP_SECONDS = 0.02


def run_daemon(
    config: Config, *, stop: threading.Event | None = None, verbose: bool = False
) -> int:
    """Watch the inbox until `stop` is set (or SIGTERM / SIGINT); returns the exit code:
    0 after a clean stop, 1 if another daemon uses the same state folder or on a failure that
    is not one file's (logged with its traceback; claimed files are taken again at next start)."""
    stop = stop or threading.Event()
    wake = threading.Event()
    handlers = _setup_logging(config.state / "logs", verbose)
    lock = _lock(config.state / "daemon.lock")
    restore_signals = _on_stop_signals(stop, wake) if lock else (lambda: None)
    try:
        if lock is None:
            log.error("另一个 workflow watch 正在使用同一个 state 文件夹：%s", config.state)
            return 1
        _serve(config, stop, wake)
        log.info("已停止")
        return 0
    except Exception:
        log.exception("监视程序意外退出（已领取的文件将在下次启动时继续处理）")
        return 1
    finally:
        restore_signals()
        if lock is not None:
            lock.close()
        for handler in handlers:
            logging.getLogger("workflow").removeHandler(handler)
            handler.close()


def _serve(config: Config, stop: threading.Event, wake: threading.Event) -> None:
    renamed: SimpleQueue[str] = SimpleQueue()
    with Ledger(config.state / "ledger.sqlite3") as ledger:
        runner = _make_runner(config, wake)
        guard = _ObserverGuard(config, renamed, wake)
        loop = WatchLoop(config, ledger, runner)
        log.info(
            "开始监视收件箱 %s（%s，%d 个处理进程）；结果写入 %s",
            config.inbox, "轮询模式" if config.watch.polling else "事件模式", runner.capacity,
            config.outbox,
        )  # fmt: skip
        finished = False
        mail = _start_mail(config, stop)
        try:
            loop.recover()  # creates the folders the observer watches
            guard.start()
            while not stop.is_set():
                stepped = time.monotonic()
                _guarded(guard.check)
                loop.hint_renamed(_drain(renamed))
                _guarded(loop.step)
                wake.wait(loop.wait_time(config.watch.scan_interval))
                wake.clear()
                # A storm of events (a big file copied in small writes) must not spin the loop.
                time.sleep(max(0.0, stepped + MIN_STEP_SECONDS - time.monotonic()))
            log.info("收到停止信号：处理完手头的文件后退出")
            finished = loop.drain()
            if not finished:
                log.warning("等待超时：未处理完的文件将在下次启动时继续处理")
        finally:
            guard.stop()
            runner.shutdown(wait=finished)
            if mail is not None:
                mail.join(30)


def _start_mail(config: Config, stop: threading.Event) -> threading.Thread | None:
    """The mail intake beside the folder intake when `[mail] enabled = true` (its own thread:
    an outage of one never stops the other; see `intake.mail.service`)."""
    if not config.mail.enabled:
        return None
    from workflow.intake.mail.service import MailService

    service = MailService(config, stop)
    service.start()
    return service


def _guarded(action: Callable[[], None]) -> None:
    """Never let one failure end the daemon: log it and go on (after a pause, not to spin)."""
    try:
        action()
    except Exception:
        log.exception("监视循环出错，继续运行")
        time.sleep(1.0)


def _drain(queue: SimpleQueue[str]) -> list[str]:
    names = []
    with contextlib.suppress(Empty):
        while True:
            names.append(queue.get_nowait())
    return names


# --- logging, single instance, signals ---------------------------------------------------------


def _setup_logging(folder: Path, verbose: bool) -> list[logging.Handler]:
    """A line per file to stderr and to a rotating log under state/logs."""
    folder.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handlers: list[logging.Handler] = [
        logging.StreamHandler(sys.stderr),
        RotatingFileHandler(
            folder / "workflow.log", maxBytes=5_000_000, backupCount=10, encoding="utf-8"
        ),
    ]
    logger = logging.getLogger("workflow")
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("watchdog.observers.inotify").addFilter(_quiet_watchdog_stop)
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    return handlers


def _quiet_watchdog_stop(record: logging.LogRecord) -> bool:
    """A harmless race inside watchdog when its observer stops: not worth a line on stderr."""
    return "thread is inactive" not in record.getMessage()


def _lock(path: Path) -> IO[str] | None:
    """An exclusive lock on `path` held while the file stays open; None if another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the daemon's life
    try:
        fh.seek(0)
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    fh.truncate(0)
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def _on_stop_signals(stop: threading.Event, wake: threading.Event) -> Callable[[], None]:
    """SIGTERM / SIGINT (and SIGBREAK on Windows) set `stop`; returns a function that restores
    the previous handlers. Only the main thread may do this (tests run us in a thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: object) -> None:
        stop.set()
        wake.set()

    names = ("SIGTERM", "SIGINT", "SIGBREAK")
    previous = {s: signal.signal(s, handler) for n in names if (s := getattr(signal, n, None))}

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


# --- runners: in-process, or a pool of spawned processes ---------------------------------------


class _InlineRunner:
    capacity = 1
    isolated = False

    def __init__(self, config: Config, wake: threading.Event) -> None:
        from workflow.flow import pipeline  # noqa: F401 - import the heavy modules now, not with the first file

        self.config = config

    def submit(self, job: Job) -> Future[Done]:
        future: Future[Done] = Future()
        future.set_result(run_job(job, self.config))
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


def _worker_init() -> None:
    """In a worker: the main process decides when to stop (Ctrl-C reaches the whole process
    group), and a worker whose main process died (kill -9, power cut) exits at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch_parent() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=watch_parent, daemon=True).start()


def _warm() -> None:
    from workflow.flow import pipeline  # noqa: F401


class _PoolRunner:
    isolated = True  # a file can kill its worker, not the daemon

    def __init__(self, config: Config, workers: int, wake: threading.Event) -> None:
        self.config, self.capacity, self.wake = config, workers, wake
        self._pool = self._new_pool()
        for _ in range(workers):  # spawn and import now, not with the first file
            self._pool.submit(_warm)

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        return ProcessPoolExecutor(self.capacity, mp_context=context, initializer=_worker_init)

    def submit(self, job: Job) -> Future[Done]:
        try:
            future = self._pool.submit(run_job, job, self.config)
        except BrokenProcessPool:
            log.warning("处理进程意外退出，重新启动处理进程")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            future = self._pool.submit(run_job, job, self.config)
        future.add_done_callback(lambda _: self.wake.set())
        return future

    def shutdown(self, wait: bool = True) -> None:
        """Wait for the workers; or, when a file hangs, end them (its row stays claimed)."""
        if not wait:
            # No public way to end a hung worker before Python 3.14's terminate_workers().
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _make_runner(config: Config, wake: threading.Event) -> _InlineRunner | _PoolRunner:
    if config.watch.workers > 1:
        try:
            return _PoolRunner(config, config.watch.workers, wake)
        except (OSError, ImportError, NotImplementedError) as exc:
            log.warning("无法启动多个处理进程（%s），改为单进程处理", exc)
    return _InlineRunner(config, wake)


# --- the observer: a hint, watched over ---------------------------------------------------------


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


def _new_observer(polling: bool, interval: float) -> BaseObserver:
    return PollingObserver(timeout=interval) if polling else Observer()


class _ObserverGuard:
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
            observer = _new_observer(self.config.watch.polling, interval)
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
