"""`workflow watch`: the long-running daemon around `folder.loop.WatchLoop`.

The watchdog observer (`folder.observer`) is only a hint: its events wake the loop early and
say which files arrived by rename; a scan of the inbox at every wake-up, and at least every
`scan_interval`, decides what to do. So a missed, repeated or reordered event, an observer
thread that died (it is restarted; meanwhile the scans carry on) or a network share without
events changes nothing but latency.

Work runs in a process pool of `[watch] workers` spawned processes (one: in-process); the main
process owns the ledger and the archive. SIGTERM / Ctrl-C sets the stop event: the files in
hand are finished, claimed-but-queued ones stay claimed for the next start, exit code 0; a file
that does not finish within `[watch] stop_seconds` has its worker ended (SIGKILL) and stays
claimed too, so a stop never waits on a stuck worker.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from queue import Empty, SimpleQueue

from workflow.config import Config
from workflow.intake.folder.loop import WatchLoop
from workflow.intake.folder.observer import ObserverGuard
from workflow.intake.folder.runners import make_runner
from workflow.intake.folder.state_guard import LOCK_NAME, StateGuard, take_lock
from workflow.office.rebuild import open_repaired, replace_overwritten

__all__ = ["run_daemon"]

log = logging.getLogger("workflow.intake.daemon")

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
    lock = take_lock(config.state / LOCK_NAME)
    restore_signals = _on_stop_signals(stop, wake) if lock else (lambda: None)
    try:
        if lock is None:
            log.error("另一个 workflow watch 正在使用同一个 state 文件夹：%s", config.state)
            return 1
        guard = StateGuard(config.state, lock)
        code = _serve(config, stop, wake, guard, handlers)
        lock = guard.lock
        log.info("已停止")
        return code
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


def _serve(
    config: Config,
    stop: threading.Event,
    wake: threading.Event,
    state: StateGuard,
    handlers: list[logging.Handler],
) -> int:
    renamed: SimpleQueue[str] = SimpleQueue()
    ledger = open_repaired(config)
    try:
        runner = make_runner(config, wake)
    except BaseException:
        ledger.close()
        raise
    guard = ObserverGuard(config, renamed, wake)
    log.info(
        "开始监视收件箱 %s（%s，%d 个处理进程）；结果写入 %s",
        config.inbox,
        "轮询模式" if config.watch.polling else "事件模式",
        runner.capacity,
        config.outbox,
    )
    finished = False
    mail = _start_mail(config, stop)
    try:
        while True:  # again only when the ledger broke under the running daemon
            state.watch(ledger, handlers)
            loop = WatchLoop(config, ledger, runner)
            loop.recover()  # creates the folders the observer watches
            if guard.observer is None and not guard.failures:
                guard.start()
            outcome = _watch(config, loop, guard, state, stop, wake, renamed)
            if outcome == "ledger":
                loop.drain(config.watch.stop_seconds)  # (what cannot be recorded is redone)
                ledger = replace_overwritten(ledger, config)
                continue
            if outcome == "stop":
                log.info("收到停止信号：处理完手头的文件后退出")
                finished = loop.drain(config.watch.stop_seconds)
                if not finished:
                    log.warning(
                        "等待 %g 秒仍未处理完，结束处理进程：未处理完的文件将在下次启动时继续处理",
                        config.watch.stop_seconds,
                    )
            return 1 if outcome == "taken" else 0
    finally:
        ledger.close()
        guard.stop()
        runner.shutdown(wait=finished)
        if mail is not None:
            mail.join(30)


def _watch(
    config: Config,
    loop: WatchLoop,
    guard: ObserverGuard,
    state: StateGuard,
    stop: threading.Event,
    wake: threading.Event,
    renamed: SimpleQueue[str],
) -> str:
    """Step until stopped ('stop'), another daemon took the state folder ('taken'), or the
    ledger broke under the daemon ('ledger': it is reopened, and rebuilt if damaged)."""
    while not stop.is_set():
        stepped = time.monotonic()
        _guarded(guard.check)
        loop.hint_renamed(_drain(renamed))
        try:
            loop.step()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):  # busy, disk full: not damage
                log.error("台账暂时无法写入（%s），稍后重试", exc)
                time.sleep(1.0)
            else:
                log.error("台账读写出错（%s）：重新打开台账，损坏时另存并重建", exc)
                return "ledger"
        except Exception:
            log.exception("监视循环出错，继续运行")
            time.sleep(1.0)
        if not _state_kept(state):
            return "taken"
        if state.ledger_overwritten():
            log.error("台账文件被覆盖：重新打开台账，另存损坏的文件并重建")
            return "ledger"
        wake.wait(loop.wait_time(config.watch.scan_interval))
        wake.clear()
        # A storm of events (a big file copied in small writes) must not spin the loop.
        time.sleep(max(0.0, stepped + MIN_STEP_SECONDS - time.monotonic()))
    return "stop"


def _state_kept(state: StateGuard) -> bool:
    """False only when another daemon took over the state folder (see `StateGuard`)."""
    try:
        return state.intact() or state.check()
    except Exception:
        log.exception("无法重新创建 state 文件夹，继续运行")
        time.sleep(1.0)
        return True


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


_lock = take_lock  # the name tests and older callers know


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
