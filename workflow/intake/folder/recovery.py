"""Start-up recovery: finish what a crash, a kill -9 or a stop left behind, before the loop takes
a new file. Every leftover is found from the folders and the ledger, never from memory:

- our temp files (`.~wf-*`) under state/work, the outbox and the archive: removed;
- originals recorded as finished but not yet archived: archived (tried again in the
  loop's housekeeping every minute, for an archive that was full);
- ledger rows still `claimed`: processed again (or, for a rejection already complete on disk,
  its result adopted rather than written twice; a claimed file gone missing is given up);
- files in state/work with no ledger row (a crash between the claim and the row): registered.

What each stop leaves and which code restores it is laid out in docs/recovery.md.
"""

from __future__ import annotations

import logging

from workflow.intake.folder.inbox import (
    parse_work_name,
    remove_temp_files,
)
from workflow.intake.folder.jobs import adopt_rejected_result
from workflow.intake.folder.recording import WORK_PLACE, Recording
from workflow.intake.folder.unreadable import unreadable_line
from workflow.office.ledger import Record

__all__ = ["Recovery"]

log = logging.getLogger("workflow.intake.daemon")


class Recovery(Recording):
    """`recover()` once at start (and the archive and orphan passes again in housekeeping)."""

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
                if path not in self._unreadable_work:
                    log.info("继续处理上次未登记的文件：%s", parsed[1])
                try:
                    self._register(path, parsed[1], parsed[0])
                except OSError:  # e.g. made unreadable after its claim: said once
                    if path not in self._unreadable_work:
                        self._unreadable_work.add(path)
                        log.error(unreadable_line(path, WORK_PLACE))
                else:
                    self._unreadable_work.discard(path)

    def _retry_archives(self) -> None:
        in_hand = {job.id for job in (*self.queue, *self.running.values())}
        for record in self.ledger.unarchived():
            if record.id in in_hand or record.archived_path is None:
                continue
            if record.claimed_path.exists():
                self._archive(record.id, record.claimed_path, record.archived_path)
            elif record.archived_path.exists():
                self.ledger.mark_archived(record.id, record.archived_path)
