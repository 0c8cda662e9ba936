"""What a worker runs and hands back: a `Job` for one claimed file, `run_job`, its `Done`.

`run_job` is what the daemon's worker processes execute (or the daemon itself, with one
worker): `pipeline.process_file`, with any bug turned into a `rejected` result so that one file
can never stop the others. `adopt_rejected_result` lets recovery reuse a complete rejected
result a crash left unrecorded, instead of writing a second one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from workflow.config import Config
from workflow.core.errors import OutputError
from workflow.core.findings import Finding, Severity
from workflow.core.outcome import REJECTED, Attribution, ProcessResult
from workflow.flow.outbox import RESULT_NAME, rejected_stem
from workflow.flow.pipeline import process_file, reject_internal_error
from workflow.office.history import history_lookup
from workflow.office.ledger import Record

__all__ = ["HANG_HOOK", "Done", "Job", "Runner", "adopt_rejected_result", "run_job"]

log = logging.getLogger("workflow.intake.daemon")


@dataclass(frozen=True, slots=True)
class Job:
    """One file for a worker. `republish`: re-run an archived newer submission whose outputs
    an older one overwrote; it writes outputs only, the ledger already has its row."""

    id: int
    path: Path
    name: str
    received_at: datetime
    sha256: str
    republish: bool = False
    seq: int | None = None
    """The ledger's claim sequence: written into result.json and the archive name."""

    def meta(self) -> dict[str, Any]:
        """What the pipeline writes into result.json for this file (and its rejections)."""
        return {
            "display_name": self.name,
            "received_at": self.received_at,
            "sha256": self.sha256,
            "sequence": self.seq,
            "source": "inbox",
        }


@dataclass(slots=True)
class Done:
    """What a worker hands back. `result` None: nothing recorded; `blocked` then says which
    output could not be written (the office's problem: the file is kept and tried again)."""

    job: Job
    result: ProcessResult | None
    seconds: float
    traceback: str | None = None
    blocked: str | None = None
    too_slow: bool = False
    """The file ran past `[watch] file_seconds` and was stopped (in-process runner)."""


def run_job(job: Job, config: Config) -> Done:
    """Process one file; never raises. Runs in a worker process (or in-process)."""
    start = time.perf_counter()
    _test_hook_hang(job)
    meta = job.meta()
    try:
        result = process_file(job.path, config, history=history_lookup(config), **meta)
        return Done(job, result, time.perf_counter() - start)
    except OutputError as exc:
        return Done(job, None, time.perf_counter() - start, blocked=str(exc))
    except Exception as exc:
        trace = traceback.format_exc()
        if job.republish:
            return Done(job, None, time.perf_counter() - start, trace)
        try:
            result = reject_internal_error(job.path, config, exc, **meta)
        except OutputError as blocked:
            return Done(job, None, time.perf_counter() - start, trace, blocked=str(blocked))
        except Exception:
            return Done(job, None, time.perf_counter() - start, trace + traceback.format_exc())
        return Done(job, result, time.perf_counter() - start, trace)


HANG_HOOK = "WORKFLOW_TEST_HANG"
"""Test hook, unset in normal use and read only here, in the worker: `<marker>` or
`<marker>|<folder>`. A worker given a file whose name contains `<marker>` hangs, as a worker
stuck in a library would; with a folder, it first writes `<folder>/hanging-<pid>` (so a test
knows which process to kill) and goes on once `<folder>/release` exists. The tests of SIGTERM
and of killed workers (tests/test_faults_daemon.py) use it."""


def _test_hook_hang(job: Job) -> None:
    marker, _, folder = os.environ.get(HANG_HOOK, "").partition("|")
    if not marker or marker not in job.name:
        return
    if folder:
        (Path(folder) / f"hanging-{os.getpid()}").write_text(job.name, "utf-8")
    while not (folder and (Path(folder) / "release").exists()):
        time.sleep(0.05)


class Runner(Protocol):
    """Runs `run_job`: in-process, or in a process pool (see `daemon`). A future that raises
    means the worker died before it could answer. A runner whose jobs run in other processes
    says so with a true `isolated` attribute; one that does not say is taken as in-process."""

    capacity: int

    def submit(self, job: Job) -> Future[Done]: ...


def adopt_rejected_result(outbox: Path, record: Record) -> ProcessResult | None:
    """A rejected result already complete for `record` (a crash fell between its result.json and
    the ledger), so that recovery does not write a second one. Incomplete sets written for it
    (a folder without result.json) are removed. Passed and failed results need no such care:
    processing again rewrites the same agency folder."""
    stem = rejected_stem(record.file_name, record.received_at)
    pattern = re.compile(re.escape(stem) + r"(-\d+)?")
    base = outbox / "rejected"
    folders = [p for p in base.iterdir() if pattern.fullmatch(p.name)] if base.is_dir() else []
    adopted = None
    for folder in sorted(folders):
        if not (folder / RESULT_NAME).exists():
            log.info("清理中断时未写完的退回结果：%s", folder)
            for leftover in folder.iterdir():
                leftover.unlink()
            folder.rmdir()
            continue
        data = json.loads((folder / RESULT_NAME).read_text("utf-8"))
        received = data.get("received_at")
        if (
            adopted is None
            and data.get("sha256") == record.sha256
            and received
            and datetime.fromisoformat(received) == record.received_at
        ):
            findings = [
                Finding(f["rule"], Severity(f["severity"]), f["message"])
                for f in data.get("findings", [])
            ]
            adopted = ProcessResult(
                file=record.file_name,
                status=REJECTED,
                findings=findings,
                outputs=data.get("outputs", {}),
                result_path=folder / RESULT_NAME,
                attribution=Attribution.from_json(data),
                converted_from=data.get("converted_from"),
                sha256=record.sha256,
                received_at=record.received_at,
                sequence=record.seq,
                source=record.source,
            )
    return adopted
