"""Claimed files that were written to after they were claimed, waiting to be judged again.

A copy into the inbox that pauses longer than `give_up_seconds` (a slow share) may be taken
half-written; its writer then goes on writing into the claimed file (a rename keeps the inode).
The daemon hashes every file at claim and again before recording its result: when the two
differ, the result judged bytes that are not the file's, so it is dropped (a rejection note
written for it removed) and the file waits here until it has settled — unchanged for
`settle_seconds`, no longer open for writing, and a whole zip or unchanged for
`give_up_seconds` — to be judged again on its final bytes. So what is archived is exactly what
was judged, and its ledger hash is of those bytes.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

from workflow.core.outcome import REJECTED, ProcessResult
from workflow.intake.folder.inbox import being_written, is_complete_zip
from workflow.intake.folder.jobs import Job

__all__ = ["Changed"]


class Changed:
    def __init__(
        self,
        settle_seconds: float,
        give_up_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settle, self.give_up, self.clock = settle_seconds, give_up_seconds, clock
        self._waiting: dict[int, tuple[Job, tuple[int, int], float]] = {}

    def __bool__(self) -> bool:
        return bool(self._waiting)

    def add(self, job: Job, result: ProcessResult) -> None:
        """`job`'s file changed after it was hashed; `result` judged other bytes: drop it."""
        if result.status == REJECTED and result.result_path is not None:
            shutil.rmtree(result.result_path.parent, ignore_errors=True)
        self._waiting[job.id] = (job, (-1, -1), self.clock())

    def poll(self) -> tuple[list[Job], list[Job]]:
        """(jobs whose file vanished, jobs whose file has settled); both leave the list."""
        now = self.clock()
        lost, settled = [], []
        for id, (job, seen, since) in list(self._waiting.items()):
            try:
                st = job.path.stat()
            except FileNotFoundError:
                del self._waiting[id]
                lost.append(job)
                continue
            if (st.st_size, st.st_mtime_ns) != seen:
                self._waiting[id] = (job, (st.st_size, st.st_mtime_ns), now)
                continue
            quiet = now - since
            if quiet < self.settle or being_written(job.path):
                continue
            if quiet < self.give_up and not is_complete_zip(job.path):
                continue
            del self._waiting[id]
            settled.append(job)
        return lost, settled
