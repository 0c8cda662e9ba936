"""Repeated wrong passwords slow down: a growing wait per user name and per client address.

After `FREE` wrong passwords in a row for one name (or from one address), the next attempt is
refused until 2, 4, 8 … seconds (at most `LONGEST`) have passed since the last failure; a
right password resets the name and the address. The wait is a refusal, not a sleep, so a
guesser cannot tie up the server's threads. Kept in memory: a restart of the web process
forgives, which costs a guesser a restart they cannot cause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["FREE", "LONGEST", "Throttle"]

FREE = 3
LONGEST = 300.0


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _delay(count: int) -> float:
        return 0.0 if count < FREE else min(LONGEST, 2.0 ** (count - FREE + 1))

    def wait_seconds(self, *keys: str) -> float:
        """How long the caller must still wait before trying any of `keys` (0: go ahead)."""
        now = self._clock()
        with self._lock:
            waits = [
                last + self._delay(count) - now
                for count, last in (self._failures.get(k, (0, 0.0)) for k in keys)
            ]
        return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                count, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (count + 1, now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
