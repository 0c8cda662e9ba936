"""What the daemon tells the office about inbox files it cannot judge yet, for `status` and
the summary workbook: the files it may not read (`state/unreadable.json`, written by the
folder intake's `unreadable.Unreadable`, one Chinese line per file saying who owns it, which
permission is missing and what to do).

The daemon writes the file whenever the set changes and removes entries once a file can be
read (or is gone), so a reader sees the daemon's last word; nothing here reads the inbox.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = [
    "UNREADABLE_NAME",
    "UNREADABLE_SHEET",
    "read_unreadable",
    "summary_years",
    "write_unreadable_sheet",
]

UNREADABLE_NAME = "unreadable.json"
UNREADABLE_SHEET = "无法读取的文件"


def read_unreadable(state: Path) -> list[dict[str, str]]:
    """[{"file", "line", "since"}] for each inbox file the daemon may not read; [] when none
    (or the file is missing or damaged: it is only a note, the inbox keeps the files)."""
    try:
        data = json.loads((state / UNREADABLE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [
        {key: str(item.get(key, "")) for key in ("file", "line", "since")}
        for item in data
        if isinstance(item, dict) and item.get("line")
    ]


def write_unreadable_sheet(workbook: Any, notes: list[dict[str, str]]) -> None:
    """A sheet of the summary workbook (xlsxwriter) listing the unreadable inbox files."""
    ws = workbook.add_worksheet(UNREADABLE_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 17)
    ws.set_column(1, 1, 100)
    ws.write_string(0, 0, "收件箱中无法读取的文件（不会退回，能读取后自动校验）", title)
    ws.write_string(1, 0, "发现时间", header)
    ws.write_string(1, 1, "说明", header)
    for row, note in enumerate(notes, start=2):
        ws.write_string(row, 0, note["since"][:16].replace("T", " "), cell)
        ws.write_string(row, 1, note["line"], cell)


def summary_years(outbox: Path) -> set[int]:
    """The years whose summary workbook exists in `outbox` (to be rewritten when the notes
    change, so that the printed summary shows them too)."""
    from workflow.office.summary import summary_filename

    years = set()
    for folder in outbox.glob("[12][0-9][0-9][0-9]"):
        if folder.name.isdigit() and (folder / summary_filename(int(folder.name))).exists():
            years.add(int(folder.name))
    return years
