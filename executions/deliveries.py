"""Answer one HubSpot delivery: claim it in the ledger, then run it inline or queue it."""

from __future__ import annotations

import math
import threading

from actions.base import Action
from executions import admission, executor, gathering, ledger
from failures import TransientFailure
from schemas.records import record_type
from store.tables import Execution

# How long HubSpot may wait for a queued execution's callback (ISO-8601, reference §3.3).
BLOCK_EXPIRATION = "P1D"
_made = threading.Lock()


def block_response() -> tuple[dict, int, dict]:
    """Tell HubSpot to wait for the callback."""
    outputs = {"hs_execution_state": "BLOCK", "hs_expiration_duration": BLOCK_EXPIRATION}
    return {"outputFields": outputs}, 200, {}


def handle(runtime, action: Action, request_data: dict, payload: dict) -> tuple[dict, int, dict]:
    """Claim the (portal, callbackId) row and answer: outputs, BLOCK, or 429 while running."""
    settings = runtime.settings
    record = request_data["object"]
    execution = ledger.new_execution(
        request_data["origin"]["portalId"],
        request_data["callbackId"],
        action=action.slug,
        object_type=record_type(record["objectType"]).path,
        object_id=str(record["objectId"]),
        payload=payload,
        inputs=request_data["inputFields"],
    )
    queued = runtime.queue is not None
    if queued:  # its outcome goes back through HubSpot's callbacks API (jobs/callbacks.py)
        # The wait HubSpot grants bounds the queue's retries (jobs/expiry.py).
        ledger.mark_answered_block(execution, expiration=BLOCK_EXPIRATION)
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
    return run_inline(runtime, claimed.execution)


def inline(runtime) -> admission.Admission:
    """The runtime's inline admission (and gatherer), made on first use."""
    with _made:
        if runtime.admission is None:
            runtime.gatherer = gathering.Gatherer(runtime)
            runtime.admission = admission.Admission(runtime)
    return runtime.admission


def run_inline(runtime, execution: Execution) -> tuple[dict, int, dict]:
    """Admit the claimed execution, read HubSpot with the executions gathered with it, run it."""
    admitting = inline(runtime)
    try:
        ticket = admitting.admit(execution)
    except TransientFailure as spent:  # refused before any API call: HubSpot's retry runs it
        ledger.release(runtime.db, execution, spent.message)
        return _retry_later(spent)
    try:
        with admitting.holding(ticket), runtime.gatherer.shared(execution, ticket.slot):
            outcome = executor.run(runtime, execution)
    except TransientFailure as transient:
        return _retry_later(transient)
    return {"outputFields": outcome.output_fields()}, 200, {}


def _retry_later(transient: TransientFailure) -> tuple[dict, int, dict]:
    retry = str(max(1, math.ceil(transient.retry_after)))
    return {"error": transient.message}, transient.status, {"Retry-After": retry}
