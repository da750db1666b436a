"""Per-realm request limits as sliding-window logs of admission times (reference §6)."""

from __future__ import annotations

from collections import deque


class SlidingWindow:
    """Admission times within the last ``span`` seconds; at most ``limit`` fit at once."""

    def __init__(self, span: float) -> None:
        self.span = span
        self._times: deque[float] = deque()

    def _evict(self, now: float) -> None:
        # A window is (now - span, now]: an admission exactly span ago no longer counts.
        while self._times and self._times[0] <= now - self.span:
            self._times.popleft()

    def has_room(self, now: float, limit: int) -> bool:
        """Whether one more admission at ``now`` stays within ``limit``."""
        self._evict(now)
        return len(self._times) < limit

    def record(self, now: float) -> None:
        """Log an admission."""
        self._times.append(now)


class RealmThrottle:
    """The three limits QBO applies to one realm: per second, per minute, batches per minute."""

    def __init__(self) -> None:
        self.second = SlidingWindow(1.0)
        self.minute = SlidingWindow(60.0)
        self.batch_minute = SlidingWindow(60.0)

    def admit(self, now: float, config, batch: bool = False) -> bool:
        """Admit a request (recording it) unless a window is full; callers hold the lock."""
        # Only admitted requests are logged, so "at most per_second in any second" holds for
        # what actually executes, and a client that backs off is not punished for its 429s.
        windows = [(self.second, config.per_second), (self.minute, config.per_minute)]
        if batch:
            windows.append((self.batch_minute, config.batch_per_minute))
        if not all(window.has_room(now, limit) for window, limit in windows):
            return False
        for window, _ in windows:
            window.record(now)
        return True
