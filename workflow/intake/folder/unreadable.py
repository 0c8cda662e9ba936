"""Inbox files the daemon may not read, told once and shown until they can be read.

A file copied in by another account (a clerk's login on the file server, a sync service) can
carry that owner and mode 0600: the daemon's user cannot open it. It is neither damaged nor
the agency's fault, so it is never taken, moved or rejected: it stays in the inbox, the clerk
is told once in the log with one Chinese line (who owns it, which permission is missing, what
to do), `workflow status` and the summary workbook list it (`office.inbox_notes`), and it is
judged as soon as it can be read (`inbox.Readiness` asks again at every scan).
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workflow.core.names import readable_name, shown
from workflow.intake.folder.blocked import write_records
from workflow.office.inbox_notes import UNREADABLE_NAME

__all__ = ["Unreadable", "unreadable_line"]

log = logging.getLogger("workflow.intake.daemon")


def _user(uid: int) -> str:
    try:
        import pwd
    except ImportError:  # Windows: no uid names
        return str(uid)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"编号 {uid}"


def unreadable_line(path: Path, place: str = "收件箱中的") -> str:
    """One Chinese line: the file, who owns it, its permission, what the daemon's user lacks
    and what to do. `place` says where the file is."""
    name = f"{place} {shown(readable_name(path.name))}"
    if not hasattr(os, "geteuid"):  # Windows: ACLs, not modes
        return (
            f"{name} 无法读取：监视程序的运行账户没有读取权限。请在文件的“属性→安全”"
            "中给该账户加上“读取”权限（或重新复制一份），改好后会自动校验。"
        )
    me = _user(os.geteuid())
    try:
        st = path.stat()
        owner, mode = _user(st.st_uid), stat.filemode(st.st_mode)
        about = f"文件属于用户 {owner}，权限为 {mode}（{stat.S_IMODE(st.st_mode):04o}）"
    except OSError:
        owner, about = "", "文件的权限不允许读取"
    fix = (
        f"请把文件的所有者改为 {me}（如 chown {me} 文件名），或给它加上读取权限"
        "（如 chmod a+r 文件名）"
        if owner != me
        else "请给它加上读取权限（如 chmod u+r 文件名）"
    )
    return (
        f"{name} 无法读取：{about}，监视程序的运行用户 {me} 没有读取权限。{fix}，改好后会自动校验。"
    )


@dataclass(slots=True)
class _Note:
    line: str
    since: datetime


class Unreadable:
    """The unreadable inbox files by name; the loop hands over each scan's list (`update`)."""

    def __init__(self, inbox: Path, state: Path) -> None:
        self.inbox = inbox
        self.path = state / UNREADABLE_NAME
        self._notes: dict[str, _Note] = {}
        self._write()

    def update(self, names: list[str]) -> bool:
        """Take in the names unreadable now; True when the set changed."""
        changed = False
        for name in names:
            if name not in self._notes:
                line = unreadable_line(self.inbox / name)
                log.warning(line)
                self._notes[name] = _Note(line, datetime.now().astimezone())
                changed = True
        for name in set(self._notes) - set(names):
            del self._notes[name]
            if (self.inbox / name).exists():
                log.info("%s 现在可以读取了，开始校验", shown(readable_name(name)))
            changed = True
        if changed:
            self._write()
        return changed

    def _write(self) -> None:
        records = [
            {"file": readable_name(name), "line": note.line, "since": note.since.isoformat()}
            for name, note in sorted(self._notes.items())
        ]
        write_records(self.path, records)
