"""The grant decision behind the request budgets: sliding-window logs, in-process or in Redis.

Each window is a log of grants, each counted from its grant until a window after its answer
(see `executions.budgets`); a pause grants nothing under its key for a while.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``span`` seconds."""

    limit: int
    span: float


class LocalLimiter:
    """Sliding-window logs in this process (inline mode without Redis); thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        # key -> {member: time it counts from}; in flight, that is the lease's end (future).
        self._logs: dict[str, dict[str, float]] = {}
        self._pauses: dict[str, float] = {}
        self._clock = clock

    def acquire(self, pause_key: str, windows: list[tuple[str, Window]],
                member: str | None = None, lease: float = 0.0) -> float:
        """Grant one request (0.0) or say how many seconds until one could be granted.

        With a ``lease``, the grant counts as in flight (for at most that long) until
        `release` is called with the same ``member``.
        """
        with self._lock:
            now = self._clock()
            paused_until = self._pauses.get(pause_key, 0.0)
            if paused_until > now:
                return paused_until - now
            wait = 0.0
            for key, window in windows:
                grants = self._logs.setdefault(key, {})
                for old in [m for m, t in grants.items() if t <= now - window.span]:
                    del grants[old]
                if len(grants) >= window.limit:
                    times = sorted(grants.values())
                    # One still in flight frees a span after its answer: a span from now at best.
                    oldest = min(times[len(times) - window.limit], now)
                    wait = max(wait, oldest + window.span - now)
            if wait > 0:
                return wait
            member = member or uuid.uuid4().hex
            for key, _ in windows:
                self._logs[key][member] = now + lease
            return 0.0

    def peek(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Seconds until one request could be granted (0.0: now), granting nothing."""
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._pauses.get(pause_key, 0.0) - now)
            for key, window in windows:
                times = sorted(t for t in self._logs.get(key, {}).values() if t > now - window.span)
                if len(times) >= window.limit:
                    oldest = min(times[len(times) - window.limit], now)
                    wait = max(wait, oldest + window.span - now)
            return wait

    def release(self, keys: list[str], member: str) -> None:
        """The request granted as ``member`` has been answered: it counts from now on."""
        with self._lock:
            now = self._clock()
            for key in keys:
                grants = self._logs.get(key, {})
                if member in grants:
                    grants[member] = min(grants[member], now)

    def pause(self, pause_key: str, seconds: float) -> None:
        """Grant nothing under ``pause_key`` for ``seconds``."""
        with self._lock:
            until = self._clock() + seconds
            self._pauses[pause_key] = max(self._pauses.get(pause_key, 0.0), until)


# KEYS[1] = pause key, KEYS[2..] = window logs (sorted sets: member -> the time it counts from,
# in microseconds; a lease's end while in flight); ARGV[1] = the member, ARGV[2] = the lease in
# microseconds, then (limit, span in microseconds) per window.
# Returns 0 when granted, else the microseconds to wait. Runs atomically on Redis' own clock.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused * 1000 end
local lease = tonumber(ARGV[2])
local wait = 0
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 * i - 1])
  local span = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    -- One still in flight frees a span after its answer: a span from now at best.
    local w = math.min(tonumber(oldest[2]), now) + span - now + 1
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 2, #KEYS do
  local span = tonumber(ARGV[2 * i])
  redis.call('ZADD', KEYS[i], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.ceil((span + lease) / 1000) + 1000)
end
return 0
"""

# The request granted as ARGV[1] was answered: it counts from now (never later than its lease).
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local score = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if score and tonumber(score) > now then redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1]) end
end
return 1
"""

# Only ever lengthen a pause: two workers seeing 429s must not shorten each other's wait.
_PAUSE = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""


class RedisLimiter:
    """Sliding-window logs in Redis, shared by every process and machine using it."""

    def __init__(self, redis):
        self.redis = redis
        self._acquire = redis.register_script(_ACQUIRE)
        self._pause = redis.register_script(_PAUSE)
        self._release = redis.register_script(_RELEASE)

    def acquire(self, pause_key: str, windows: list[tuple[str, Window]],
                member: str | None = None, lease: float = 0.0) -> float:
        """Grant one request (0.0) or say how many seconds until one could be granted.

        With a ``lease``, the grant counts as in flight (for at most that long) until
        `release` is called with the same ``member``.
        """
        args: list = [member or uuid.uuid4().hex, int(lease * 1_000_000)]
        for _, window in windows:
            args += [window.limit, int(window.span * 1_000_000)]
        wait_us = self._acquire(keys=[pause_key, *(k for k, _ in windows)], args=args)
        return int(wait_us) / 1_000_000

    def peek(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Not known without a grant: queue workers wait at the gate, so say "now"."""
        return 0.0

    def release(self, keys: list[str], member: str) -> None:
        """The request granted as ``member`` has been answered: it counts from now on."""
        self._release(keys=keys, args=[member])

    def pause(self, pause_key: str, seconds: float) -> None:
        """Grant nothing under ``pause_key`` for ``seconds``, in every process."""
        self._pause(keys=[pause_key], args=[max(1, int(seconds * 1000))])
