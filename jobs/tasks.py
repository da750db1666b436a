"""RQ jobs: run queued executions, a chunk of one portal at a time, and complete their callbacks.

A job takes its own ledger row, then also takes the portal's other rows nobody has started
(up to `queue_batch_size`), so an action's optional ``prefetch(runtime, executions)`` can read
HubSpot and QuickBooks in batch calls for all of them, and their callbacks complete in one call.
The jobs of the rows it took find them running or finished and return at once.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app, has_app_context

from actions import ACTIONS
from actions.base import Outcome
from executions import budgets as ratelimit
from executions import executor, ledger, reservations
from failures import TransientFailure
from jobs import expiry
from store.tables import Execution

log = logging.getLogger(__name__)

# An execution failing with an unexpected error is retried with backoff, then failed for good.
MAX_ATTEMPTS = 8
ERROR_BACKOFF_SECONDS = 30.0
ERROR_BACKOFF_CAP = 3600.0

def current_runtime():
    """The app's runtime: jobs run inside the app context `jobs.queue.run_worker` opens."""
    if not has_app_context():
        raise RuntimeError("queued executions run in `flask --app app worker`, not bare RQ")
    return current_app.extensions["hubqbo"]


class ApiClock(threading.local):
    """Per-thread total of time spent inside API calls (a runtime call observer)."""

    seconds = 0.0

    def __call__(self, **call) -> None:
        """Add one call's duration."""
        self.seconds += call.get("duration_ms", 0) / 1000


API_CLOCK = ApiClock()


class Stopwatch:
    """How long one execution took, and how much of that was the server's own work."""

    def __init__(self):
        self.started = time.perf_counter()
        self.api = API_CLOCK.seconds
        self.waited = ratelimit.waited()

    def read(self) -> dict[str, float]:
        """Total, API-call and budget-wait milliseconds, and what remains: the server's own."""
        total = time.perf_counter() - self.started
        api = API_CLOCK.seconds - self.api
        waited = ratelimit.waited() - self.waited
        own = max(0.0, total - api - waited)
        return {"total_ms": round(total * 1000, 2), "api_ms": round(api * 1000, 2),
                "wait_ms": round(waited * 1000, 2), "own_ms": round(own * 1000, 2)}  # fmt: skip


def run_execution(execution_id: int) -> dict:
    """The RQ job: run one queued execution (and the portal's others waiting behind it)."""
    runtime = current_runtime()
    timings = ChunkRun(runtime).run(int(execution_id))
    _remember(timings)
    return {"ran": sorted(timings)}


