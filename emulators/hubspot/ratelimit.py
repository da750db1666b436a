"""HubSpot's rolling request windows, counted per portal (§7)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """The outcome of counting one request: whether it may run and what is left."""

    allowed: bool
    limit: int
    remaining: int
    window_seconds: float

    def headers(self) -> dict[str, str]:
        """The X-HubSpot-RateLimit-* headers HubSpot sends on API answers."""
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window_seconds * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.limit),
            "X-HubSpot-RateLimit-Remaining": str(self.remaining),
        }


class RollingWindow:
    """Counts requests per key over the last `window` seconds; refused requests don't count."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._hits: dict[object, deque[float]] = {}

    def hit(self, key: object, now: float, limit: int, window: float) -> Budget:
        """Count one request for key at time now, unless the window is already full."""
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return Budget(False, limit, 0, window)
            hits.append(now)
            return Budget(True, limit, limit - len(hits), window)

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._hits.clear()
