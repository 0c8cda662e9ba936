"""The runners of the daemon's work: in-process (one worker), or a pool of spawned processes.

A worker process only runs `jobs.run_job`; the main process owns the ledger and the archive.
Workers ignore SIGINT and SIGTERM (the main process decides when to stop) and exit at once when
the main process dies; the main process ends them with SIGKILL when it must (a stuck file at
stop, a pool broken by a dead worker), so no worker outlives the pool it belongs to.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from workflow.config import Config
from workflow.intake.folder.jobs import Done, Job, run_job

__all__ = ["make_runner"]

log = logging.getLogger("workflow.intake.daemon")


class _InlineRunner:
    capacity = 1
    isolated = False

    def __init__(self, config: Config, wake: threading.Event) -> None:
        from workflow.flow import pipeline  # noqa: F401 - import the heavy modules now, not with the first file

        self.config = config

    def submit(self, job: Job) -> Future[Done]:
        future: Future[Done] = Future()
        start = time.perf_counter()
        try:
            with _time_limit(self.config.watch.file_seconds):
                done = run_job(job, self.config)
        except _TooSlow:
            done = Done(job, None, time.perf_counter() - start, too_slow=True)
        future.set_result(done)
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


class _TooSlow(BaseException):
    """Raised into an in-process file that ran past `[watch] file_seconds`. A BaseException,
    so that `run_job`'s net for bugs (`except Exception`) does not turn it into a crash."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the body with `_TooSlow` after `seconds` (SIGALRM), where that can be done: in
    the main thread of a POSIX process, as `workflow watch` runs the in-process runner. Else
    (a test driving the loop from a thread, Windows) without a limit; the XML cap still holds.
    Our writers write to temp files removed on any exception, so nothing half-written stays."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
            self.restart()
            future = self._pool.submit(run_job, job, self.config)
        future.add_done_callback(lambda _: self.wake.set())
        return future

    def restart(self, why: str = "处理进程意外退出") -> None:
        """A worker died, which breaks the whole pool, or a file ran past `[watch]
        file_seconds`: end every process of the old pool before any of its files runs again,
        so that no file is ever in two processes at once (the old pool's other workers ignore
        SIGTERM and would finish their file beside the new run)."""
        log.warning("%s，重新启动处理进程", why)
        self._end_workers()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        self._warm_up()

    def _warm_up(self) -> None:
        """Start the new workers and let them import before any file is handed out: a file's
        `[watch] file_seconds` counts from its submission, and must not be spent on a worker
        starting up (seconds on a loaded machine)."""
        warming = [self._pool.submit(_warm) for _ in range(self.capacity)]
        with contextlib.suppress(Exception):  # a pool that broke again: the loop sees it
            concurrent.futures.wait(warming, timeout=60)

    def _end_workers(self) -> None:
        # No public way to end a worker before Python 3.14's terminate_workers().
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()  # SIGKILL: workers ignore SIGTERM (see _worker_init)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(5)

    def shutdown(self, wait: bool = True) -> None:
        """Wait for the workers; or, when a file hangs, end them (its row stays claimed)."""
        if not wait:
            self._end_workers()
        self._pool.shutdown(wait=wait, cancel_futures=True)


def make_runner(config: Config, wake: threading.Event) -> _InlineRunner | _PoolRunner:
    if config.watch.workers > 1:
        try:
            return _PoolRunner(config, config.watch.workers, wake)
        except (OSError, ImportError, NotImplementedError) as exc:
            log.warning("无法启动多个处理进程（%s），改为单进程处理", exc)
    return _InlineRunner(config, wake)
