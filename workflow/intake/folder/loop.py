"""The daemon's steady loop: claim ready inbox files, hand them to the workers, collect what
they finished, restart a pool whose worker died or whose file ran too long.

The main process owns the ledger and every move of an original; workers only run
`pipeline.process_file`, which writes the outputs. Files are claimed only when a worker is
free, so what waits is still visibly in the inbox. Recording a result and archiving the
original is `recording`'s; finishing what a crash left, at start, is `recovery`'s.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import datetime

from workflow.core.digest import sha256_file
from workflow.core.names import readable_name, shown
from workflow.core.oserrors import os_error_in, output_problem
from workflow.intake.folder.inbox import (
    claim,
    scan_inbox,
)
from workflow.intake.folder.jobs import Job, adopt_rejected_result
from workflow.intake.folder.recording import WORK_PLACE
from workflow.intake.folder.recovery import Recovery
from workflow.intake.folder.unreadable import unreadable_line
from workflow.office.inbox_notes import summary_years

__all__ = ["MAX_ATTEMPTS", "WatchLoop"]

log = logging.getLogger("workflow.intake.daemon")

REASON_TEXT = {"renamed": "已完整放入", "settled": "已写完", "gave_up": "长时间不是完整的工作簿"}
MAX_ATTEMPTS = 3
"""Starts before a file is given up as an internal error: a file that kills the daemon itself
(in-process mode) would otherwise do so again at every restart. Not enforced for an `isolated`
runner (the pool): there a file can only kill its worker (`_workers_died` deals with that), and
counting the daemon's own deaths (power cuts, kill -9) against the files in hand would give up
sound files, beside the complete outputs an earlier attempt may already have written."""
MAX_DEATHS = 3
"""Deaths of its worker while a file ran alone before it is given up: a sound file whose
worker the OOM killer took twice still gets judged."""
HOUSEKEEPING_SECONDS = 60.0


class WatchLoop(Recovery):
    """Driven by `daemon.run_daemon`: `recover()` once, then `step()` / `wait_time()` until
    stopped, then `drain()`."""

    def step(self) -> None:
        """Collect finished work, take ready files, hand out work."""
        self._collect()
        now = time.monotonic()
        if now - self._housekeeping > HOUSEKEEPING_SECONDS:
            self._housekeeping = now
            self._retry_archives()
            self._adopt_orphans()
        self.queue.extend(job for when, job in self._later if when <= now)
        self._later = [(when, job) for when, job in self._later if when > now]
        self._settle_changed()
        others: dict[str, str] = {}
        ready = self.readiness.update(scan_inbox(self.config.inbox, others))
        if self.unreadable.update(self.readiness.unreadable()):
            self.summaries.years.update(summary_years(self.config.outbox))
        for name in others.keys() - self._others.keys():
            log.warning(
                "收件箱中的 %s 是%s，不是普通文件，不会处理（请放入文件本身）",
                shown(readable_name(name)),
                others[name],
            )
        self._others = others
        free = self.runner.capacity - len(self.running) - len(self.queue)
        for item in ready[: max(0, free)]:
            self._take(item.name, item.reason, item.received_at, (item.size, item.mtime_ns))
        self._dispatch()
        self._collect()  # what an in-process runner has just finished
        self._stop_slow_files()
        self._refresh_summaries()

    def hint_renamed(self, names: list[str]) -> None:
        """Names the observer saw arrive by rename (complete files)."""
        for name in names:
            log.debug("改名到达：%s", name)
            self.readiness.hint_renamed(name)

    def wait_time(self, scan_interval: float) -> float:
        """Seconds until the next step is due, unless an event or a finished job comes first."""
        now = time.monotonic()
        waits = [scan_interval, *(when - now for when, _ in self._later)]
        if self.running and getattr(self.runner, "restart", None) is not None:
            limit = self.config.watch.file_seconds
            waits.append(min(self.started.get(f, now) for f in self.running) + limit - now)
        if self.changed:
            waits.append(self.config.watch.settle_seconds)
        busy = len(self.running) + len(self.queue) >= self.runner.capacity
        if not busy and (delay := self.readiness.delay()) is not None:
            waits.append(delay)  # (when busy, ready files wait for a finished job's wake-up)
        return max(0.0, min(waits))

    def drain(self, patience: float = 20.0) -> bool:
        """Finish the files in hand (queued ones stay claimed for the next start); False if
        some did not finish in time (they too are taken again at the next start)."""
        deadline = time.monotonic() + patience
        while self.running and time.monotonic() < deadline:
            time.sleep(0.02)
            self._collect()
        self._refresh_summaries(force=True)
        return not self.running

    def _take(self, name: str, reason: str, received_at: datetime, stat: tuple[int, int]) -> None:
        src = self.config.inbox / name
        try:
            st = src.stat()
            if (st.st_size, st.st_mtime_ns) != stat:
                return  # changed since it was judged: the next scan judges again
            display = readable_name(name)
            path = claim(src, self.work, received_at, display)
        except FileNotFoundError:
            self.readiness.forget(name)
            return
        except OSError as exc:  # e.g. on Windows, still open in Excel
            log.warning("暂时无法取走 %s（稍后重试）：%s", shown(display), output_problem(exc))
            self.readiness.defer(name, 5.0)
            return
        self.readiness.forget(name)
        log.info("收到：%s（%s）", shown(display), REASON_TEXT[reason])
        try:
            self._register(path, display, received_at)
        except OSError:  # unreadable since it was judged readable: taken up by _adopt_orphans
            self._unreadable_work.add(path)
            log.error(unreadable_line(path, WORK_PLACE))

    def _dispatch(self) -> None:
        while self.queue and len(self.running) < self.runner.capacity:
            job = self.queue[0]
            alone = job.id in self.suspects or self.suspects & {j.id for j in self.running.values()}
            if alone and self.running:
                return  # a file suspected of killing a worker runs alone
            if (
                not job.republish
                and job.id not in self.blocked  # a retry of a write, not of a crash
                and self.ledger.begin_attempt(job.id) > MAX_ATTEMPTS
                and not getattr(self.runner, "isolated", False)
            ):
                self.queue.popleft()
                self._internal_error(job, RuntimeError("多次处理均意外中断"))
                continue
            if job.id in self.too_slow:  # its rejection could not be written: try again
                self.queue.popleft()
                self._give_up_slow(job)
                continue
            future = self.runner.submit(job)  # in-process: runs now
            self.queue.popleft()
            self.running[future] = job
            self.started[future] = time.monotonic()

    def _collect(self) -> None:
        died: list[Job] = []
        for future in [f for f in self.running if f.done()]:
            job = self.running.pop(future)
            self.started.pop(future, None)
            try:
                done = future.result()
            except Exception:  # the worker process died (BrokenProcessPool)
                died.append(job)
                continue
            self.suspects.discard(job.id)
            if done.traceback:
                log.error("处理 %s 时程序出错：\n%s", shown(job.name), done.traceback.rstrip())
            if done.too_slow:  # stopped in-process after `[watch] file_seconds`
                self._give_up_slow(job)
                continue
            if done.blocked is not None:  # the office's problem: keep the file, try again
                pause = self.blocked.hold(job.id, job.name, done.blocked)
                self._later.append((time.monotonic() + pause, job))
                continue
            self.blocked.release(job.id)
            if job.republish:
                if done.result is not None and done.result.agency:
                    self._touched.add((done.result.agency, done.result.year))
            elif done.result is None:
                log.error("无法写出 %s 的结果，30 秒后重试", shown(job.name))
                self._later.append((time.monotonic() + 30, job))
            else:
                try:
                    self._record_result(job, done.result, done.seconds)
                except Exception as exc:  # the ledger or the archive failed (disk full?)
                    if os_error_in(exc) is None and not isinstance(exc, sqlite3.Error):
                        log.exception("无法登记 %s 的结果，30 秒后重新处理", shown(job.name))
                    else:
                        log.error(
                            "无法登记 %s 的结果，30 秒后重新处理：%s",
                            shown(job.name),
                            output_problem(exc),
                        )
                    self._later.append((time.monotonic() + 30, job))
        if died:
            self._workers_died(died)
        if self._touched:
            self._check_published()

    def _workers_died(self, jobs: list[Job]) -> None:
        """A worker died (a file that crashes the reader, or the OOM killer): the pool is
        restarted (every old worker ended first, so no file runs twice at once); each file in
        hand runs again, alone. A file is given up only when its worker died `MAX_DEATHS` times
        while it ran alone; the clerk is told why."""
        if (restart := getattr(self.runner, "restart", None)) is not None and not self.running:
            restart()
        for job in jobs:
            if (record := self.ledger.get(job.id)) is not None and not job.republish:
                adopted = adopt_rejected_result(self.config.outbox, record)
                if adopted is not None:  # the dead worker had finished its rejection
                    self._record_result(job, adopted, 0.0)
                    continue
            alone = job.id in self.suspects and len(jobs) == 1
            self.deaths[job.id] = self.deaths.get(job.id, 0) + (1 if alone else 0)
            if self.deaths[job.id] >= MAX_DEATHS:
                self.suspects.discard(job.id)
                self._internal_error(
                    job, RuntimeError(f"处理进程 {MAX_DEATHS} 次在单独处理它时意外退出")
                )
                continue
            log.warning("处理进程意外退出，%s 将单独重新处理", shown(job.name))
            self.suspects.add(job.id)
            self.queue.appendleft(job)

    def _stop_slow_files(self) -> None:
        """A file still running after `[watch] file_seconds` (a workbook huge under the XML
        cap, a reader gone slow) must not hold the others up: the pool is restarted (the only
        way to end one worker), the slow file rejected as `file.oversized`, and the other files
        in hand run again at once, their attempt not counted against them. A file that runs in
        the daemon itself (`workers = 1`) is stopped there (`runners._time_limit`)."""
        restart = getattr(self.runner, "restart", None)
        if restart is None or not self.running:
            return
        now, limit = time.monotonic(), self.config.watch.file_seconds
        slow = [f for f in self.running if not f.done() and now - self.started.get(f, now) > limit]
        if not slow:
            return
        ended = {f: self.running.pop(f) for f in list(self.running) if not f.done()}
        for future in ended:
            self.started.pop(future, None)
        names = "、".join(shown(ended[f].name) for f in slow)
        restart(f"{names} 处理超过 {limit:g} 秒仍未完成，按“文件异常”退回")
        for future, job in ended.items():
            if future in slow and not job.republish:
                self._give_up_slow(job)
            else:
                self.queue.appendleft(job)

    def _settle_changed(self) -> None:
        """Claimed files that changed after they were claimed, now settled: judged again on
        their final bytes (see `changed.Changed`)."""
        lost, settled = self.changed.poll()
        for job in lost:
            self._internal_error(job, FileNotFoundError("处理中的文件丢失"))
        for job in settled:
            self.ledger.rehash(job.id, sha256_file(job.path))
            record = self.ledger.get(job.id)
            assert record is not None
            self._admit(record)
