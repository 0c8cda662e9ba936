"""Files the daemon holds because their outputs cannot be written, and when to try again.

A full disk, a locked folder or a report open in Word on a share is the office's problem, not
the submitted file's: the file stays claimed (its ledger row `claimed`, its original in
state/work/), is tried again with a growing pause (1 s doubling up to `MAX_PAUSE`), and is
judged once its outputs can be written. The clerk is told once per problem in the log, and
`workflow status` shows what is held and why, from `state/blocked.json` (rewritten whenever
the set changes; a status view reads it, the daemon never does).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow.core.atomic import atomic_write_text
from workflow.core.names import shown

__all__ = ["BLOCKED_NAME", "Blocked", "read_blocked", "write_records"]

log = logging.getLogger("workflow.intake.daemon")

BLOCKED_NAME = "blocked.json"
FIRST_PAUSE = 1.0
MAX_PAUSE = 300.0


@dataclass(slots=True)
class _Held:
    name: str
    problem: str
    since: datetime
    tries: int


class Blocked:
    """The held files by ledger id; the loop calls `hold` on a failure, `release` on success."""

    def __init__(self, state: Path) -> None:
        self.path = state / BLOCKED_NAME
        self._held: dict[int, _Held] = {}
        self._write()

    def hold(self, id: int, name: str, problem: str) -> float:
        """Record that `name`'s outputs cannot be written; returns seconds until the next try."""
        held = self._held.get(id)
        if held is None or held.problem != problem:
            log.error("无法写出 %s 的结果（文件已保留，稍后自动重试）：%s", shown(name), problem)
            tries = held.tries if held else 0
            self._held[id] = held = _Held(name, problem, datetime.now().astimezone(), tries)
            self._write()
        held.tries += 1
        return min(MAX_PAUSE, FIRST_PAUSE * 2 ** (held.tries - 1))

    def release(self, id: int) -> None:
        held = self._held.pop(id, None)
        if held is not None:
            log.info("%s 的结果已能写出，继续处理", shown(held.name))
            self._write()

    def __contains__(self, id: int) -> bool:
        return id in self._held

    def _write(self) -> None:
        records = [
            {"file": h.name, "problem": h.problem, "since": h.since.isoformat(), "tries": h.tries}
            for h in self._held.values()
        ]
        write_records(self.path, records)


def write_records(path: Path, records: list[dict[str, Any]]) -> None:
    """Rewrite a state file of the daemon's notes (`blocked.json`, `unreadable.json`) as a JSON
    list; an empty list only over an existing file. A failure is only logged at debug level: the
    state folder may be on the full disk too, the log has said what matters, and the file is
    written again at the next change."""
    try:
        if records or path.exists():
            atomic_write_text(path, json.dumps(records, ensure_ascii=False, indent=2))
    except OSError as exc:
        log.debug("无法更新 %s：%s", path, exc)


def read_blocked(state: Path) -> list[dict[str, Any]]:
    """What a running daemon holds because its outputs cannot be written (for `status`)."""
    try:
        data = json.loads((state / BLOCKED_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
