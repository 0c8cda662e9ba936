"""A lock file in the office's state folder, held across processes.

`state_lock(state, name)` creates the state folder if need be, opens `state/<name>` and takes
an exclusive `flock` on it, waiting for another holder to let go; it is released when the block
ends (or the process dies, which closes the file). On Windows, which has no `flock`, the file is
only opened: nothing is serialised there. The mail pass (`mail.lock`) and the ledger's repair
(`ledger.repair.lock`) each hold one.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["state_lock"]


@contextlib.contextmanager
def state_lock(state: Path, name: str) -> Iterator[None]:
    """Hold the lock file `state/<name>`, waiting while another process holds it."""
    state.mkdir(parents=True, exist_ok=True)
    with open(state / name, "a+b") as fh:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
