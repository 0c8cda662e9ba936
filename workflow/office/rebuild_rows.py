"""The rows of a rebuilt ledger: what the folders hold (`rebuild_sources`), matched, put in
claim order, judged and written. `office.rebuild` decides when (a damaged ledger, `workflow
rebuild-ledger`); this module decides what.

Each archived original is judged again for its values; its result.json, where one names the
same bytes (and sequence), gives the status, the findings, the outputs, the attribution, the
sender and Message-ID and the exact time received. The claim order comes from the sequence in
archive names and result.json (see `_in_claim_order`), so "latest" is what it was.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Config
from workflow.core.findings import Finding, Severity
from workflow.core.names import agency_key
from workflow.core.outcome import (
    REJECTED,
    STATUS_LABELS,
    Attribution,
    Outcome,
    ProcessResult,
)
from workflow.flow.pipeline import check_file
from workflow.office.history import IMPORTED
from workflow.office.ledger import Ledger
from workflow.office.rebuild_sources import Original, find_originals, find_results

__all__ = [
    "RebuildReport",
    "count_rows",
    "plan",
    "rebuild",
    "rebuild_mail_tables",
    "write_rows",
]


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


def write_rows(
    ledger: Ledger, config: Config, planned: list[_Planned], *, mail: bool = True
) -> RebuildReport:
    """Write the planned rows into `ledger` (empty), and with `mail` its mail tables from the
    archive (`rebuild-ledger` carries a readable old ledger's own instead)."""
    report = _walk(config, planned, ledger)
    if mail:
        report.mail_tables = rebuild_mail_tables(ledger, config)
    return report


def count_rows(config: Config, planned: list[_Planned]) -> RebuildReport:
    """What `write_rows` would write, without writing (`rebuild-ledger --dry-run`)."""
    return _walk(config, planned, None)


def _walk(config: Config, planned: list[_Planned], ledger: Ledger | None) -> RebuildReport:
    """The one walk of the plan, for `write_rows` and `count_rows` alike: each row judged,
    and written into `ledger` unless it is None (a dry run)."""
    report = RebuildReport()
    first: dict[str, int | None] = {}  # sha256 -> its first processed row (None: not written)
    for item in planned:
        row = _row(config, item, ledger, first)
        if row is None:
            continue
        status, source = row
        report.rows += 1
        report.by_source[source] += 1
        report.by_status[status] += 1
        report.results_only += item.original is None
    return report


def rebuild_mail_tables(ledger: Ledger, config: Config) -> str:
    """The mail tables (messages, attachments, replies, blocked addresses) rebuilt from the
    archived .eml files, their mail.json and the block journal (`office.mail_rebuild`); the
    next mail pass reconciles the replies with the Sent folder. Returns the report's line."""
    from workflow.office.mail_rebuild import rebuild_mail_tables as from_archive

    count = from_archive(ledger, config.archive)
    return (
        f"邮件往来记录（{count} 封）已据存档重建，下次收取邮件时与“已发送”文件夹核对"
        if count
        else ""
    )


def _row(
    config: Config, item: _Planned, ledger: Ledger | None, first: dict[str, int | None]
) -> tuple[str, str] | None:
    """The status and source of the row `item` makes (written into `ledger` unless it is
    None), or None when it makes none."""
    original, record = item.original, item.record
    if original is None:  # known from its result.json alone
        assert record is not None
        alone = _from_record(record)
        source = str(record.get("source") or "process")
        if ledger is not None:
            id = ledger.claim(
                alone.sha256,
                alone.file,
                item.received_at,
                Path(str(record.get("file") or "")),
                seq=item.seq,
                source=source,
                sender=record.get("sender"),
                message_id=record.get("message_id"),
            )
            ledger.finish(id, alone, None)
            ledger.set_owner(id, *_owner(record))
        return alone.status, source
    if original.kind == "duplicates":
        if original.sha256 not in first:
            return None  # nothing to be a duplicate of: its original is gone
        if ledger is not None:
            first_id = first[original.sha256]
            assert first_id is not None
            earlier = ledger.get(first_id)
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
        return "duplicate", original.source
    result = _result(config, item)
    if result is None:
        return None
    written = None
    if ledger is not None:
        written = ledger.claim(
            original.sha256,
            original.name,
            item.received_at,
            original.path,
            seq=item.seq,
            source=original.source,
            sender=original.sender or (record or {}).get("sender"),
            message_id=original.message_id or (record or {}).get("message_id"),
        )
        ledger.finish(written, result, original.path)
        ledger.mark_archived(written, original.path)
    first.setdefault(original.sha256, written)
    return result.status, original.source


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
