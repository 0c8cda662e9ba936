"""The names of archived originals: when a file came, its claim sequence, what it was called.

    <archive>/2021/后河镇人民政府/20220110-093000-n000123-原文件名.xlsx

The stamp is for the clerk; the sequence (`n` and at least six digits) is the ledger's claim
order, which a clock set back cannot disturb, so that a ledger rebuilt from the archive knows
which of two submissions came last. Names written before the sequence existed
(`<stamp>-<name>`) still parse, without one.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["ARCHIVE_FOLDERS", "STAMP", "archive_name", "parse_archive_name"]

ARCHIVE_FOLDERS = {"process": "process", "import-history": "history"}
"""The archive folder of each source that processes files where they lie (`office.recording`
writes there; `office.rebuild_sources` reads the source back from the folder)."""

STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^(\d{8}-\d{6})-(?:n(\d{6,})-)?(.+)$", re.DOTALL)


def archive_name(received_at: datetime, seq: int | None, name: str) -> str:
    """`<stamp>-n<seq>-<name>`, or `<stamp>-<name>` when there is no sequence."""
    number = f"n{seq:06d}-" if seq is not None else ""
    return f"{received_at:{STAMP}}-{number}{name}"


def parse_archive_name(name: str) -> tuple[datetime, int | None, str] | None:
    """(received_at to the second, sequence or None, original name); None for other names."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        received = datetime.strptime(match[1], STAMP).astimezone()
    except ValueError:
        return None
    return received, int(match[2]) if match[2] else None, match[3]
