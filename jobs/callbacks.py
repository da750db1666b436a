"""Completing HubSpot callbacks of queued executions, batched per portal, until HubSpot accepts.

A finished execution's id goes into a per-portal sorted set in Redis (score = when it may next
be sent). Whoever holds the portal's short lock sends every due completion in one batch call;
a failed send puts them back with a later score, and the recovery sweep re-adds any finished
row whose callback is still outstanding, so no completion is lost when a worker dies.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

from clients.hubspot import HubSpotError, HubSpotRateLimited
from executions import ledger
from failures import TransientFailure
from store import links
from store.tables import ApiCall, Execution, utcnow

log = logging.getLogger(__name__)

# HubSpot's batch endpoints take 100 inputs.
BATCH_LIMIT = 100
# A failed send is retried after this long, doubling up to the cap.
RETRY_SECONDS = 5.0
RETRY_CAP_SECONDS = 300.0
# A queued execution's callback expires after BLOCK_EXPIRATION (P1D); never retry past that.
CALLBACK_LIFETIME = timedelta(days=1)
# Answers meaning HubSpot will never accept this completion (unknown or expired callbackId, a
# body it rejects); anything else (429, 5xx, 401, 403 until the app is reinstalled) is retried.
REFUSALS = frozenset({400, 404, 409, 410})

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Completions:
    """The outbox of callback completions, shared by every worker through Redis."""

    def __init__(self, runtime, redis, prefix: str):
        self.runtime = runtime
        self.redis = redis
        self.prefix = prefix
        self._release = redis.register_script(_RELEASE)

    def _outbox(self, portal_id: int) -> str:
        return f"{self.prefix}:callbacks:{portal_id}"

    @property
    def _portals(self) -> str:
        return f"{self.prefix}:callbacks:portals"

    def _refused(self, execution_id: int) -> str:
        return f"{self.prefix}:callbacks:refused:{execution_id}"

    @property
    def _tries(self) -> str:
        return f"{self.prefix}:callbacks:tries"

    def _forget(self, outbox: str, *ids: int) -> None:
        """Drop completions from the outbox and their retry counts."""
        self.redis.zrem(outbox, *ids)
        self.redis.hdel(self._tries, *ids)

    def add(self, execution: Execution) -> bool:
        """Queue one finished execution's completion (sent by the next flush of its portal).

        Returns True when it was not queued already.
        """
        if not ledger.awaits_callback(execution) or self.redis.exists(self._refused(execution.id)):
            return False
        return self.add_finished(execution.portal_id, execution.id)

    def add_finished(self, portal_id: int, execution_id: int) -> bool:
        """Queue the completion of a row the caller just saw finish (no database read)."""
        # NX: a completion already waiting for a retry keeps its backoff.
        added = self.redis.zadd(self._outbox(portal_id), {execution_id: time.time()}, nx=True)
        self.redis.sadd(self._portals, portal_id)
        return bool(added)

    def waiting(self, portal_id: int) -> int:
        """How many completions of a portal are queued (due or backing off)."""
        return int(self.redis.zcard(self._outbox(portal_id)))

    def flush_all(self, min_age: float = 0.0) -> int:
        """Flush every portal with due completions; returns how many were accepted."""
        sent = 0
        for raw in self.redis.smembers(self._portals):
            portal_id = int(raw)
            sent += self.flush(portal_id, min_age)
            if not self.redis.zcard(self._outbox(portal_id)):
                self.redis.srem(self._portals, portal_id)
        return sent

    def flush(self, portal_id: int, min_age: float = 0.0) -> int:
        """Send a portal's due completions in batches, unless another worker is sending them.

        With ``min_age``, wait until the oldest due completion is that old, so completions
        finishing close together share one call. Returns how many HubSpot accepted.
        """
        outbox, sent = self._outbox(portal_id), 0
        lock = f"{outbox}:lock"
        while True:
            now = time.time()
            oldest = self.redis.zrangebyscore(outbox, "-inf", now, start=0, num=1, withscores=True)
            if not oldest:
                return sent
            due_count = self.redis.zcount(outbox, "-inf", now)
            if now - oldest[0][1] < min_age and due_count < BATCH_LIMIT:
                return sent
            token = uuid.uuid4().hex
            if not self.redis.set(lock, token, nx=True, px=60_000):
                return sent  # the holder re-checks after releasing, so nothing is stranded
            try:
                ids = [int(m) for m in self.redis.zrangebyscore(outbox, "-inf", now)]
                for start in range(0, len(ids), BATCH_LIMIT):
                    sent += self._send(portal_id, ids[start : start + BATCH_LIMIT])
            finally:
                self._release(keys=[lock], args=[token])
            # Loop: completions added while we held the lock are ours to send now.

    def _send(self, portal_id: int, ids: list[int]) -> int:
        """One batch call (or a single call) for these executions; reschedules on failure."""
        outbox = self._outbox(portal_id)
        rows = ledger.by_ids(self.runtime.db, ids)
        ready = [r for r in rows if ledger.awaits_callback(r)]
        stale = set(ids) - {r.id for r in ready}
        if stale:  # completed meanwhile, rerun, or gone: nothing to send
            self._forget(outbox, *stale)
        if not ready:
            return 0
        calls: list[dict] = []
        client = self.runtime.hubspot_client(portal_id, lambda **call: calls.append(call))
        try:
            if len(ready) == 1:
                client.complete_callback(ready[0].callback_id, ready[0].outputs)
            else:
                client.complete_callbacks([(r.callback_id, r.outputs) for r in ready])
        except HubSpotError as exc:
            if isinstance(exc, HubSpotRateLimited) or exc.status not in REFUSALS:
                self._retry_later(outbox, ready, str(exc))
                return 0
            if len(ready) > 1:
                # One bad callbackId fails the whole batch: send them one by one to find it.
                return sum(self._send(portal_id, [r.id]) for r in ready)
            self._refuse(outbox, ready[0], exc)
            return 0
        except Exception as exc:  # outage, spent budget, token trouble: all worth a retry
            reason = exc.message if isinstance(exc, TransientFailure) else str(exc)
            self._retry_later(outbox, ready, reason)
            return 0
        finally:
            self._record_calls(ready, calls)
        ledger.mark_callbacks_completed(self.runtime.db, [r.id for r in ready])
        self._forget(outbox, *(r.id for r in ready))
        return len(ready)

    def _retry_later(self, outbox: str, rows: list[Execution], reason: str) -> None:
        """Put completions back with a later score, backing off while the failures repeat."""
        now, later = time.time(), {}
        for row in rows:
            if row.finished_at and utcnow() - _aware(row.finished_at) > CALLBACK_LIFETIME:
                self._forget(outbox, row.id)  # HubSpot stopped waiting for it
                continue
            tries = int(self.redis.hincrby(self._tries, row.id, 1))
            later[row.id] = now + min(RETRY_SECONDS * 2 ** (tries - 1), RETRY_CAP_SECONDS)
        if later:
            self.redis.zadd(outbox, later)
        log.warning("callback completion of %d execution(s) will be retried: %s",
                    len(rows), reason)  # fmt: skip

    def _refuse(self, outbox: str, row: Execution, exc: HubSpotError) -> None:
        """HubSpot refused this completion for good (expired or unknown callback): stop."""
        log.error("HubSpot refused the callback completion of execution %s (%s): %s",
                  row.id, row.callback_id, exc)  # fmt: skip
        self._forget(outbox, row.id)
        lifetime = int(CALLBACK_LIFETIME.total_seconds())
        self.redis.set(self._refused(row.id), str(exc)[:500], ex=lifetime)

    def _record_calls(self, rows: list[Execution], calls: list[dict]) -> None:
        """Show the completion call on each execution's detail page."""
        links.add_api_calls(self.runtime.db, [
            ApiCall(execution_id=r.id, service=c["service"], method=c["method"],
                    path=c["path"][:500], status=c.get("status", 0),
                    duration_ms=int(c.get("duration_ms", 0)))
            for r in rows for c in calls
        ])  # fmt: skip


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
