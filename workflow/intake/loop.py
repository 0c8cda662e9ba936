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

import json
import logging
import time
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.outcome import REJECTED, STATUS_LABELS, ProcessResult
from workflow.flow.pipeline import reject_internal_error
from workflow.intake.inbox import (
    Readiness,
    archive_target,
    claim,
    move_no_clobber,
    parse_work_name,
    remove_temp_files,
    scan_inbox,
    unique_path,
)
from workflow.intake.jobs import Done, Job, Runner, adopt_rejected_result
from workflow.intake.memory import release_free_memory
from workflow.office.ledger import Ledger, Record
from workflow.office.year import refresh_summary

__all__ = ["MAX_ATTEMPTS", "WatchLoop"]

log = logging.getLogger("workflow.intake.daemon")

REASON_TEXT = {"renamed": "已完整放入", "settled": "已写完", "gave_up": "长时间不是完整的工作簿"}
MAX_ATTEMPTS = 3
"""Starts before a file is given up as an internal error: a file that kills the daemon itself
(in-process mode) would otherwise do so again at every restart. Not enforced for an `isolated`
runner (the pool): there a file can only kill its worker (`_worker_died` deals with that), and
counting the daemon's own deaths (power cuts, kill -9) against the files in hand would give up
sound files, beside the complete outputs an earlier attempt may already have written."""
HOUSEKEEPING_SECONDS = 60.0
SUMMARY_EVERY_SECONDS = 5.0


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
        self._later: list[tuple[float, Job]] = []
        self._touched: set[tuple[str, int | None]] = set()
        self._summary_years: set[int] = set()
        self._summary_written = 0.0
        self._housekeeping = time.monotonic()

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
        ready = self.readiness.update(scan_inbox(self.config.inbox))
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
            path = claim(src, self.work, received_at)
        except FileNotFoundError:
            self.readiness.forget(name)
            return
        except OSError as exc:  # e.g. on Windows, still open in Excel
            log.warning("暂时无法取走 %s（稍后重试）：%s", name, exc)
            self.readiness.defer(name, 5.0)
            return
        self.readiness.forget(name)
        log.info("收到：%s（%s）", name, REASON_TEXT[reason])
        self._register(path, name, received_at)

    def _register(self, path: Path, name: str, received_at: datetime) -> None:
        id = self.ledger.claim(sha256_file(path), name, received_at, path)
        record = self.ledger.get(id)
        assert record is not None
        self._admit(record)

    @staticmethod
    def _job(record: Record) -> Job:
        return Job(
            record.id, record.claimed_path, record.file_name, record.received_at, record.sha256
        )

    def _admit(self, record: Record) -> None:
        original = self.ledger.find_original(record.sha256, before=record.id)
        if original is None:
            self.queue.append(self._job(record))
            return
        target = archive_target(
            self.config.archive, "duplicates", record.received_at, record.file_name, None, None
        )
        self.ledger.mark_duplicate(record.id, original, target)
        log.info(
            "重复提交：%s 与 %s 收到的 %s 内容完全相同，不再重复处理",
            record.file_name, f"{original.received_at:%Y-%m-%d %H:%M:%S}", original.file_name,
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
        for future in [f for f in self.running if f.done()]:
            job = self.running.pop(future)
            try:
                done = future.result()
            except Exception as exc:  # the worker process died (BrokenProcessPool)
                self._worker_died(job, exc)
                continue
            self.suspects.discard(job.id)
            if done.traceback:
                log.error("处理 %s 时程序出错：\n%s", job.name, done.traceback.rstrip())
            if job.republish:
                if done.result is not None and done.result.agency:
                    self._touched.add((done.result.agency, done.result.year))
            elif done.result is None:
                log.error("无法写出 %s 的结果，30 秒后重试", job.name)
                self._later.append((time.monotonic() + 30, job))
            else:
                try:
                    self._record_result(job, done.result, done.seconds)
                except Exception:  # the ledger or the archive failed (disk full?)
                    log.exception("无法登记 %s 的结果，30 秒后重新处理", job.name)
                    self._later.append((time.monotonic() + 30, job))
        if self._touched:
            self._check_published()

    def _worker_died(self, job: Job, exc: BaseException) -> None:
        if job.id in self.suspects and not self.running:
            self.suspects.discard(job.id)
            self._internal_error(job, exc)  # it ran alone: it is the culprit
        else:
            log.warning("处理进程意外退出，%s 将单独重新处理", job.name)
            self.suspects.add(job.id)
            self.queue.appendleft(job)

    def _internal_error(self, job: Job, exc: BaseException) -> None:
        log.error("放弃处理 %s：%s", job.name, exc)
        result = reject_internal_error(
            job.path, self.config, exc, display_name=job.name, received_at=job.received_at,
            sha256=job.sha256,
        )  # fmt: skip
        self._record_result(job, result, 0.0)

    # --- recording and archiving -----------------------------------------------------------------

    def _record_result(self, job: Job, result: ProcessResult, seconds: float) -> None:
        kind = "rejected" if result.status == REJECTED else "accepted"
        target = archive_target(
            self.config.archive, kind, job.received_at, job.name, result.agency, result.year
        )
        original = job.path.exists()
        self.ledger.finish(job.id, result, target if original else None)
        outputs = [self._short(p) for p in (*result.outputs.values(), result.result_path) if p]
        who = f"{result.agency} {result.year or ''}年，" if result.agency else ""
        log.info(
            "%s：%s — %s错误 %d 项，提示 %d 项，用时 %.2f 秒；输出：%s",
            STATUS_LABELS[result.status], job.name, who, result.error_count,
            result.warning_count, seconds, "，".join(outputs) or "无",
        )  # fmt: skip
        if original:
            self._archive(job.id, job.path, target)
        if result.status != REJECTED and result.agency:
            self._touched.add((result.agency, result.year))
        elif result.owner_year:  # an attributed rejection: its agency shows as 退回
            self._summary_years.add(result.owner_year)

    def _check_published(self) -> None:
        """The outbox must show the latest received submission of each agency and year. Two in
        the pool at once, or a recovery, can finish an older one last: then the latest is run
        again from its archived original. Checked after a batch is recorded, against the
        result.json on disk, so the order in which results were collected does not matter."""
        in_hand = {job.id for job in (*self.queue, *self.running.values())}
        for agency, year in self._touched:
            latest = self.ledger.published(agency, year)
            if latest is None or latest.id in in_hand or latest.result_path is None:
                continue
            try:
                shown = json.loads(latest.result_path.read_text("utf-8"))
                current = shown.get("sha256") == latest.sha256 and (
                    datetime.fromisoformat(shown["received_at"]) == latest.received_at
                )
            except (OSError, ValueError, KeyError, TypeError):
                current = False
            source = latest.archived_path if latest.archived_at else latest.claimed_path
            if not current and source is not None:
                log.info("重新生成 %s 最新一次提交的输出：%s", agency, latest.file_name)
                self.queue.appendleft(
                    Job(
                        latest.id, source, latest.file_name, latest.received_at, latest.sha256, True
                    )
                )
        self._summary_years.update(year for _, year in self._touched if year)
        self._touched.clear()

    def _refresh_summaries(self, *, force: bool = False) -> None:
        """The office's summary workbook follows the processed files: at once when the inbox
        is quiet, and at most every `SUMMARY_EVERY_SECONDS` during a burst (rewriting it after
        each of 300 files would cost the burst more than the files). A failure is logged."""
        if not self._summary_years:
            return
        now = time.monotonic()
        idle = not self.queue and not self.running
        if not (force or idle or now - self._summary_written >= SUMMARY_EVERY_SECONDS):
            return
        for year in sorted(self._summary_years):
            try:
                refresh_summary(self.config, year)
            except Exception:
                log.exception("汇总表更新失败：%s 年", year)
        self._summary_years.clear()
        self._summary_written = now
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
            log.error("原件存档失败（稍后重试）：%s → %s：%s", src, target, exc)
            return
        self.ledger.mark_archived(id, final)
