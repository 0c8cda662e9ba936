"""The daemon's work: claim ready inbox files, process them (in workers), record, archive.

The main process owns the ledger and every move of an original; workers only run
`pipeline.process_file`, which writes the outputs. Each step is recorded before the next starts,
so that whatever a crash interrupts, `recover()` at the next start can finish it:

    inbox --claim (rename)--> state/work/<received>-<name> --ledger.claim--> process (worker)
    --> ledger.finish (+ archive path) --> move to archive --> ledger.mark_archived

Files are claimed only when a worker is free, so what waits is still visibly in the inbox. Same
bytes as an earlier submission: not processed again; the original goes to `<archive>/duplicates/`
and its ledger row names the submission it repeats (`duplicate_of`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.names import readable_name, shown
from workflow.core.oserrors import os_error_in, output_problem
from workflow.core.outcome import REJECTED, STATUS_LABELS, ProcessResult
from workflow.flow.pipeline import reject_internal_error
from workflow.intake.folder.blocked import Blocked
from workflow.intake.folder.changed import Changed
from workflow.intake.folder.inbox import (
    Readiness,
    archive_target,
    claim,
    move_no_clobber,
    parse_work_name,
    remove_temp_files,
    scan_inbox,
    unique_path,
)
from workflow.intake.folder.jobs import Done, Job, Runner, adopt_rejected_result
from workflow.intake.folder.publish import Summaries, stale_published
from workflow.intake.memory import release_free_memory
from workflow.office.ledger import Ledger, Record

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


class WatchLoop:
    """Driven by `daemon.run_daemon`: `recover()` once, then `step()` / `wait_time()` until
    stopped, then `drain()`."""

    def __init__(self, config: Config, ledger: Ledger, runner: Runner) -> None:
        self.config, self.ledger, self.runner = config, ledger, runner
        self.work = config.state / "work"
        watch = config.watch
        self.readiness = Readiness(config.inbox, watch.settle_seconds, watch.give_up_seconds)
        self.queue: deque[Job] = deque()
        self.running: dict[Future[Done], Job] = {}
        self.suspects: set[int] = set()
        self.deaths: dict[int, int] = {}
        self._later: list[tuple[float, Job]] = []
        self._touched: set[tuple[str, int | None]] = set()
        self.summaries = Summaries()
        self._housekeeping = time.monotonic()
        self.blocked = Blocked(config.state)
        self._others: dict[str, str] = {}
        self.changed = Changed(watch.settle_seconds, watch.give_up_seconds)

    # --- startup and housekeeping ----------------------------------------------------------------

    def recover(self) -> None:
        """Finish what a crash or a stop left: temp files, unarchived originals, claimed rows
        never finished, and files in the working folder that never reached the ledger."""
        for folder in (self.config.inbox, self.work, self.config.outbox, self.config.archive):
            folder.mkdir(parents=True, exist_ok=True)
        for path in remove_temp_files(self.work, self.config.outbox, self.config.archive):
            log.info("清理中断时留下的临时文件：%s", path)
        self._retry_archives()
        for record in self.ledger.unfinished():
            try:
                self._resume(record)
            except Exception:  # one bad leftover must not stop the others or the daemon
                log.exception("无法继续处理上次未完成的文件：%s", record.file_name)
        self._adopt_orphans()
        # A crash may have left an older submission's outputs in the outbox.
        self._touched.update((r.agency, r.year) for r in self.ledger.latest() if r.agency)
        self._check_published()

    def _resume(self, record: Record) -> None:
        if not record.claimed_path.exists():
            log.error("处理中的文件不见了（被手工删除？）：%s", record.claimed_path)
            self._internal_error(self._job(record), FileNotFoundError("处理中的文件丢失"))
        elif (adopted := adopt_rejected_result(self.config.outbox, record)) is not None:
            self._record_result(self._job(record), adopted, 0.0)
        else:
            log.info("继续处理上次未完成的文件：%s", record.file_name)
            self._admit(record)

    def _adopt_orphans(self) -> None:
        """Files moved into work/ whose ledger row was never written (a crash in between)."""
        in_hand = {job.path for job in (*self.queue, *self.running.values())}
        for path in sorted(self.work.iterdir()):
            parsed = parse_work_name(path.name)
            if parsed is None or path in in_hand or not path.is_file():
                continue
            if self.ledger.find_by_claimed_path(path) is None:
                log.info("继续处理上次未登记的文件：%s", parsed[1])
                try:
                    self._register(path, parsed[1], parsed[0])
                except OSError as exc:
                    log.error("无法读取 %s：%s", path, exc)

    def _retry_archives(self) -> None:
        in_hand = {job.id for job in (*self.queue, *self.running.values())}
        for record in self.ledger.unarchived():
            if record.id in in_hand or record.archived_path is None:
                continue
            if record.claimed_path.exists():
                self._archive(record.id, record.claimed_path, record.archived_path)
            elif record.archived_path.exists():
                self.ledger.mark_archived(record.id, record.archived_path)

    # --- the loop --------------------------------------------------------------------------------

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
        for name in others.keys() - self._others.keys():
            log.warning(
                "收件箱中的 %s 是%s，不是普通文件，不会处理（请放入文件本身）",
                shown(readable_name(name)), others[name],
            )  # fmt: skip
        self._others = others
        free = self.runner.capacity - len(self.running) - len(self.queue)
        for item in ready[: max(0, free)]:
            self._take(item.name, item.reason, item.received_at, (item.size, item.mtime_ns))
        self._dispatch()
        self._collect()  # what an in-process runner has just finished
        self._refresh_summaries()

    def hint_renamed(self, names: list[str]) -> None:
        """Names the observer saw arrive by rename (complete files)."""
        for name in names:
            log.debug("改名到达：%s", name)
            self.readiness.hint_renamed(name)

    def wait_time(self, scan_interval: float) -> float:
        """Seconds until the next step is due, unless an event or a finished job comes first."""
        waits = [scan_interval, *(when - time.monotonic() for when, _ in self._later)]
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

    # --- taking and handing out ------------------------------------------------------------------

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
        self._register(path, display, received_at)

    def _register(self, path: Path, name: str, received_at: datetime) -> None:
        id = self.ledger.claim(sha256_file(path), name, received_at, path)
        record = self.ledger.get(id)
        assert record is not None
        self._admit(record)

    @staticmethod
    def _job(record: Record) -> Job:
        return Job(
            record.id,
            record.claimed_path,
            record.file_name,
            record.received_at,
            record.sha256,
            seq=record.seq,
        )

    def _admit(self, record: Record) -> None:
        original = self.ledger.find_original(record.sha256, before=record.id)
        if original is None:
            self.queue.append(self._job(record))
            return
        target = archive_target(
            self.config.archive,
            "duplicates",
            record.received_at,
            record.file_name,
            None,
            None,
            record.seq,
        )
        self.ledger.mark_duplicate(record.id, original, target)
        log.info(
            "重复提交：%s 与 %s 收到的 %s 内容完全相同，不再重复处理",
            shown(record.file_name), f"{original.received_at:%Y-%m-%d %H:%M:%S}",
            shown(original.file_name),
        )  # fmt: skip
        self._archive(record.id, record.claimed_path, target)

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
            future = self.runner.submit(job)  # in-process: runs now
            self.queue.popleft()
            self.running[future] = job

    def _collect(self) -> None:
        died: list[Job] = []
        for future in [f for f in self.running if f.done()]:
            job = self.running.pop(future)
            try:
                done = future.result()
            except Exception:  # the worker process died (BrokenProcessPool)
                died.append(job)
                continue
            self.suspects.discard(job.id)
            if done.traceback:
                log.error("处理 %s 时程序出错：\n%s", shown(job.name), done.traceback.rstrip())
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
                            shown(job.name), output_problem(exc),
                        )  # fmt: skip
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

    def _internal_error(self, job: Job, exc: BaseException) -> None:
        log.error("放弃处理 %s：%s", shown(job.name), exc)
        result = reject_internal_error(
            job.path, self.config, exc, display_name=job.name, received_at=job.received_at,
            sha256=job.sha256, sequence=job.seq, source="inbox",
        )  # fmt: skip
        self._record_result(job, result, 0.0)

    # --- recording and archiving -----------------------------------------------------------------

    def _record_result(self, job: Job, result: ProcessResult, seconds: float) -> None:
        if job.path.exists() and job.sha256 and sha256_file(job.path) != job.sha256:
            log.warning("%s 在取走后仍被写入：等它写完后按最终内容重新校验", shown(job.name))
            self.changed.add(job, result)
            return
        kind = "rejected" if result.status == REJECTED else "accepted"
        target = archive_target(
            self.config.archive,
            kind,
            job.received_at,
            job.name,
            result.agency,
            result.year,
            job.seq,
        )
        original = job.path.exists()
        self.ledger.finish(job.id, result, target if original else None)
        outputs = [self._short(p) for p in (*result.outputs.values(), result.result_path) if p]
        who = f"{result.agency} {result.year or ''}年，" if result.agency else ""
        log.info(
            "%s：%s — %s错误 %d 项，提示 %d 项，用时 %.2f 秒；输出：%s",
            STATUS_LABELS[result.status], shown(job.name), who, result.error_count,
            result.warning_count, seconds, "，".join(outputs) or "无",
        )  # fmt: skip
        if original:
            self._archive(job.id, job.path, target)
        if result.status != REJECTED and result.agency:
            self._touched.add((result.agency, result.year))
        elif result.owner_year:  # an attributed rejection: its agency shows as 退回
            self.summaries.years.add(result.owner_year)

    def _check_published(self) -> None:
        in_hand = {job.id for job in (*self.queue, *self.running.values())}
        self.queue.extendleft(stale_published(self.ledger, self._touched, in_hand))
        self.summaries.years.update(year for _, year in self._touched if year)
        self._touched.clear()

    def _refresh_summaries(self, *, force: bool = False) -> None:
        # Files settling in the inbox come first: rewriting every year's summary (as after a
        # start) must not keep them waiting.
        idle = not self.queue and not self.running and self.readiness.delay() is None
        if self.summaries.refresh(self.config, force=force or idle):
            release_free_memory()  # a batch is done: give its freed heap back (see memory.py)

    def _short(self, path: str | Path) -> str:
        try:
            return Path(path).relative_to(self.config.outbox).as_posix()
        except ValueError:
            return str(path)

    def _archive(self, id: int, src: Path, target: Path) -> None:
        try:
            try:
                final = move_no_clobber(src, target)
            except FileExistsError:
                final = move_no_clobber(src, unique_path(target.parent, target.name))
        except OSError as exc:
            log.error("原件存档失败（稍后重试）：%s → %s：%s", src, target, output_problem(exc))
            return
        self.ledger.mark_archived(id, final)

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