def _remember(timings: dict[int, dict]) -> None:
    """Keep per-execution timings on the RQ job (dashboards and the benchmark read them)."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None and timings:
        job.meta["timings"] = {str(k): v for k, v in timings.items()}
        job.save_meta()


class LeaseKeeper:
    """Keeps the leases of the rows a job holds alive while its process lives."""

    def __init__(self, db, ids: list[int], lease_seconds: float):
        self.db = db
        self.ids = list(ids)
        self.lease_seconds = lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hubqbo-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(max(0.2, self.lease_seconds / 3)):
            try:
                ledger.extend_leases(self.db, self.ids, self.lease_seconds)
            except Exception:  # a database blip: the next beat tries again
                log.exception("could not extend execution leases")


class ChunkRun:
    """One job's work: take the row (and its portal's unstarted ones), run them, complete them."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.db = runtime.db
        self.queue = runtime.queue
        self.settings = runtime.settings

    def run(self, execution_id: int) -> dict[int, dict]:
        """Run the chunk; returns each execution's timings."""
        lease = self.settings.execution_lease_seconds
        row = ledger.by_id(self.db, execution_id)
        if row is None:
            return {}
        if row.finished:  # a repeat job, or the last one died before completing the callback
            self.queue.completions.add(row)
            self.queue.completions.flush(row.portal_id)
            return {}
        if self.queue.deferred(execution_id):
            return {}  # a stale job of a row now waiting out a retry delay: its turn comes
        if not ledger.take_over(self.db, row, lease):
            return {}  # another worker holds it (or just finished it)
        ids = [execution_id, *self._take_more(row.portal_id, lease)]
        timings: dict[int, dict] = {}
        done: set[int] = set()
        try:
            with LeaseKeeper(self.db, ids, lease):
                rows = ledger.by_ids(self.db, ids)
                self._prefetch(rows)
                for row in rows:
                    timings[row.id] = self._run_one(row)
                    done.add(row.id)
        finally:
            self._give_back([i for i in ids if i not in done])
            self.queue.completions.flush(row.portal_id)
        return timings

    def _take_more(self, portal_id: int, lease: float) -> list[int]:
        """Take over the portal's rows no worker has started, up to the batch size."""
        size = self.settings.queue_batch_size
        if size <= 1:
            return []
        candidates = ledger.never_started_ids(self.db, portal_id, size - 1)
        return [i for i in candidates if ledger.take_over_id(self.db, i, lease)]

    def _prefetch(self, rows: list[Execution]) -> None:
        """Let each action read what its executions need in batch calls (optional hook)."""
        by_action: dict[str, list[Execution]] = {}
        for row in rows:
            by_action.setdefault(row.action, []).append(row)
        for slug, group in by_action.items():
            prefetch = getattr(ACTIONS.get(slug), "prefetch", None)
            if prefetch is None or len(group) < 2:
                continue
            try:
                with ratelimit.patience(ratelimit.worker_wait(self.settings)):
                    prefetch(self.runtime, group)
            except Exception:  # a warm-up only: each execution still reads what it misses
                log.exception("prefetch for %s failed; running without it", slug)

    def _run_one(self, row: Execution) -> dict:
        """Run one execution to its outcome, a deferral, or (after repeated errors) a failure."""
        watch = Stopwatch()
        completions = self.queue.completions
        try:
            with ratelimit.patience(ratelimit.worker_wait(self.settings)):
                executor.run(self.runtime, row)
            if ledger.answered_block(row):
                completions.add_finished(row.portal_id, row.id)
        except TransientFailure as transient:
            # The executor released the row; run it again when the budget or service allows,
            # unless HubSpot will have stopped waiting for the callback by then (SPEC §8).
            if expiry.outlived(row, transient.retry_after):
                self._exhaust(row, transient.message)
            else:
                self.queue.defer(row.id, transient.retry_after)
        except Exception:
            log.exception("execution %s failed unexpectedly (attempt %s)", row.id, row.attempts)
            delay = min(ERROR_BACKOFF_SECONDS * 2 ** (row.attempts - 1), ERROR_BACKOFF_CAP)
            if row.attempts < MAX_ATTEMPTS and expiry.outlived(row, delay):
                self._exhaust(row, "the server failed to run it; see its logs")
            elif row.attempts >= MAX_ATTEMPTS:
                ledger.finish(self.db, row, Outcome(
                    "failed", error_code="INTERNAL_ERROR",
                    error_message="The server failed to run this execution; see its logs.",
                ))  # fmt: skip
                completions.add(ledger.by_id(self.db, row.id))
            else:
                self.queue.defer(row.id, delay)
        # Completions finishing within the window share one call (see jobs/callbacks.py).
        window = self.settings.callback_window_seconds
        completions.flush(row.portal_id, min_age=window)
        return watch.read()

    def _exhaust(self, row: Execution, cause: str) -> None:
        """End an execution whose next retry would outlive its callback: FAIL_CONTINUE."""
        ledger.finish(self.db, row, Outcome(
            "failed", error_code="RETRIES_EXHAUSTED",
            error_message=f"Retries stopped before HubSpot's callback expired; last cause: "
                          f"{cause}",
        ))  # fmt: skip
        reservations.give_back_all(self.db, row)
        self.queue.completions.add(ledger.by_id(self.db, row.id))

    def _give_back(self, ids: list[int]) -> None:
        """Release rows this job took but did not run (it is stopping), and queue them again."""
        for execution_id in ids:
            if ledger.release_if_running(self.db, execution_id, "worker stopped before running it"):
                self.queue.enqueue(execution_id)
