"""What the web page shows, from today's office APIs: the adapter's season half.

This module (the year, an agency, downloads) and `data_mail` (held mail, bounced addresses,
replies waiting, reminders) are the only places the web package reaches into `office` and
`intake`; when those grow (the ledger's agency key and ordering; held mail with states of its
own, replies waiting for SMTP), these two modules are rewired and the pages stay as they are.

Files are handed out by ledger id only (`download`): the ledger row says which file; nothing
from the URL is ever a path. An output of a submission is handed out only while the outbox
still holds *that* submission's outputs (its result.json names the same bytes and arrival):
a newer submission of the same agency replaces the files, and an older row must not hand out
the newer report under its own name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.config import Agency, Config
from workflow.core.cell_values import stored_number
from workflow.core.findings import Finding
from workflow.core.form import numeric_keys
from workflow.core.names import agency_key, readable_name
from workflow.core.outcome import DONE, MISSING, REJECTED, STATUS_LABELS
from workflow.office.ledger import Record
from workflow.office.mail_ledger import MailRow
from workflow.office.rebuild import read_ledger
from workflow.office.states import AgencyState, action_note, status_counts
from workflow.office.summary_charts import new_applications, outcome_totals
from workflow.office.year import known_years, refresh_summary, year_states
from workflow.web.data_mail import MAIL_KINDS, MAIL_STATES, mail_rows
from workflow.workbook.marked_columns import expected_actual, location

__all__ = [
    "DOWNLOAD_KINDS",
    "AgencyRow",
    "AgencyView",
    "FindingRow",
    "SubmissionView",
    "YearView",
    "agency_view",
    "county_report",
    "download",
    "report_years",
    "summary_download",
    "year_view",
]

DOWNLOAD_KINDS: dict[str, str] = {
    "report": "Word 报告",
    "pdf": "PDF",
    "errors": "校验结果工作簿",
    "original": "原件",
}
"""What a submission offers for download, by the name the URL uses (the only names it may)."""
_VIA = {"mail": "邮件", "inbox": "收件箱", "hand": "手工处理"}


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One line of the year page."""

    state: AgencyState
    via: str
    note: str
    latest_id: int | None

    @property
    def label(self) -> str:
        return self.state.label


@dataclass(frozen=True, slots=True)
class YearView:
    year: int
    rows: list[AgencyRow]
    counts: dict[str, int]
    registered: int
    outsiders: int
    outcomes: list[tuple[str, int]]
    """The county's 办理结果 totals, as the summary's chart sheet shows them."""
    biggest: list[tuple[str, int]]
    """本年新收申请 by agency (passed reports), largest first: the summary's second chart."""
    generated_at: datetime


def report_years(config: Config) -> list[int]:
    """Years to choose from, newest first: the ledger's (`office.year.known_years`), else
    last calendar year. The first is the report year in season (the pages' default)."""
    return known_years(config) or [datetime.now().year - 1]


class _Totals(Mapping[str, int]):
    """The county total of one key, summed when asked for (the charts need a dozen of the
    form's 400 keys; `states.county_totals` sums them all, in the same way)."""

    def __init__(self, states: list[AgencyState]) -> None:
        self._passed = [s.passed_values for s in states if s.passed_values is not None]

    def __getitem__(self, key: str) -> int:
        total = 0
        for values in self._passed:
            value = values.get(key)
            number = stored_number(key, "" if value is None else value)
            if number is None:
                raise ValueError(f"{key} = {value!r} is not a valid value")
            total += int(number)
        return total

    def __iter__(self) -> Iterator[str]:
        return iter(numeric_keys())

    def __len__(self) -> int:
        return len(numeric_keys())


def _via(config: Config, record: Record) -> str:
    """How the file came: the row's `source`; a row of a ledger from before that column is
    told by its sender and where it was claimed."""
    if record.source == "mail" or (record.source is None and record.sender):
        return _VIA["mail"]
    if record.source == "inbox":
        return _VIA["inbox"]
    work = config.state / "work"
    if record.source is None and record.claimed_path and record.claimed_path.parent == work:
        return _VIA["inbox"]
    return _VIA["hand"]


def _latest_records(config: Config, year: int) -> dict[str, Record]:
    """The newest processed row of each agency (by `agency_key`) for `year` (`Ledger.latest`:
    one window query, not every row of the year)."""
    with read_ledger(config) as ledger:
        if ledger is None:
            return {}
        return {agency_key(row.agency): row for row in ledger.latest(year) if row.agency}


def year_view(config: Config, year: int) -> YearView:
    states = year_states(config, year)
    latest = _latest_records(config, year)
    rows = []
    for state in states:
        record = latest.get(agency_key(state.agency))
        via = _via(config, record) if record and state.status != MISSING else ""
        rows.append(AgencyRow(state, via, action_note(state), record.id if record else None))
    counts = status_counts(states)
    return YearView(
        year=year,
        rows=rows,
        counts=counts,
        registered=sum(counts.values()),
        outsiders=sum(1 for s in states if not s.registered),
        outcomes=outcome_totals(_Totals(states)),
        biggest=new_applications(states)[:15],
        generated_at=datetime.now().astimezone(),
    )


# --- one agency -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A finding as the error workbook lists it."""

    level: str
    sheet: str
    place: str
    message: str
    expected: str
    actual: str


