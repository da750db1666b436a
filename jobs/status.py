"""Queue mode status sync: the settling job and the worker's 15-minute and daily passes."""

from __future__ import annotations

import logging
import time

from jobs.tasks import current_runtime
from statussync import settle

log = logging.getLogger(__name__)
RECONCILE_SECONDS = 15 * 60
OVERDUE_SECONDS = 24 * 3600


def settle_events() -> dict:
    """The RQ job: settle recorded events; creates still being booked are retried a while."""
    runtime = current_runtime()
    grace = runtime.settings.status_create_grace_seconds
    deadline = time.monotonic() + grace
    counts = settle.process_pending(runtime)
    while counts.get("pending") and time.monotonic() < deadline:
        time.sleep(0.5)
        counts = settle.process_pending(runtime)
    return counts


def tick(runtime, redis, prefix: str) -> None:
    """Run the catch-up and the overdue pass when due (one worker wins each, by a Redis lock)."""
    if redis.set(f"{prefix}:status:reconcile", "1", nx=True, ex=RECONCILE_SECONDS):
        settle.process_pending(runtime)  # events a lost job left behind
        counts = settle.reconcile(runtime)
        log.info("status catch-up: %s", counts)
    if redis.set(f"{prefix}:status:overdue", "1", nx=True, ex=OVERDUE_SECONDS):
        log.info("overdue pass: %s", settle.overdue_pass(runtime))
