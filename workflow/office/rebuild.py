"""A damaged ledger is kept aside and rebuilt from what the outbox and the archive hold.

The ledger is an index of the office's folders, not their only memory: every judged file left
its original in the archive and a result.json in the outbox (`rebuild_sources` finds both, for
the inbox, `workflow process`, `import-history` and mail alike). So a ledger emptied to 0
bytes, overwritten or failing SQLite's integrity check is renamed aside with a timestamp
(never deleted: someone may want to look at it), a new one is written from the folders, and
the log says so once. `workflow rebuild-ledger` does the same on demand (`rebuild_on_demand`),
with the same code (`plan`, `write_rows`).

Each archived original is judged again for its values; its result.json, where one names the
same bytes (and sequence), gives the status, the findings, the outputs, the attribution, the
sender and Message-ID and the exact time received. The claim order comes from the sequence in
archive names and result.json (see `_in_claim_order`), so "latest" is what it was.

`open_repaired` is how the daemon and the commands that write open the ledger; `read_ledger`
how the views read it; `replace_overwritten` is for a ledger overwritten under the running
daemon, whose open connection may still read every row (they are copied out rather than
rebuilt). Repairs are serialised by a lock file beside the ledger.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import sqlite3
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.findings import Finding, Severity
from workflow.core.names import agency_key
from workflow.core.outcome import REJECTED, STATUS_LABELS, Attribution, Outcome, ProcessResult
from workflow.flow.pipeline import check_file
from workflow.office.history import IMPORTED
from workflow.office.ledger import Ledger, LedgerDamaged, Record, ledger_path
from workflow.office.rebuild_sources import Original, find_originals, find_results

__all__ = [
    "RebuildReport",
    "count_rows",
    "open_repaired",
    "plan",
    "read_ledger",
    "rebuild",
    "rebuild_mail_tables",
    "rebuild_on_demand",
    "replace_overwritten",
    "write_rows",
]

log = logging.getLogger("workflow.office.rebuild")


@contextlib.contextmanager
def _repair_lock(state: Path) -> Iterator[None]:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "ledger.repair.lock", "a+b") as fh:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def _open(config: Config) -> Ledger:
    return Ledger(ledger_path(config), lock_seconds=config.ledger_lock_seconds)


def open_repaired(config: Config) -> Ledger:
    """The office's ledger, opened for writing; a damaged one is set aside and rebuilt."""
    path = ledger_path(config)
    try:
        return _open(config)
    except LedgerDamaged:
        pass
    with _repair_lock(config.state):
        try:  # another process may have repaired it meanwhile
            return _open(config)
        except LedgerDamaged as exc:
            reason = str(exc)
        aside = _set_aside(path, "damaged")
        ledger = _open(config)
        count = rebuild(ledger, config)
        log.warning(
            "%s：已另存为 %s，并根据输出文件夹和存档重建台账（%d 条记录）",
            reason,
            aside.name,
            count,
        )
        return ledger


