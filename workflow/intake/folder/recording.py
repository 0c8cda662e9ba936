"""What the daemon holds and how a file's outcome is recorded: the state shared by recovery and
the steady loop (`Recording`), admitting a claimed file (or archiving it as a duplicate),
recording a result in the ledger, archiving the original, and giving a file up.

Each step is recorded before the next starts, so that whatever a crash interrupts,
`recovery.Recovery.recover` at the next start can finish it:

    inbox --claim (rename)--> state/work/<received>-<name> --ledger.claim--> process (worker)
    --> ledger.finish (+ archive path) --> move to archive --> ledger.mark_archived

Same bytes as an earlier submission: not processed again; the original goes to
`<archive>/duplicates/` and its ledger row names the submission it repeats (`duplicate_of`).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.names import shown
from workflow.core.oserrors import output_problem
from workflow.core.outcome import REJECTED, STATUS_LABELS, ProcessResult
from workflow.flow.pipeline import reject_internal_error, reject_too_slow
from workflow.intake.folder.blocked import Blocked
from workflow.intake.folder.changed import Changed
from workflow.intake.folder.inbox import (
    Readiness,
    archive_target,
    move_no_clobber,
    unique_path,
)
from workflow.intake.folder.jobs import Done, Job, Runner
from workflow.intake.folder.publish import Summaries, stale_published
from workflow.intake.folder.unreadable import Unreadable
from workflow.intake.memory import release_free_memory
from workflow.office.ledger import Ledger, Record

__all__ = ["WORK_PLACE", "Recording"]

log = logging.getLogger("workflow.intake.daemon")

WORK_PLACE = "处理中文件夹（state/work）中的"


class Recording:
    """The daemon's state (see `loop.WatchLoop`) and the steps that record a file."""

    def __init__(self, config: Config, ledger: Ledger, runner: Runner) -> None:
        self.config, self.ledger, self.runner = config, ledger, runner
        self.work = config.state / "work"
        watch = config.watch
        self.readiness = Readiness(config.inbox, watch.settle_seconds, watch.give_up_seconds)
        self.queue: deque[Job] = deque()
        self.running: dict[Future[Done], Job] = {}
        self.started: dict[Future[Done], float] = {}
        self.too_slow: set[int] = set()
        self.suspects: set[int] = set()
        self.deaths: dict[int, int] = {}
        self._later: list[tuple[float, Job]] = []
        self._touched: set[tuple[str, int | None]] = set()
        self.summaries = Summaries()
        self._housekeeping = time.monotonic()
        self.blocked = Blocked(config.state)
        self._others: dict[str, str] = {}
        self.changed = Changed(watch.settle_seconds, watch.give_up_seconds)
        self.unreadable = Unreadable(config.inbox, config.state)
        self._unreadable_work: set[Path] = set()

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
            shown(record.file_name),
            f"{original.received_at:%Y-%m-%d %H:%M:%S}",
            shown(original.file_name),
        )
        self._archive(record.id, record.claimed_path, target)

    def _internal_error(self, job: Job, exc: BaseException) -> None:
        log.error("放弃处理 %s：%s", shown(job.name), exc)
        result = reject_internal_error(job.path, self.config, exc, **job.meta())
        self._record_result(job, result, 0.0)

    def _give_up_slow(self, job: Job) -> None:
        seconds = self.config.watch.file_seconds
        self.too_slow.add(job.id)
        try:
            result = reject_too_slow(job.path, self.config, seconds, **job.meta())
        except Exception as exc:  # a full disk: the rejection is written later, never run again
            problem = output_problem(exc)
            log.error("无法写出 %s 的退回结果，30 秒后重试：%s", shown(job.name), problem)
            self._later.append((time.monotonic() + 30, job))
            return
        self.too_slow.discard(job.id)
        self._record_result(job, result, seconds)

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
            STATUS_LABELS[result.status],
            shown(job.name),
            who,
            result.error_count,
            result.warning_count,
            seconds,
            "，".join(outputs) or "无",
        )
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
