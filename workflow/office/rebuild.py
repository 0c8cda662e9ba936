"""A damaged ledger is kept aside and rebuilt from what the outbox and the archive hold.

The ledger is the office's memory, but not its only one: every judged file left a result.json
in the outbox (the latest per agency and year, every rejection) and its original in the
archive (`<year>/<agency>/`, `rejected/`, `duplicates/`). So a ledger emptied to 0 bytes,
overwritten or failing SQLite's integrity check is renamed aside with a timestamp (never
deleted: someone may want to look at it), a new one is written from those two, and the log
says so once. Archived originals are judged again for their status and values (a result.json
is taken as it stands where one names the same bytes); rows of `import-history`, whose files
lie outside the office's folders, cannot come back and must be imported again.

`open_repaired` is how the daemon and the commands that write open the ledger; `read_ledger`
how the views read it; `replace_overwritten` is for a ledger overwritten under the running
daemon, whose open connection may still read every row (they are copied out rather than
rebuilt). Repairs are serialised by a lock file beside the ledger.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.digest import sha256_file
from workflow.core.outcome import REJECTED, ProcessResult
from workflow.flow.outbox import RESULT_NAME
from workflow.flow.pipeline import check_file
from workflow.office.ledger import Ledger, LedgerDamaged, ledger_path

__all__ = ["open_repaired", "read_ledger", "rebuild", "replace_overwritten"]

log = logging.getLogger("workflow.office.rebuild")

_STAMP = re.compile(r"^(\d{8}-\d{6})-(.+)$")


@contextlib.contextmanager
def _repair_lock(state: Path) -> Iterator[None]:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "ledger.repair.lock", "a+b") as fh:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def open_repaired(config: Config) -> Ledger:
    """The office's ledger, opened for writing; a damaged one is set aside and rebuilt."""
    path = ledger_path(config)
    try:
        return Ledger(path)
    except LedgerDamaged:
        pass
    with _repair_lock(config.state):
        try:  # another process may have repaired it meanwhile
            return Ledger(path)
        except LedgerDamaged as exc:
            reason = str(exc)
        aside = _set_aside(path)
        ledger = Ledger(path)
        count = rebuild(ledger, config)
        log.warning(
            "%s：已另存为 %s，并根据输出文件夹和存档重建台账（%d 条记录）；"
            "往年导入的历史报告需重新导入",
            reason, aside.name, count,
        )  # fmt: skip
        return ledger


