"""A wall clock that tests can move forward, shared by an emulator's state."""

from __future__ import annotations

import threading
import time


class Clock:
    """Seconds since the epoch, plus an offset that tests advance to expire tokens."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """The emulated current time."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulated time forward."""
        with self._lock:
            self._offset += seconds
