"""Queue mode (REDIS_URL): RQ wiring, delayed retries, recovery sweeps and the worker loop.

The ledger is the source of truth; Redis only says what to run next. A job that is lost (worker
killed, Redis restarted, enqueue failed) is found again by the sweep, which re-enqueues ledger
rows that are pending, or running with a lapsed lease, and have no live job. Running a row twice
is harmless: a job first takes the row over in the ledger (one winner), and each QuickBooks
create carries the step's requestid, so a rerun replays instead of duplicating.

Delayed retries (a spent budget, a QuickBooks 429, an outage) go into a Redis sorted set that
every worker's maintenance thread drains, rather than RQ's scheduler: the scheduler is a process
forked from one worker that holds a lock, so it inherits the worker's database pools and
survives a SIGKILL of its parent as an orphan; a sorted set claimed item by item (ZREM decides
who enqueues) needs no leader and keeps working while any worker lives.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from accounts import details as account_details
from accounts import upkeep
from executions import budgets as ratelimit
from executions import ledger
from jobs import status, tasks
from jobs.callbacks import CALLBACK_LIFETIME, Completions
from store.tables import utcnow

log = logging.getLogger(__name__)

JOB_FUNCTION = "jobs.tasks.run_execution"
# A job runs a chunk of executions; each waits at most the worker budget wait per request.
JOB_TIMEOUT = 3600
RESULT_TTL = 3600
FAILURE_TTL = 86400
# How often the workers refresh QuickBooks tokens nearing their refresh token's expiry (§8).
UPKEEP_SECONDS = 24 * 3600
# How often a worker's maintenance thread releases due retries and flushes callbacks.
TICK_SECONDS = 0.25
SWEEP_SECONDS = 10.0
SWEEP_PAGE = 500

# ZRANGEBYSCORE + ZREM in one step: each due id is handed to exactly one caller.
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
"""

LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


class ExecutionQueue:
    """`runtime.queue`: enqueue an execution now or later, and tell whether one has a job."""

    def __init__(self, runtime, redis: Redis, prefix: str):
        self.runtime = runtime
        self.redis = redis
        self.prefix = prefix
        self.rq = Queue(prefix, connection=redis)
        self.completions = Completions(runtime, redis, prefix)
        self._take_due = redis.register_script(_TAKE_DUE)

    @property
    def delayed_key(self) -> str:
        """The sorted set of deferred execution ids, scored by when they are due."""
        return f"{self.prefix}:delayed"

    def _job_key(self, execution_id: int) -> str:
        return f"{self.prefix}:job:{execution_id}"

    def enqueue(self, execution_id: int) -> str | None:
        """Queue an execution to run now; never raises (the sweep retries a failed enqueue)."""
        try:
            job = self.rq.enqueue(
                JOB_FUNCTION, int(execution_id), job_timeout=JOB_TIMEOUT, result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL, description=f"execution {execution_id}",
            )  # fmt: skip
            self.redis.set(self._job_key(execution_id), job.id, ex=FAILURE_TTL)
            return job.id
        except RedisError:
            log.exception("could not enqueue execution %s; the recovery sweep will", execution_id)
            return None

    def defer(self, execution_id: int, seconds: float) -> None:
        """Run an execution again after ``seconds`` (any worker releases it when due)."""
        self.redis.zadd(self.delayed_key, {int(execution_id): time.time() + max(0.0, seconds)})

    def deferred(self, execution_id: int) -> bool:
        """True while an execution waits out a retry delay."""
        due = self.redis.zscore(self.delayed_key, int(execution_id))
        return due is not None and due > time.time()

    def release_due(self, limit: int = 500) -> int:
        """Enqueue the deferred executions whose time has come; returns how many."""
        due = self._take_due(keys=[self.delayed_key], args=[time.time(), limit])
        for member in due:
            self.enqueue(int(member))
        return len(due)

    def live(self, execution_ids: list[int], count_started: bool = True) -> set[int]:
        """The executions that are deferred or have a queued (or, optionally, started) job."""
        if not execution_ids:
            return set()
        deferred = self.redis.zmscore(self.delayed_key, execution_ids)
        found = {i for i, score in zip(execution_ids, deferred, strict=True) if score is not None}
        job_ids = self.redis.mget([self._job_key(i) for i in execution_ids])
        pairs = [(i, j.decode()) for i, j in zip(execution_ids, job_ids, strict=True) if j]
        jobs = Job.fetch_many([j for _, j in pairs], connection=self.redis)
        for (execution_id, _), job in zip(pairs, jobs, strict=True):
            if job is None:
                continue
            status = job.get_status(refresh=False)
            if status in LIVE_STATUSES and (count_started or status != JobStatus.STARTED):
                found.add(execution_id)
        return found


