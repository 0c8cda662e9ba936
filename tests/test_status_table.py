"""`workflow status`: the same rows, order, words and colours as the workbook, and JSON records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from rich.console import Console

from workflow.config import Agency
from workflow.example import SEED_AGENCY, seed_values
from workflow.office.states import AgencyState, states_for_year
from workflow.office.status_table import STATUS_STYLES, render_status, status_records, status_table
from workflow.office.summary_sheets import COLUMNS

TZ = timezone(timedelta(hours=8))
MARKUP_NAME = "[red]县水利局[/red][link=http://x]y[/link]"
REGISTRY = (
    Agency(SEED_AGENCY, kind="镇"),
    Agency("县财政局"),
    Agency("县教育局"),
    Agency("县民政局"),
)


def states() -> list[AgencyState]:
    values = {k: v for k, v in seed_values().items() if not isinstance(v, str)}
    return states_for_year(
        REGISTRY,
        [
            AgencyState(SEED_AGENCY, "passed", True, datetime(2022, 1, 10, 9, 30, tzinfo=TZ),
                        0, 1, ("后河镇.xlsx",), values),
            AgencyState("县财政局", "failed", True, datetime(2022, 1, 12, 8, 0, tzinfo=TZ),
                        3, 1, ("财政局（改）.xlsx", "财政局.xlsx")),
            AgencyState("县教育局", "rejected", True, datetime(2022, 1, 13, 10, 0, tzinfo=TZ),
                        1, 0, ("教育局.xls",)),
            AgencyState(MARKUP_NAME, "passed", True, datetime(2022, 1, 14, 10, 0, tzinfo=TZ),
                        0, 0, ("x.xlsx",), values),
        ],
    )  # fmt: skip


def test_records_are_json_ready_in_the_order_of_the_workbook() -> None:
    records = status_records(states())
    assert json.loads(json.dumps(records, ensure_ascii=False)) == records
    assert [(r["agency"], r["status"], r["registered"]) for r in records] == [
        ("县教育局", "rejected", True),
        ("县财政局", "failed", True),
        ("县民政局", "missing", True),
        (MARKUP_NAME, "passed", False),
        (SEED_AGENCY, "passed", True),
    ]
    assert records[1] == {
        "agency": "县财政局",
        "status": "failed",
        "registered": True,
        "received_at": "2022-01-12T08:00:00+08:00",
        "error_count": 3,
        "warning_count": 1,
        "files": ["财政局（改）.xlsx", "财政局.xlsx"],
        "reason": None,
    }
    assert (records[2]["received_at"], records[2]["files"]) == (None, [])


def test_the_table_has_the_workbooks_columns_and_coloured_statuses() -> None:
    table = status_table(list(reversed(states())), 2021)  # any order in, action order out
    assert [str(c.header) for c in table.columns] == list(COLUMNS)
    status_cells = list(table.columns[2].cells)
    assert [str(c) for c in status_cells] == ["退回", "未通过", "未提交", "已通过", "已通过"]
    assert [c.style for c in status_cells] == [  # type: ignore[union-attr]
        STATUS_STYLES["rejected"],
        STATUS_STYLES["failed"],
        STATUS_STYLES["missing"],
        STATUS_STYLES["passed"],
        STATUS_STYLES["passed"],
    ]
    assert [str(c) for c in table.columns[4].cells] == ["1", "3", "", "0", "0"]
    assert table.caption == (
        "应交 4 个单位，已通过 1，未通过 1，退回 1，未提交 1；另有 1 个不在名录的单位提交"
    )


def test_render_prints_every_agency_in_order_and_names_literally() -> None:
    console = Console(record=True, width=220, color_system=None)
    render_status(states(), 2021, console)
    text = console.export_text()
    assert "2021年政府信息公开工作年度报告提交情况" in text
    assert MARKUP_NAME in text  # markup in a name is shown, not interpreted
    names = ["县教育局", "县财政局", "县民政局", MARKUP_NAME, SEED_AGENCY]
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)
    assert "不在名录：请核对单位名称或补入名录" in text
    assert "2022-01-12 08:00" in text
