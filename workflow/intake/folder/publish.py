"""Keeping the outbox and the summary workbook in step with what the daemon recorded.

`stale_published`: the outbox must show the latest received submission of each agency and
year. Two files in the pool at once, or a recovery, can finish an older one last: then the
latest is run again from its archived original. Checked after a batch is recorded, against the
result.json on disk, so the order in which results were collected does not matter.

`Summaries`: the office's summary workbook follows the processed files, at once when the inbox
is quiet and at most every `SUMMARY_EVERY_SECONDS` during a burst (rewriting it after each of
300 files would cost the burst more than the files). A year whose refresh failed (a full disk)
is tried again at the next refresh, with one line in the log rather than a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from datetime import datetime

from workflow.config import Config
from workflow.core.names import shown
from workflow.core.oserrors import os_error_in, output_problem
from workflow.intake.folder.jobs import Job
from workflow.office.ledger import Ledger
from workflow.office.year import refresh_summary

__all__ = ["SUMMARY_EVERY_SECONDS", "Summaries", "stale_published"]

log = logging.getLogger("workflow.intake.daemon")

SUMMARY_EVERY_SECONDS = 5.0


def stale_published(
    ledger: Ledger, touched: Iterable[tuple[str, int | None]], in_hand: set[int]
) -> list[Job]:
    """Republish jobs for the agencies in `touched` whose outbox shows an older submission."""
    jobs = []
    for agency, year in touched:
        latest = ledger.published(agency, year)
        if latest is None or latest.id in in_hand or latest.result_path is None:
            continue
        try:
            record = json.loads(latest.result_path.read_text("utf-8"))
            current = record.get("sha256") == latest.sha256 and (
                datetime.fromisoformat(record["received_at"]) == latest.received_at
            )
        except (OSError, ValueError, KeyError, TypeError):
            current = False
        source = latest.archived_path if latest.archived_at else latest.claimed_path
        if not current and source is not None:
            log.info("重新生成 %s 最新一次提交的输出：%s", agency, shown(latest.file_name))
            jobs.append(
                Job(
                    latest.id,
                    source,
                    latest.file_name,
                    latest.received_at,
                    latest.sha256,
                    True,
                    latest.seq,
                )
            )
    return jobs


class Summaries:
    """The years whose summary workbook is due, and when it was last written."""

    def __init__(self) -> None:
        self.years: set[int] = set()
        self.written = time.monotonic()  # the first waits for a quiet inbox, or its turn
        self._failed: dict[int, str] = {}  # year: the problem last logged

    def refresh(self, config: Config, *, force: bool) -> bool:
        """Write the due years' summaries if it is time; True when something was written."""
        now = time.monotonic()
        due = now - self.written >= SUMMARY_EVERY_SECONDS
        if not self.years or not (due or (force and not self.years <= self._failed.keys())):
            return False  # (a failed year waits its turn even when forced: no log storm)
        failed = set()
        for year in sorted(self.years):
            try:
                refresh_summary(config, year)
            except Exception as exc:  # tried again with the next refresh
                failed.add(year)
                problem = output_problem(exc)
                same = _same_problem(exc, problem)
                if self._failed.get(year) == same:
                    continue
                self._failed[year] = same
                if os_error_in(exc) is None:
                    log.exception("汇总表更新失败（稍后重试）：%s 年", year)
                else:
                    log.error("汇总表更新失败（稍后重试）：%s 年：%s", year, problem)
            else:
                if self._failed.pop(year, None) is not None:
                    log.info("汇总表已更新：%s 年", year)
        self.years, self.written = failed, now
        return True


def _same_problem(exc: Exception, problem: str) -> str:
    """What makes two failures the same problem: the error and the folder, not the file name
    (each try writes a temp file of another random name, and would be logged every time)."""
    error = os_error_in(exc)
    if error is None or not error.filename:
        return problem
    return f"{error.errno}:{os.path.dirname(os.fsdecode(error.filename))}"
