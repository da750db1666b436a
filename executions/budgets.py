"""Request budgets per QuickBooks company and per HubSpot portal, shared through Redis.

QuickBooks allows 10 requests per second and 500 per minute per company (batch requests also
40 per minute); HubSpot about 100 per 10 seconds per portal (reference §6 / §7). Each limit is
kept as a sliding-window log of grant times, not a refilling token bucket: a bucket of 500
refilled at 500/min grants up to 1,000 requests in some 60-second window (a full bucket plus a
minute of refill), which QuickBooks would answer with 429 and a 60-second pause. A log grants a
request only while every window (now - span, now] holds fewer than ``limit`` grants, which is
exactly the rule the API enforces, so the server can run at the limit without crossing it.

A grant is logged as in flight until the API has answered, and only then at the answer's time:
the API counts a request when it arrives, which is somewhere between our grant and its answer,
so a request delayed in transit (a descheduled worker, a slow socket) can't crowd into the same
API second as requests granted after it. Eleven arrivals in one second would need ten requests
granted earlier and answered less than a span before the eleventh's grant, which the log forbids.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from executions.limiters import LocalLimiter, RedisLimiter, Window
from failures import TransientFailure

__all__ = ["Gate", "HubSpotBudget", "LocalLimiter", "QuickBooksBudget", "RedisLimiter", "Window",
           "patience", "worker_wait"]

log = logging.getLogger(__name__)

# The limits, the rate margin, the 429 pause and the budget waits are settings (settings.py).


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


# --- gates: what the API clients call before every request ----------------------------------

# Grants this thread took for the request it is about to send (a batch request takes two);
# the call's answer (`Gate.observe`, in the same thread) releases them.
_in_flight = threading.local()


def _granted(limiter, keys: list[str], member: str) -> None:
    pending = getattr(_in_flight, "grants", None)
    if pending is None:
        pending = _in_flight.grants = []
    pending.append((limiter, keys, member))


def _answered() -> None:
    pending = getattr(_in_flight, "grants", None) or []
    _in_flight.grants = []
    for limiter, keys, member in pending:
        limiter.release(keys, member)



class Gate:
    """Called before each request to one company or portal: waits for budget, or gives up.

    Giving up raises TransientFailure(status=429, retry_after=...): inline, HubSpot is told to
    come back then; in a worker, the job is deferred by that long.
    """

    def __init__(self, limiter, name: str, pause_key: str, windows: list[tuple[str, Window]],
                 default_wait: float, pause_seconds: float = 0.0, lease: float = 0.0):
        self.limiter = limiter
        self.name = name
        self.pause_key = pause_key
        self.windows = windows
        self.default_wait = default_wait
        self.pause_seconds = pause_seconds
        # How long a granted request may count as in flight when its answer never comes back
        # (a worker killed mid-request); `observe` ends it sooner, at the answer.
        self.lease = lease
        # QuickBooks batch requests have their own window: call gate.batch() before one.
        self.batch: Gate | None = None

    def __call__(self) -> None:
        """Take one request's budget, sleeping while it is short, within this thread's patience."""
        deadline = time.monotonic() + current_patience(self.default_wait)
        member = uuid.uuid4().hex
        while True:
            wait = self.limiter.acquire(self.pause_key, self.windows, member, self.lease)
            if wait <= 0:
                _granted(self.limiter, [key for key, _ in self.windows], member)
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
        """After each call: its grants count from its answer; a 429 pauses the company."""
        _answered()
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
            lease=self.settings().http_timeout_seconds,
        )  # fmt: skip
        gate.batch = Gate(
            self.limiter, f"QuickBooks company {realm} (batch)", self._key(realm, "pause"),
            [(self._key(realm, "batch"), batch)], default_wait=gate.default_wait, lease=gate.lease,
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
            pause_seconds=window.span, lease=self.settings().http_timeout_seconds,
        )  # fmt: skip


def _inline_wait(settings) -> float:
    """How long a request handler may wait for budget before answering 429."""
    return settings.inline_budget_wait


def worker_wait(settings) -> float:
    """How long a queue worker may wait for budget before deferring the job."""
    return settings.worker_budget_wait
