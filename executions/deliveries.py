"""Answer one HubSpot delivery: claim it in the ledger, then run it inline or queue it."""

from __future__ import annotations

import math

from actions.base import Action
from executions import executor, ledger
from failures import TransientFailure
from jobs.callbacks import DELIVERY_KEY, QUEUED
from jobs.expiry import EXPIRATION_KEY
from schemas.records import record_type
from store import Execution

# How long HubSpot may wait for a queued execution's callback (ISO-8601, reference §3.3).
BLOCK_EXPIRATION = "P1D"


def block_response() -> tuple[dict, int, dict]:
    """Tell HubSpot to wait for the callback."""
    outputs = {"hs_execution_state": "BLOCK", "hs_expiration_duration": BLOCK_EXPIRATION}
    return {"outputFields": outputs}, 200, {}


def handle(runtime, action: Action, request_data: dict, payload: dict) -> tuple[dict, int, dict]:
    """Claim the (portal, callbackId) row and answer: outputs, BLOCK, or 429 while running."""
    settings = runtime.settings
    record = request_data["object"]
    execution = Execution(
        portal_id=request_data["origin"]["portalId"],
        callback_id=request_data["callbackId"],
        action=action.slug,
        object_type=record_type(record["objectType"]).path,
        object_id=str(record["objectId"]),
        payload=payload,
        inputs=request_data["inputFields"],
    )
    queued = runtime.queue is not None
    if queued:  # its outcome goes back through HubSpot's callbacks API (jobs/callbacks.py)
        # The wait HubSpot grants bounds the queue's retries (jobs/expiry.py).
        execution.trace = {DELIVERY_KEY: QUEUED, EXPIRATION_KEY: BLOCK_EXPIRATION}
    claimed = ledger.claim(
        runtime.db,
        execution,
        lease_seconds=settings.execution_lease_seconds,
        wait_seconds=0.0 if queued else settings.duplicate_wait_seconds,
        start=not queued,
    )
    if claimed.kind == ledger.DONE:
        return {"outputFields": claimed.execution.outputs}, 200, {}
    if queued:
        if claimed.kind == ledger.RUN:
            runtime.queue.enqueue(claimed.execution.id)
        # A repeat of a queued delivery is answered BLOCK again: the callback completes it.
        return block_response()
    if claimed.kind == ledger.BUSY:
        return (
            {"error": "this execution is still running; retry shortly"},
            429,
            {"Retry-After": "5"},
        )
    try:
        outcome = executor.run(runtime, claimed.execution)
    except TransientFailure as transient:
        retry = str(max(1, math.ceil(transient.retry_after)))
        return {"error": transient.message}, transient.status, {"Retry-After": retry}
    return {"outputFields": outcome.output_fields()}, 200, {}