class Sweeper:
    """Finds ledger rows whose job was lost and callbacks not yet completed, and requeues them."""

    def __init__(self, runtime, queue: ExecutionQueue):
        self.runtime = runtime
        self.queue = queue

    def sweep(self) -> dict[str, int]:
        """One pass over the ledger; safe to run in several workers at once."""
        db, queue = self.runtime.db, self.queue
        counts = {"pending": 0, "lapsed": 0, "callbacks": 0}
        grace = self.runtime.settings.pending_grace_seconds
        # Pending and never picked up (enqueue failed, Redis lost its data, job died early).
        since = utcnow() - timedelta(seconds=grace)
        for page in _pages(lambda n, after: ledger.pending_untouched(db, since, n, after)):
            live = queue.live([r.id for r in page])
            for row in page:
                if row.id not in live:
                    queue.enqueue(row.id)
                    counts["pending"] += 1
        # Running with a lapsed lease: its worker died (its RQ job still looks started).
        lapsed = ledger.lapsed(db, SWEEP_PAGE)
        live = queue.live([r.id for r in lapsed], count_started=False)
        for row in lapsed:
            if row.id not in live:
                log.warning("execution %s lost its worker; running it again", row.id)
                queue.enqueue(row.id)
                counts["lapsed"] += 1
        # Finished, but HubSpot has not accepted the callback completion yet.
        since = utcnow() - CALLBACK_LIFETIME
        for page in _pages(lambda n, after: ledger.uncompleted_callbacks(db, since, n, after)):
            for row in page:
                if queue.completions.add(row):
                    counts["callbacks"] += 1
        queue.completions.flush_all()
        return counts


def _pages(fetch):
    """Yield pages from fetch(limit, after_id) until one comes back short (at most 10)."""
    after = 0
    for _ in range(10):
        page = fetch(SWEEP_PAGE, after)
        if page:
            yield page
        if len(page) < SWEEP_PAGE:
            return
        after = page[-1].id


