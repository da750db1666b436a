"""Request budgets per QuickBooks company and per HubSpot portal, shared through Redis.

QuickBooks allows 10 requests per second and 500 per minute per company (batch requests also
40 per minute); HubSpot about 100 per 10 seconds per portal (reference §6 / §7). Each limit is
kept as a sliding-window log of grant times, not a refilling token bucket: a bucket of 500
refilled at 500/min grants up to 1,000 requests in some 60-second window (a full bucket plus a
minute of refill), which QuickBooks would answer with 429 and a 60-second pause. A log grants a
request only while every window (now - span, now] holds fewer than ``limit`` grants, which is
exactly the rule the API enforces, so the server can run at the limit without crossing it.

With Redis the check-and-grant is one Lua script on Redis' clock (atomic across processes and
machines, no clock skew); without Redis an in-process log under a lock does the same.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from failures import TransientFailure

log = logging.getLogger(__name__)

# The limits, the rate margin, the 429 pause and the budget waits are settings (settings.py).


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``span`` seconds."""

    limit: int
    span: float


# --- how long a caller may wait -------------------------------------------------------------

_patience = threading.local()


@contextmanager
def patience(seconds: float) -> Iterator[None]:
    """Let budget checks in this thread wait up to ``seconds`` (queue workers use this)."""
    previous = getattr(_patience, "seconds", None)
    _patience.seconds = seconds
    try:
        yield
    finally:
        _patience.seconds = previous


def current_patience(default: float) -> float:
    """The wait allowed in this thread: set by `patience`, else ``default``."""
    seconds = getattr(_patience, "seconds", None)
    return default if seconds is None else seconds


def waited() -> float:
    """Seconds this thread has slept waiting for budget so far (for timing the server)."""
    return getattr(_patience, "waited", 0.0)


def record_wait(seconds: float) -> None:
    """Count time this thread spent held back for the budgets in another way (gathering)."""
    _patience.waited = waited() + seconds


def _sleep(seconds: float) -> None:
    record_wait(seconds)
    time.sleep(seconds)


# --- limiters: the grant decision -----------------------------------------------------------