@dataclass(frozen=True, slots=True)
class SubmissionView:
    record: Record
    label: str
    via: str
    findings: list[FindingRow] | None
    """None: the outbox no longer holds this submission's result (a newer one replaced it)."""
    downloads: list[tuple[str, str]]
    """(kind, label) of what can be downloaded for it."""


@dataclass(slots=True)
class AgencyView:
    name: str
    year: int
    registered: Agency | None
    submissions: list[SubmissionView] = field(default_factory=list)
    earlier: list[SubmissionView] = field(default_factory=list)
    mails: list[tuple[MailRow, str, str]] = field(default_factory=list)
    """(mail, its kind, its state) in words, newest first."""


def _own_result(record: Record) -> dict[str, Any] | None:
    """The result.json of `record` if the outbox still holds this submission's outputs."""
    if record.result_path is None:
        return None
    try:
        data = json.loads(record.result_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("sha256") != record.sha256:
        return None
    when = data.get("received_at")
    if when and datetime.fromisoformat(when) != record.received_at:
        return None
    return data


def _finding_rows(data: dict[str, Any]) -> list[FindingRow]:
    rows = []
    for item in data.get("findings", []):
        f = Finding.from_json(item)
        sheet, place = location(f)
        expected, actual = expected_actual(f)
        rows.append(FindingRow(f.severity.chinese, sheet, place, f.message, expected, actual))
    return rows


def _downloadable(record: Record, result: dict[str, Any] | None) -> dict[str, Path]:
    """Every file the ledger records for `record` that exists, by download kind."""
    files: dict[str, Path] = {}
    if result is not None:
        named = result.get("outputs") or {}
        for kind in ("report", "pdf", "errors"):
            recorded = record.outputs.get(kind)
            if recorded and named.get(kind) == recorded:
                files[kind] = Path(recorded)
    if record.archived_path is not None:
        files["original"] = record.archived_path
    return {kind: path for kind, path in files.items() if path.is_file()}


def _submission(config: Config, record: Record) -> SubmissionView:
    result = _own_result(record)
    kinds = _downloadable(record, result)
    downloads = [(k, DOWNLOAD_KINDS[k]) for k in DOWNLOAD_KINDS if k in kinds]
    if record.status == REJECTED:
        downloads = [(k, "退回说明" if k == "errors" else v) for k, v in downloads]
    return SubmissionView(
        record=record,
        label=STATUS_LABELS.get(record.status, record.status),
        via=_via(config, record),
        findings=_finding_rows(result) if result is not None else None,
        downloads=downloads,
    )


def agency_view(config: Config, name: str, year: int) -> AgencyView | None:
    """Everything about `name` (matched by `agency_key`); None if neither registered nor in
    the ledger."""
    key = agency_key(name)
    registered = next((a for a in config.agencies if agency_key(a.name) == key), None)
    rows: list[Record] = []
    with read_ledger(config) as ledger:
        if ledger is not None:
            rows = [
                r
                for r in ledger.records()
                if r.agency and agency_key(r.agency) == key and r.status in DONE
            ]
    if registered is None and not rows:
        return None
    rows.sort(key=lambda r: (r.received_at, r.id), reverse=True)
    view = AgencyView(
        name=registered.name if registered else rows[0].agency or name,
        year=year,
        registered=registered,
    )
    for record in rows:
        target = view.submissions if record.year == year else view.earlier
        target.append(_submission(config, record))
    view.earlier.sort(key=lambda s: (-(s.record.year or 0), -s.record.received_at.timestamp()))
    addresses = set(registered.emails) if registered else set()
    for mail in mail_rows(config):
        if mail.sender in addresses or (mail.agency and agency_key(mail.agency) == key):
            kind = MAIL_KINDS.get(mail.kind, mail.kind)
            view.mails.append((mail, kind, MAIL_STATES.get(mail.state, mail.state)))
    view.mails.reverse()
    return view


def download(config: Config, record_id: int, kind: str) -> tuple[Path, str] | None:
    """(file, download name) of `kind` for ledger row `record_id`, or None: the only way the
    page reaches a file. `kind` must be one of `DOWNLOAD_KINDS`."""
    if kind not in DOWNLOAD_KINDS:
        return None
    with read_ledger(config) as ledger:
        record = ledger.get(record_id) if ledger is not None else None
    if record is None or record.status not in DONE:
        return None
    path = _downloadable(record, _own_result(record)).get(kind)
    if path is None:
        return None
    name = readable_name(record.file_name) if kind == "original" else path.name
    return path, name


def summary_download(config: Config, year: int) -> Path:
    """The year's summary workbook, written fresh (as `workflow summary` writes it)."""
    return refresh_summary(config, year)


def county_report(config: Config, year: int) -> Path:
    """The county's own Word report for `year`: the summary workbook, written fresh, rendered as
    `workflow process` renders any report (it is a workbook our reader accepts; see
    `office.summary_totals`). Written under state/web/county, never into the outbox, where a
    ledger rebuild would take it for a submission."""
    from workflow.flow.pipeline import process_file

    summary = refresh_summary(config, year)
    result = process_file(summary, config, outbox=config.state / "web" / "county")
    return Path(str(result.outputs["report"]))