class Maintenance:
    """A worker's background duties: release due retries, flush callbacks, sweep now and then."""

    def __init__(self, runtime, queue: ExecutionQueue, sweep_seconds: float = SWEEP_SECONDS):
        self.runtime = runtime
        self.queue = queue
        self.sweeper = Sweeper(runtime, queue)
        self.sweep_seconds = sweep_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, sweep: bool = True, force: bool = False) -> None:
        """One round of every duty; the sweep only if no other worker swept just now (or force)."""
        self.queue.release_due()
        window = self.runtime.settings.callback_window_seconds
        self.queue.completions.flush_all(min_age=window)
        self._token_upkeep()
        lock = f"{self.queue.prefix}:sweep"
        ttl = max(1, int(self.sweep_seconds) - 1)
        if force or (sweep and self.queue.redis.set(lock, "1", nx=True, ex=ttl)):
            counts = self.sweeper.sweep()
            if any(counts.values()):
                log.info("recovery sweep: %s", counts)
        # Account details are re-read once a day old; one worker checks per hour.
        if self.queue.redis.set(f"{self.queue.prefix}:accounts", "1", nx=True, ex=3600):
            refreshed = account_details.refresh_all_stale(self.runtime)
            if any(refreshed.values()):
                log.info("account details: %s", refreshed)

        if sweep or force:
            status.tick(self.runtime, self.queue.redis, self.queue.prefix)

    def _token_upkeep(self) -> None:
        """Once a day across all workers: refresh QuickBooks tokens expiring within 30 days."""
        if self.queue.redis.set(f"{self.queue.prefix}:token-upkeep", "1", nx=True,
                                ex=UPKEEP_SECONDS):  # fmt: skip
            results = upkeep.refresh_expiring(self.runtime)
            if results:
                log.info("token upkeep: %s refreshed, %s failed", sum(r.ok for r in results),
                         sum(not r.ok for r in results))  # fmt: skip

    def start(self) -> None:
        """Run the duties in a daemon thread until stop()."""
        self._thread = threading.Thread(target=self._loop, name="hubqbo-maintenance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        next_sweep = time.monotonic() + self.sweep_seconds
        while not self._stop.wait(TICK_SECONDS):
            try:
                sweep = time.monotonic() >= next_sweep
                if sweep:
                    next_sweep = time.monotonic() + self.sweep_seconds
                self.run_once(sweep=sweep)
            except Exception:  # keep the thread alive through a Redis or database blip
                log.exception("worker maintenance failed; retrying")


def init_app(app) -> None:
    """Install rate budgets (Redis-backed in queue mode) and, with REDIS_URL, the queue."""
    runtime = app.extensions["hubqbo"]
    settings = runtime.settings
    prefix = settings.redis_prefix
    current = lambda: runtime.settings  # noqa: E731 - tests replace runtime.settings
    runtime.call_observers.append(tasks.API_CLOCK)  # tells API time from the server's own
    if not settings.redis_url:
        # Without Redis each web process keeps its own books, so each takes its share of the
        # limits: gunicorn starts WEB_CONCURRENCY workers (the Procfile exports it).
        share = int(os.environ.get("WEB_CONCURRENCY") or 1)
        limiter = ratelimit.LocalLimiter()
        runtime.quickbooks_budget = ratelimit.QuickBooksBudget(limiter, current, prefix, share)
        runtime.hubspot_budget = ratelimit.HubSpotBudget(limiter, current, prefix, share)
        return
    redis = Redis.from_url(settings.redis_url)
    limiter = ratelimit.RedisLimiter(redis)
    runtime.quickbooks_budget = ratelimit.QuickBooksBudget(limiter, current, prefix)
    runtime.hubspot_budget = ratelimit.HubSpotBudget(limiter, current, prefix)
    runtime.queue = ExecutionQueue(runtime, redis, prefix)
    runtime.readiness_probes["redis"] = redis.ping


class _Worker(SimpleWorker):
    """RQ's in-process worker, reading its command channel with a short poll (1 s), not 60.

    redis-py 8's pubsub thread ``stop()`` waits for the read in progress; when the thread had
    already taken the unsubscribe reply and gone back to a 60-second read, every shutdown of a
    worker (a burst ending, a warm stop) sat for up to a minute.
    """

    command_poll_seconds = 1.0  # run_worker sets settings.worker_command_poll_seconds

    def subscribe(self):
        """Subscribe to this worker's command channel (RQ's, with a short read)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.command_poll_seconds, daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )  # fmt: skip


def run_worker(app, *, burst: bool = False, name: str | None = None,
               sweep_seconds: float = SWEEP_SECONDS) -> None:
    """Work the app's queue in this process until stopped (or, with burst, until it is empty).

    Jobs run in this process (RQ's SimpleWorker), not in a fork per job: the app, its database
    pool and HTTP sessions are built once and reused, and the maintenance thread is safe.
    Run as many of these processes, on as many machines, as the load needs.
    """
    runtime = app.extensions["hubqbo"]
    queue = runtime.queue
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: there is no queue to work")
    maintenance = Maintenance(runtime, queue, sweep_seconds)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with app.app_context():
        maintenance.run_once(force=True)  # recover what dead workers left, before new work
        if not burst:
            maintenance.start()
        worker = _Worker([queue.rq], connection=queue.redis, name=name)
        worker.command_poll_seconds = runtime.settings.worker_command_poll_seconds
        try:
            worker.work(burst=burst, logging_level="WARNING")
        finally:
            maintenance.stop()
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        if burst:
            maintenance.run_once()