class LocalLimiter:
    """Sliding-window logs in this process (inline mode without Redis); thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._lock = threading.Lock()
        self._logs: dict[str, deque[float]] = {}
        self._pauses: dict[str, float] = {}
        self._clock = clock

    def acquire(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Grant one request (0.0) or say how many seconds until one could be granted."""
        with self._lock:
            now = self._clock()
            paused_until = self._pauses.get(pause_key, 0.0)
            if paused_until > now:
                return paused_until - now
            wait = 0.0
            for key, window in windows:
                grants = self._logs.setdefault(key, deque())
                while grants and grants[0] <= now - window.span:
                    grants.popleft()
                if len(grants) >= window.limit:
                    oldest = grants[len(grants) - window.limit]
                    wait = max(wait, oldest + window.span - now)
            if wait > 0:
                return wait
            for key, _ in windows:
                self._logs[key].append(now)
            return 0.0

    def peek(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Seconds until one request could be granted (0.0: now), granting nothing."""
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._pauses.get(pause_key, 0.0) - now)
            for key, window in windows:
                grants = [t for t in self._logs.get(key, ()) if t > now - window.span]
                if len(grants) >= window.limit:
                    wait = max(wait, grants[len(grants) - window.limit] + window.span - now)
            return wait

    def pause(self, pause_key: str, seconds: float) -> None:
        """Grant nothing under ``pause_key`` for ``seconds``."""
        with self._lock:
            until = self._clock() + seconds
            self._pauses[pause_key] = max(self._pauses.get(pause_key, 0.0), until)


# KEYS[1] = pause key, KEYS[2..] = window logs (sorted sets of grant times in microseconds);
# ARGV[1] = a unique member suffix, then (limit, span in microseconds) per window.
# Returns 0 when granted, else the microseconds to wait. Runs atomically on Redis' own clock.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused * 1000 end
local wait = 0
for i = 2, #KEYS do
  local limit = tonumber(ARGV[2 * i - 2])
  local span = tonumber(ARGV[2 * i - 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + span - now + 1
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 2, #KEYS do
  local span = tonumber(ARGV[2 * i - 1])
  redis.call('ZADD', KEYS[i], now, now .. ':' .. ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.ceil(span / 1000) + 1000)
end
return 0
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

    def acquire(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Grant one request (0.0) or say how many seconds until one could be granted."""
        args: list = [uuid.uuid4().hex[:12]]
        for _, window in windows:
            args += [window.limit, int(window.span * 1_000_000)]
        wait_us = self._acquire(keys=[pause_key, *(k for k, _ in windows)], args=args)
        return int(wait_us) / 1_000_000

    def peek(self, pause_key: str, windows: list[tuple[str, Window]]) -> float:
        """Not known without a grant: queue workers wait at the gate, so say "now"."""
        return 0.0

    def pause(self, pause_key: str, seconds: float) -> None:
        """Grant nothing under ``pause_key`` for ``seconds``, in every process."""
        self._pause(keys=[pause_key], args=[max(1, int(seconds * 1000))])


# --- gates: what the API clients call before every request ----------------------------------


class Gate:
    """Called before each request to one company or portal: waits for budget, or gives up.

    Giving up raises TransientFailure(status=429, retry_after=...): inline, HubSpot is told to
    come back then; in a worker, the job is deferred by that long.
    """

    def __init__(self, limiter, name: str, pause_key: str, windows: list[tuple[str, Window]],
                 default_wait: float, pause_seconds: float = 0.0):
        self.limiter = limiter
        self.name = name
        self.pause_key = pause_key
        self.windows = windows
        self.default_wait = default_wait
        self.pause_seconds = pause_seconds
        # QuickBooks batch requests have their own window: call gate.batch() before one.
        self.batch: Gate | None = None

    def __call__(self) -> None:
        """Take one request's budget, sleeping while it is short, within this thread's patience."""
        deadline = time.monotonic() + current_patience(self.default_wait)
        while True:
            wait = self.limiter.acquire(self.pause_key, self.windows)
            if wait <= 0:
                return
            if time.monotonic() + wait > deadline:
                raise TransientFailure(
                    f"the request budget of {self.name} is spent; retry in {math.ceil(wait)} s",
                    retry_after=wait, status=429,
                )  # fmt: skip
            # A little jitter so waiters woken together don't all race for the same slot.
            _sleep(wait + random.uniform(0, 0.01))

    def peek(self) -> float:
        """Seconds until this gate could grant a request, granting nothing (admission)."""
        return self.limiter.peek(self.pause_key, self.windows)

    def rate(self) -> float:
        """Requests per second this gate grants at most over a long run."""
        return min(window.limit / window.span for _, window in self.windows)

    def observe(self, **call) -> None:
        """After each call: a 429 from the API pauses this company for every worker."""
        if self.pause_seconds and call.get("status") == 429:
            log.warning("%s answered 429; pausing it for %.0f s", self.name, self.pause_seconds)
            self.limiter.pause(self.pause_key, self.pause_seconds)


def _share(limit: int, share: int) -> int:
    """This process's part of a limit that ``share`` processes split (at least 1)."""
    return max(1, limit // max(1, share))


class QuickBooksBudget:
    """Per-company budgets: 10/s and 500/min for every request, 40/min for batch requests.

    ``share`` > 1 splits the limits between that many processes that cannot see each other's
    grants (in-process limiters without Redis, e.g. gunicorn's WEB_CONCURRENCY workers).
    """

    def __init__(self, limiter, settings: Callable, prefix: str = "hubqbo", share: int = 1):
        self.limiter = limiter
        self.settings = settings  # read on every call: tests replace runtime.settings
        self.prefix = prefix
        self.share = share

    def _key(self, realm: str, part: str) -> str:
        # The {realm} hash tag keeps one company's keys in one Redis Cluster slot (Lua needs it).
        return f"{self.prefix}:qbo:{{{realm}}}:{part}"

    def _windows(self) -> tuple[Window, Window, Window]:
        s = self.settings()
        margin = s.rate_margin_seconds
        return (
            Window(_share(s.quickbooks_per_second, self.share), 1.0 + margin),
            Window(_share(s.quickbooks_per_minute, self.share), 60.0 + margin),
            Window(_share(s.quickbooks_batch_per_minute, self.share), 60.0 + margin),
        )

    def for_realm(self, realm: str) -> Gate:
        """The gate the QuickBooks client of one company calls before every request."""
        second, minute, batch = self._windows()
        gate = Gate(
            self.limiter, f"QuickBooks company {realm}", self._key(realm, "pause"),
            [(self._key(realm, "second"), second), (self._key(realm, "minute"), minute)],
            default_wait=_inline_wait(self.settings()),
            pause_seconds=self.settings().quickbooks_pause_seconds,
        )  # fmt: skip
        gate.batch = Gate(
            self.limiter, f"QuickBooks company {realm} (batch)", self._key(realm, "pause"),
            [(self._key(realm, "batch"), batch)], default_wait=gate.default_wait,
        )  # fmt: skip
        return gate

    def pause(self, realm: str, seconds: float | None = None) -> None:
        """Stop every worker calling this company for a while (after a 429)."""
        if seconds is None:
            seconds = self.settings().quickbooks_pause_seconds
        self.limiter.pause(self._key(realm, "pause"), seconds)


class HubSpotBudget:
    """Per-portal budgets: 100 requests per 10 seconds (the safe floor of reference §7)."""

    def __init__(self, limiter, settings: Callable, prefix: str = "hubqbo", share: int = 1):
        self.limiter = limiter
        self.settings = settings
        self.prefix = prefix
        self.share = share

    def for_portal(self, portal_id) -> Gate:
        """The gate the HubSpot client of one portal calls before every request."""
        s = self.settings()
        window = Window(
            _share(s.hubspot_per_window, self.share),
            s.hubspot_window_seconds + s.rate_margin_seconds,
        )
        key = f"{self.prefix}:hs:{{{portal_id}}}"
        # A 429 from HubSpot means the portal's window is full: wait that window out everywhere.
        return Gate(
            self.limiter, f"HubSpot portal {portal_id}", f"{key}:pause",
            [(f"{key}:window", window)], default_wait=_inline_wait(self.settings()),
            pause_seconds=window.span,
        )  # fmt: skip


def _inline_wait(settings) -> float:
    """How long a request handler may wait for budget before answering 429."""
    return settings.inline_budget_wait


def worker_wait(settings) -> float:
    """How long a queue worker may wait for budget before deferring the job."""
    return settings.worker_budget_wait