def _set_aside(path: Path, why: str) -> Path:
    """Rename the ledger (and its WAL) to `<name>.<why>-<time>`; returns the new name."""
    stamp = f"{path.name}.{why}-{datetime.now():%Y%m%d-%H%M%S}"
    aside, n = path.with_name(stamp), 1
    while aside.exists():  # never over an earlier one
        n += 1
        aside = path.with_name(f"{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def rebuild_on_demand(config: Config, *, dry_run: bool) -> tuple[RebuildReport, Path | None]:
    """`workflow rebuild-ledger`: a new ledger from the folders, built beside the current one
    and put in its place; the current one is kept as `ledger.sqlite3.before-rebuild-<time>`
    (returned). The mail tables of a readable current ledger are carried over as they are.
    With `dry_run`, nothing is written: the report says what a rebuild would find."""
    planned = plan(config)
    if dry_run:
        return count_rows(config, planned), None
    path = ledger_path(config)
    fresh = path.with_name(f".{path.name}.{uuid.uuid4().hex}.rebuild")
    try:
        with Ledger(fresh) as ledger:
            report = write_rows(ledger, config, planned)
            carried = _carry_mail_tables(ledger, path) if path.exists() else 0
            if carried:
                report.mail_tables = f"邮件往来记录（{carried} 条）已从原台账照原样保留"
        with _repair_lock(config.state):
            _checkpoint(path)
            aside = _set_aside(path, "before-rebuild") if path.exists() else None
            os.replace(fresh, path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
    return report, aside


def _checkpoint(path: Path) -> None:
    """Fold a readable ledger's WAL into its file, so the copy set aside is one file."""
    if not path.exists():
        return
    with contextlib.suppress(sqlite3.Error):
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()


def _carry_mail_tables(ledger: Ledger, old: Path) -> int:
    """Copy the mail tables of the ledger at `old` (if it can be read) into `ledger`."""
    return ledger.copy_tables_from(old, prefix="mail_")


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
        aside = _set_aside(path, "damaged")
        if copied:
            os.replace(tmp, path)
            fresh = _open(config)
            log.warning(
                "台账文件被覆盖：已另存为 %s，并从运行中的台账恢复全部 %d 条记录", aside.name, rows
            )
        else:
            tmp.unlink(missing_ok=True)
            fresh = _open(config)
            count = rebuild(fresh, config)
            log.warning(
                "台账文件被覆盖：已另存为 %s，并根据输出文件夹和存档重建台账（%d 条记录）",
                aside.name,
                count,
            )
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
class _Planned:
    """One row to write: an archived original, the result.json that names it (if any), and
    its place in the claim order."""

    original: Original | None
    record: dict[str, Any] | None
    seq: int
    received_at: datetime


@dataclass
class RebuildReport:
    """What a rebuild found (and wrote, unless it was a dry run)."""

    rows: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    results_only: int = 0
    """Rows known only from a result.json (their original is not in the archive)."""
    mail_tables: str = ""

    def lines(self) -> list[str]:
        """What was found, in Chinese, one fact a line."""
        sources = {
            "inbox": "收件箱",
            "mail": "邮件",
            "process": "process 命令",
            "import-history": "导入的往年报告",
        }
        labels = {**STATUS_LABELS, "duplicate": "重复提交"}
        lines = [f"共 {self.rows} 条提交记录"]
        if self.by_source:
            parts = [f"{sources.get(k, k)} {n}" for k, n in sorted(self.by_source.items())]
            lines.append("来源：" + "，".join(parts))
        if self.by_status:
            parts = [f"{labels.get(k, k)} {n}" for k, n in sorted(self.by_status.items())]
            lines.append("结果：" + "，".join(parts))
        if self.results_only:
            lines.append(
                f"其中 {self.results_only} 条只有 result.json、存档中没有原件（不含报告数字）"
            )
        if self.mail_tables:
            lines.append(self.mail_tables)
        return lines


def rebuild(ledger: Ledger, config: Config) -> int:
    """Fill an empty `ledger` from the archive and the outbox; returns the rows written."""
    return write_rows(ledger, config, plan(config)).rows


def plan(config: Config) -> list[_Planned]:
    """Every submission the folders know, in claim order (see `_in_claim_order`)."""
    results = find_results(config.outbox)
    used: set[int] = set()
    planned = []
    for original in find_originals(config):
        record = None
        if original.kind != "duplicates":
            record = _match(results.get(original.sha256, []), original, used)
        seq = original.seq if original.seq is not None else _sequence(record)
        planned.append(_Planned(original, record, seq or 0, _received(record, original)))
    for records in results.values():  # results whose original is not in the archive
        for record in records:
            if id(record) not in used:
                when = _received(record, None)
                planned.append(_Planned(None, record, _sequence(record) or 0, when))
    return _in_claim_order(planned)


def _sequence(record: dict[str, Any] | None) -> int | None:
    value = record.get("sequence") if record else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _match(
    records: list[dict[str, Any]], original: Original, used: set[int]
) -> dict[str, Any] | None:
    """The result.json of `original`: same bytes, and the same sequence where both have one."""
    free = [r for r in records if id(r) not in used]
    same = [r for r in free if _sequence(r) is not None and _sequence(r) == original.seq]
    loose = [r for r in free if _sequence(r) is None or original.seq is None]
    if not (same or loose):
        return None
    found = (same or loose)[0]
    used.add(id(found))
    return found


def _received(record: dict[str, Any] | None, original: Original | None) -> datetime:
    fallback = original.received_at if original else datetime.now().astimezone()
    try:
        return datetime.fromisoformat(record["received_at"]) if record else fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def _in_claim_order(planned: list[_Planned]) -> list[_Planned]:
    """By sequence. A submission without one (archived before sequences existed, or a mailed
    attachment whose result.json was replaced) goes after the last numbered one received no
    later than it, and takes its number: the ledger orders equal numbers by row id, which is
    the order written here."""
    numbered = sorted((p for p in planned if p.seq), key=lambda p: p.received_at)
    unnumbered = [p for p in planned if not p.seq]
    numbered_ids = {id(p) for p in numbered}
    highest, times, marks = 0, [], []
    for p in numbered:
        highest = max(highest, p.seq)
        times.append(p.received_at)
        marks.append(highest)
    for p in unnumbered:
        before = bisect.bisect_right(times, p.received_at)
        p.seq = marks[before - 1] if before else 0
    return sorted(
        planned,
        key=lambda p: (
            p.seq,
            id(p) not in numbered_ids,
            p.received_at,
            p.original is not None and p.original.kind == "duplicates",
        ),
    )


def write_rows(ledger: Ledger, config: Config, planned: list[_Planned]) -> RebuildReport:
    """Write the planned rows into `ledger` (empty) and the mail tables' call point."""
    report = RebuildReport()
    first: dict[str, int] = {}
    for item in planned:
        written = _write(ledger, config, item, first)
        if written is None:
            continue
        report.rows += 1
        report.by_source[written.source or "inbox"] += 1
        report.by_status[written.status] += 1
        report.results_only += item.original is None
    report.mail_tables = rebuild_mail_tables(ledger, config)
    return report


def count_rows(config: Config, planned: list[_Planned]) -> RebuildReport:
    """What `write_rows` would write, without writing (`rebuild-ledger --dry-run`)."""
    report = RebuildReport()
    for item in planned:
        judged = _judge(config, item)
        if judged is None:
            continue
        status, source = judged
        report.rows += 1
        report.by_source[source] += 1
        report.by_status[status] += 1
        report.results_only += item.original is None
    return report


def _judge(config: Config, item: _Planned) -> tuple[str, str] | None:
    original = item.original
    if original is None:
        assert item.record is not None
        return str(item.record.get("status") or REJECTED), str(
            item.record.get("source") or "process"
        )
    if original.kind == "duplicates":
        return "duplicate", original.source
    result = _result(config, item)
    return (result.status, original.source) if result is not None else None


def rebuild_mail_tables(ledger: Ledger, config: Config) -> str:
    """CALL POINT for the mail tables (mail_messages, mail_attachments, mail_sent, …): rebuilt
    from the archived .eml files and the Sent folder by the mail intake's office module, when
    it provides `rebuild_mail_tables(ledger, config) -> str` in `office.mail_ledger` (the
    line it returns is printed). Until then they start empty: the mail intake takes the
    first pass's date again, so it answers no old mail."""
    from workflow.office import mail_ledger

    hook = getattr(mail_ledger, "rebuild_mail_tables", None)
    return str(hook(ledger, config)) if callable(hook) else ""


def _write(ledger: Ledger, config: Config, item: _Planned, first: dict[str, int]) -> Record | None:
    original, record = item.original, item.record
    if original is None:  # known from its result.json alone
        assert record is not None
        alone = _from_record(record)
        id = ledger.claim(
            alone.sha256,
            alone.file,
            item.received_at,
            Path(str(record.get("file") or "")),
            seq=item.seq,
            source=str(record.get("source") or "process"),
            sender=record.get("sender"),
            message_id=record.get("message_id"),
        )
        ledger.finish(id, alone, None)
        ledger.set_owner(id, *_owner(record))
        return ledger.get(id)
    if original.kind == "duplicates":
        if original.sha256 not in first:
            return None  # nothing to be a duplicate of: its original is gone
        earlier = ledger.get(first[original.sha256])
        assert earlier is not None
        id = ledger.claim(
            original.sha256,
            original.name,
            item.received_at,
            original.path,
            seq=item.seq,
            source=original.source,
        )
        ledger.mark_duplicate(id, earlier, original.path)
        ledger.mark_archived(id, original.path)
        return ledger.get(id)
    result = _result(config, item)
    if result is None:
        return None
    id = ledger.claim(
        original.sha256,
        original.name,
        item.received_at,
        original.path,
        seq=item.seq,
        source=original.source,
        sender=original.sender or (record or {}).get("sender"),
        message_id=original.message_id or (record or {}).get("message_id"),
    )
    first.setdefault(original.sha256, id)
    ledger.finish(id, result, original.path)
    ledger.mark_archived(id, original.path)
    return ledger.get(id)


def _owner(record: dict[str, Any]) -> tuple[str | None, int | None]:
    agency = record.get("agency") or record.get("attributed_agency")
    year = record.get("year") or record.get("attributed_year")
    return (str(agency) if agency else None, year if isinstance(year, int) else None)


def _findings(record: dict[str, Any]) -> list[Finding]:
    found = []
    for f in record.get("findings") or []:
        try:
            found.append(Finding(str(f["rule"]), Severity(f["severity"]), str(f["message"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _result(config: Config, item: _Planned) -> ProcessResult | None:
    """The row of an archived original: judged again for its values (and, without a
    result.json, its status); what its result.json says wins where there is one. None for a
    mailed attachment the intake would not have processed (see `rebuild_sources`)."""
    original, record = item.original, item.record
    assert original is not None
    hint = None
    if original.sender:
        allowed = [a.name for a in config.agencies_of(original.sender)]
        hint = allowed[0] if len(allowed) == 1 else None
    if record is not None and record.get("status") == REJECTED:
        outcome = Outcome(original.name, REJECTED, [])  # its result.json says all (no values)
    else:
        outcome = check_file(original.path, config, display_name=original.name, agency_hint=hint)
    if original.sender and outcome.submission is not None and outcome.agency:
        allowed_keys = {agency_key(a.name) for a in config.agencies_of(original.sender)}
        if agency_key(outcome.agency) not in allowed_keys:
            return None  # made out for another agency: refused unprocessed by the intake
    result = ProcessResult(
        file=original.name,
        status=outcome.status,
        findings=outcome.findings,
        submission=outcome.submission,
        attribution=outcome.attribution,
        converted_from=outcome.converted_from,
        sha256=original.sha256,
        received_at=item.received_at,
        sequence=item.seq or None,
        source=original.source,
        sender=original.sender,
        message_id=original.message_id,
    )
    if original.kind == "rejected":
        result.status, result.submission = REJECTED, None
    if original.source == "import-history":
        result.outputs = {IMPORTED: "import-history"}
    if record is not None:
        result.status = str(record.get("status") or result.status)
        result.findings = _findings(record) or result.findings
        result.outputs = dict(record.get("outputs") or {})
        result.result_path = record["_path"]
        result.attribution = Attribution.from_json(record) or result.attribution
        if result.status == REJECTED:
            result.submission = None
    return result


def _from_record(record: dict[str, Any]) -> ProcessResult:
    result = ProcessResult(
        file=str(record.get("file") or ""),
        status=str(record.get("status") or REJECTED),
        findings=_findings(record),
        sha256=str(record["sha256"]),
        attribution=Attribution.from_json(record),
    )
    result.outputs = dict(record.get("outputs") or {})
    result.result_path = record["_path"]
    return result