def _set_aside(path: Path) -> Path:
    """Rename the ledger (and its WAL) to `<name>.damaged-<time>`; returns the new name."""
    stamp = f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}"
    aside, n = path.with_name(stamp), 1
    while aside.exists():  # never over an earlier one
        n += 1
        aside = path.with_name(f"{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def replace_overwritten(ledger: Ledger, config: Config) -> Ledger:
    """The daemon's open `ledger`, whose file was overwritten under it: its connection may
    still read every row (from its WAL), so the rows are copied to a new file; only if that
    fails is the ledger rebuilt. The damaged file is set aside either way; `ledger` is closed
    after (its close checkpoints into the file set aside, not the new one)."""
    path = ledger.path
    tmp = path.with_name(f".{path.name}.restore")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    try:
        ledger.copy_to(tmp)
        check = sqlite3.connect(tmp)
        try:
            copied = check.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
            rows = check.execute("SELECT count(*) FROM submissions").fetchone()[0]
        finally:
            check.close()
    except sqlite3.DatabaseError:
        copied, rows = False, 0
    with _repair_lock(config.state):
        aside = _set_aside(path)
        if copied:
            os.replace(tmp, path)
            fresh = Ledger(path)
            log.warning(
                "台账文件被覆盖：已另存为 %s，并从运行中的台账恢复全部 %d 条记录", aside.name, rows
            )
        else:
            tmp.unlink(missing_ok=True)
            fresh = Ledger(path)
            count = rebuild(fresh, config)
            log.warning(
                "台账文件被覆盖：已另存为 %s，并根据输出文件夹和存档重建台账（%d 条记录）",
                aside.name, count,
            )  # fmt: skip
    ledger.close()
    return fresh


@contextlib.contextmanager
def read_ledger(config: Config) -> Iterator[Ledger | None]:
    """The ledger opened for reading (None when there is none yet), repaired first if needed."""
    path = ledger_path(config)
    if not path.exists():
        yield None
        return
    try:
        ledger = Ledger(path, readonly=True)
    except LedgerDamaged:
        open_repaired(config).close()
        ledger = Ledger(path, readonly=True)
    with ledger:
        yield ledger


@dataclass
class _Original:
    path: Path
    kind: str  # "accepted", "rejected" or "duplicates"
    sha256: str
    received_at: datetime
    name: str


def _originals(archive: Path) -> list[_Original]:
    found = []
    for path in sorted(archive.rglob("*")) if archive.is_dir() else []:
        match = _STAMP.match(path.name)
        if not path.is_file() or match is None or path.name.startswith("."):
            continue
        top = path.relative_to(archive).parts[0]
        kind = top if top in ("rejected", "duplicates") else "accepted"
        received = datetime.strptime(match[1], "%Y%m%d-%H%M%S").astimezone()
        found.append(_Original(path, kind, sha256_file(path), received, match[2]))
    return found


def _results(outbox: Path) -> dict[str, dict[str, Any]]:
    by_sha: dict[str, dict[str, Any]] = {}
    for path in outbox.rglob(RESULT_NAME) if outbox.is_dir() else []:
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("sha256"):
            record["_path"] = path
            by_sha.setdefault(record["sha256"], record)
    return by_sha


def _received(record: dict[str, Any] | None, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(record["received_at"]) if record else fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def rebuild(ledger: Ledger, config: Config) -> int:
    """Fill an empty `ledger` from the archive and the outbox; returns the rows written."""
    results = _results(config.outbox)
    originals = sorted(
        _originals(config.archive),
        key=lambda o: (_received(results.get(o.sha256), o.received_at), o.kind == "duplicates"),
    )
    first: dict[str, int] = {}
    for original in originals:
        record = results.get(original.sha256)
        received = _received(record, original.received_at)
        id = ledger.claim(original.sha256, original.name, received, original.path)
        if original.kind == "duplicates" and original.sha256 in first:
            earlier = ledger.get(first[original.sha256])
            assert earlier is not None
            ledger.mark_duplicate(id, earlier, original.path)
        else:
            first.setdefault(original.sha256, id)
            ledger.finish(id, _judged(original, record, received, config), original.path)
        ledger.mark_archived(id, original.path)
    count = len(originals)
    for sha, record in results.items():  # `workflow process` results: the file lies elsewhere
        if sha not in first:
            source = Path(str(record.get("file") or "未知文件"))
            result = _from_record(record, sha, _received(record, datetime.now().astimezone()))
            ledger.record_processed(sha, source.name, result.received_at, source, result)  # type: ignore[arg-type]
            count += 1
    return count


def _judged(
    original: _Original, record: dict[str, Any] | None, received: datetime, config: Config
) -> ProcessResult:
    """The row of an archived original: checked again (status and values), with the outputs
    its result.json names when one names these bytes."""
    outcome = check_file(original.path, config, display_name=original.name)
    result = ProcessResult(
        file=original.name, status=outcome.status, findings=outcome.findings,
        submission=outcome.submission, sha256=original.sha256, received_at=received,
    )  # fmt: skip
    if original.kind == "rejected":
        result.status, result.submission = REJECTED, None
    if record is not None:
        result.status = str(record.get("status") or result.status)
        result.outputs = dict(record.get("outputs") or {})
        result.result_path = record["_path"]
        if result.status == REJECTED:
            result.submission = None
    return result


def _from_record(record: dict[str, Any], sha: str, received: datetime) -> ProcessResult:
    result = ProcessResult(
        file=str(record.get("file") or ""), status=str(record.get("status") or REJECTED),
        findings=[], sha256=sha, received_at=received,
    )  # fmt: skip
    result.outputs = dict(record.get("outputs") or {})
    result.result_path = record["_path"]
    return result
