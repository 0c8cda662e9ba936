"""Where outputs go, and the `result.json` that says a set of outputs is complete.

Layout under the outbox:

    <outbox>/<year>/<agency>/<agency><year>年政府信息公开工作年度报告.docx
    <outbox>/<year>/<agency>/<agency><year>年报告校验结果.xlsx      (only while the report fails)
    <outbox>/<year>/<agency>/result.json                            (written last)
    <outbox>/rejected/<received>-<file>/退回说明.xlsx, result.json   (never overwritten)

A newer submission of the same agency and year replaces the folder's files (the archive keeps
every original). Every file is written through `atomic.atomic_path`; `result.json` is written
last so that its presence means the set is complete, and outputs that the new result no longer
names (the error workbook of a report that now passes) are removed only after it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.core.atomic import atomic_write_text
from workflow.core.names import safe_name

__all__ = [
    "RESULT_NAME",
    "agency_folder",
    "errors_filename",
    "rejected_folder",
    "rejected_stem",
    "remove_stale_outputs",
    "write_result",
]

RESULT_NAME = "result.json"
UNKNOWN_YEAR = "未知年度"
UNKNOWN_AGENCY = "未知单位"


def agency_folder(outbox: Path, agency: str | None, year: int | None) -> Path:
    year_part = str(year) if year else UNKNOWN_YEAR
    return outbox / year_part / safe_name(agency or UNKNOWN_AGENCY)


def errors_filename(agency: str | None, year: int | None) -> str:
    return f"{safe_name(agency or UNKNOWN_AGENCY)}{year or ''}年报告校验结果.xlsx"


def rejected_stem(display_name: str, received_at: datetime) -> str:
    """'<received>-<file stem>': the name of a rejected file's folder (a second rejection of
    the same name in the same second gets '-2', '-3' …)."""
    return f"{received_at:%Y%m%d-%H%M%S}-{safe_name(Path(display_name).stem or 'file', 60)}"


def rejected_folder(outbox: Path, display_name: str, received_at: datetime) -> Path:
    """A new folder for one rejected file; never an existing one."""
    base = outbox / "rejected"
    stem = rejected_stem(display_name, received_at)
    candidate = base / stem
    n = 1
    while candidate.exists():
        n += 1
        candidate = base / f"{stem}-{n}"
    candidate.mkdir(parents=True)
    return candidate


def write_result(folder: Path, record: dict[str, Any]) -> Path:
    text = json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n"
    return atomic_write_text(folder / RESULT_NAME, text)


def remove_stale_outputs(folder: Path, keep: set[Path], candidates: list[Path]) -> None:
    """Remove earlier outputs in `folder` that the new result no longer names."""
    for path in candidates:
        if path.parent == folder and path not in keep and path.exists():
            path.unlink()
