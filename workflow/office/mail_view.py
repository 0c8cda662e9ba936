"""The office's view of the mailbox: each agency's last mail, and mail the clerk must look at.

`workflow status` prints it under the status table (and adds `last_mail_at` / `last_mail_from`
to each `--json` record); the summary workbook gets a 邮件往来 sheet. "Last mail" is the last
mail from any of the agency's registered addresses, whatever it held; mail for the clerk is
mail held for them (stranger, forged, too large, failing every attempt: moved to the refused
folder, nothing processed; each with the number `workflow mail --accept` takes), replies not
yet accepted by the SMTP server and why (it is down, the address is throttled), and the
addresses whose bounces stopped our replies. The states and kinds are read in the words of
`office.mail_ledger.STATES` / `KINDS`, the one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workflow.config import Config
from workflow.office.ledger import ledger_path
from workflow.office.mail_ledger import KINDS, MailRow, MailStore

__all__ = ["MailOverview", "mail_overview", "render_mail_overview"]


@dataclass(slots=True)
class MailOverview:
    last: dict[str, MailRow] = field(default_factory=dict)  # by agency name
    refused: list[MailRow] = field(default_factory=list)  # held for the clerk
    pending: list[MailRow] = field(default_factory=list)  # replies not yet accepted
    blocked: list[tuple[str, str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.last or self.refused or self.pending or self.blocked)

    def fields(self, agency: str) -> dict[str, Any]:
        row = self.last.get(agency)
        return {
            "last_mail_at": row.received_at.isoformat() if row else None,
            "last_mail_from": row.sender if row else None,
        }


def mail_overview(config: Config) -> MailOverview:
    path = ledger_path(config)
    overview = MailOverview()
    if not path.exists():
        return overview
    with MailStore(path, readonly=True) as store:
        rows = store.rows()
        overview.blocked = store.blocked()
    for row in rows:
        for agency in config.agencies_of(row.sender):
            overview.last[agency.name] = row  # rows come oldest first: the last one stays
        if row.state == "held":
            overview.refused.append(row)
        elif row.state in ("processed", "pending"):
            overview.pending.append(row)
    return overview


def _when(row: MailRow) -> str:
    return f"{row.received_at:%Y-%m-%d %H:%M}"


def render_mail_overview(overview: MailOverview, console: Console | None = None) -> None:
    console = console or Console()
    if overview.last:
        table = Table(title="各单位最近来信", show_lines=False)
        for header in ("单位", "时间", "发件人", "主题", "类别"):
            table.add_column(header, overflow="fold")
        for agency, row in sorted(overview.last.items()):
            table.add_row(
                Text(agency),
                _when(row),
                Text(row.sender),
                Text(row.subject or ""),
                KINDS.get(row.kind, row.kind),
            )
        console.print(table)
    if overview.refused:
        table = Table(
            title="待人工处理的邮件（附件未处理；核实后 workflow mail --accept 编号）",
            style="yellow",
        )
        for header in ("编号", "时间", "发件人", "主题", "原因", "原件"):
            table.add_column(header, overflow="fold")
        for row in overview.refused:
            table.add_row(
                str(row.number),
                _when(row),
                Text(row.sender),
                Text(row.subject or ""),
                Text(row.reason or ""),
                Text(row.eml_path or ""),
            )
        console.print(table)
    if overview.pending:
        table = Table(title="尚未发出的回复（已校验，等待发信服务器接受）", style="yellow")
        for header in ("编号", "收到", "收件人", "主题", "原因"):
            table.add_column(header, overflow="fold")
        for row in overview.pending:
            why = row.last_error or row.state_text
            table.add_row(
                str(row.number), _when(row), Text(row.sender), Text(row.subject or ""), Text(why)
            )
        console.print(table)
    for address, since, reason in overview.blocked:
        console.print(
            Text(
                f"已暂停自动回复：{address}（{since[:16]}，{reason}；"
                f"恢复：workflow mail --unblock {address}）",
                style="yellow",
            )
        )


def write_mail_sheet(workbook: Any, overview: MailOverview) -> None:
    """The 邮件往来 sheet of the summary workbook (xlsxwriter)."""
    ws = workbook.add_worksheet("邮件往来")
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 17)
    ws.set_column(2, 2, 28)
    ws.set_column(3, 4, 36)
    row_no = 0
    ws.write(row_no, 0, "各单位最近来信", workbook.add_format({"bold": True, "font_size": 13}))
    row_no += 1
    for col, header in enumerate(("单位", "时间", "发件人", "主题", "类别")):
        ws.write(row_no, col, header, bold)
    for agency, row in sorted(overview.last.items()):
        row_no += 1
        values = (agency, _when(row), row.sender, row.subject or "", KINDS.get(row.kind, ""))
        for col, value in enumerate(values):
            ws.write_string(row_no, col, value, cell)
    row_no += 2
    ws.write(
        row_no,
        0,
        "待人工处理的邮件（附件未处理）",
        workbook.add_format({"bold": True, "font_size": 13}),
    )
    row_no += 1
    for col, header in enumerate(("时间", "发件人", "主题", "原因", "原件")):
        ws.write(row_no, col, header, bold)
    for row in overview.refused:
        row_no += 1
        values = (
            _when(row),
            row.sender,
            row.subject or "",
            row.reason or "",
            str(Path(row.eml_path)) if row.eml_path else "",
        )
        for col, value in enumerate(values):
            ws.write_string(row_no, col, value, cell)
    if overview.pending:
        row_no += 2
        ws.write(
            row_no,
            0,
            "尚未发出的回复（已校验，等待发信服务器接受）",
            workbook.add_format({"bold": True, "font_size": 13}),
        )
        row_no += 1
        for col, header in enumerate(("收到", "收件人", "主题", "原因")):
            ws.write(row_no, col, header, bold)
        for row in overview.pending:
            row_no += 1
            cells = (_when(row), row.sender, row.subject or "", row.last_error or row.state_text)
            for col, value in enumerate(cells):
                ws.write_string(row_no, col, value, cell)
