"""A damaged ledger is kept aside and rebuilt from what the outbox and the archive hold.

The ledger is an index of the office's folders, not their only memory: every judged file left
its original in the archive and a result.json in the outbox (`rebuild_sources` finds both, for
the inbox, `workflow process`, `import-history` and mail alike; `rebuild_rows` turns them
into rows). So a ledger emptied to 0 bytes, overwritten or failing SQLite's integrity check is
renamed aside with a timestamp (never deleted: someone may want to look at it), a new one is
written from the folders, and the log says so once. `workflow rebuild-ledger` does the same
on demand (`rebuild_on_demand`), with the same code (`plan`, `write_rows`).

`open_repaired` is how the daemon and the commands that write open the ledger; `read_ledger`
how the views read it; `replace_overwritten` is for a ledger overwritten under the running
daemon, whose open connection may still read every row (they are copied out rather than
rebuilt). Repairs are serialised by a lock file beside the ledger.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from workflow.config import Config
from workflow.core.locks import state_lock
from workflow.office.ledger import Ledger, LedgerDamaged, ledger_path, open_ledger
from workflow.office.rebuild_rows import (
    RebuildReport,
    count_rows,
    plan,
    rebuild,
    rebuild_mail_tables,
    write_rows,
)

__all__ = [
    "RebuildReport",
    "open_repaired",
    "read_ledger",
    "rebuild",
    "rebuild_on_demand",
    "replace_overwritten",
]

log = logging.getLogger("workflow.office.rebuild")


def _repair_lock(state: Path) -> contextlib.AbstractContextManager[None]:
    return state_lock(state, "ledger.repair.lock")


def open_repaired(config: Config) -> Ledger:
    """The office's ledger, opened for writing; a damaged one is set aside and rebuilt."""
    path = ledger_path(config)
    try:
        return open_ledger(config)
    except LedgerDamaged:
        pass
    with _repair_lock(config.state):
        try:  # another process may have repaired it meanwhile
            return open_ledger(config)
        except LedgerDamaged as exc:
            reason = str(exc)
        aside = _set_aside(path, "damaged")
        ledger = open_ledger(config)
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
            report = write_rows(ledger, config, planned, mail=False)
            carried = _carry_mail_tables(ledger, path) if path.exists() else 0
            if carried:
                report.mail_tables = f"邮件往来记录（{carried} 条）已从原台账照原样保留"
            else:  # no readable old ledger: the archive is the truth for mail too
                report.mail_tables = rebuild_mail_tables(ledger, config)
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
    """Copy the mail tables of the ledger at `old` into `ledger`; 0 rows (and nothing
    copied) when they cannot be read."""
    try:
        return ledger.copy_tables_from(old, prefix="mail_")
    except sqlite3.Error as exc:
        log.warning("原台账中的邮件往来记录无法读取，未带到新台账：%s", exc)
        return 0


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
            fresh = open_ledger(config)
            log.warning(
                "台账文件被覆盖：已另存为 %s，并从运行中的台账恢复全部 %d 条记录", aside.name, rows
            )
        else:
            tmp.unlink(missing_ok=True)
            fresh = open_ledger(config)
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
