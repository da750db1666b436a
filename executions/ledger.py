"""The execution ledger: at least once in, exactly once out (SPEC §3)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import store
from actions.base import Outcome
from store import Database, Execution, utcnow

RUN, DONE, BUSY = "run", "done", "busy"


@dataclass
class Claim:
    """What to do with a delivery: run it, answer the stored outputs, or say busy."""

    kind: str
    execution: Execution


def claim(
    db: Database,
    execution: Execution,
    lease_seconds: float,
    wait_seconds: float = 0.0,
    start: bool = True,
) -> Claim:
    """Claim (portal, callback) before any work; repeats get the stored outcome or BUSY.

    With ``start`` the new row is taken as running; without, it is left pending (queue mode
    records it and a worker takes it).
    """
    now = utcnow()
    execution.status = "running" if start else "pending"
    execution.attempts = 1 if start else 0
    execution.lease_expires_at = now + timedelta(seconds=lease_seconds) if start else None
    if store.insert_execution(db, execution) is not None:
        return Claim(RUN, execution)
    deadline = time.monotonic() + wait_seconds
    while True:
        existing = store.get_execution(db, execution.portal_id, execution.callback_id)
        if existing is None:  # pragma: no cover - rows are never deleted
            raise RuntimeError("ledger row vanished")
        if existing.finished:
            return Claim(DONE, existing)
        if start and take_over(db, existing, lease_seconds):
            return Claim(RUN, store.execution_by_id(db, existing.id))
        if not start and existing.status in {"pending", "running"}:
            return Claim(BUSY, existing)
        if time.monotonic() >= deadline:
            return Claim(BUSY, existing)
        time.sleep(0.05)


def take_over(db: Database, execution: Execution, lease_seconds: float) -> bool:
    """Take a pending row, or a running one whose worker let its lease lapse."""
    return store.take_over_execution(db, execution.id, lease_seconds)


def finish(db: Database, execution: Execution, outcome: Outcome) -> dict:
    """Store the final outcome; its output fields answer every later repeat."""
    outputs = outcome.output_fields()
    store.update_execution(
        db,
        execution.id,
        status="failed" if outcome.result == "failed" else "succeeded",
        result=outcome.result,
        outputs=outputs,
        error_code=outcome.error_code,
        error_message=outcome.error_message,
        qbo_id=outcome.qbo_id,
        qbo_doc_number=outcome.qbo_doc_number,
        qbo_total=outcome.qbo_total,
        lease_expires_at=None,
        finished_at=utcnow(),
    )
    return outputs


def release(db: Database, execution: Execution, message: str) -> None:
    """Give a row back after a transient failure so the retry can take it."""
    store.update_execution(
        db, execution.id, status="pending", lease_expires_at=None, error_message=message
    )


def reopen(db: Database, execution: Execution) -> None:
    """Make a failed execution runnable again ("Run again"): a new generation, same row."""
    store.update_execution(
        db,
        execution.id,
        status="pending",
        generation=execution.generation + 1,
        result="",
        outputs={},
        error_code="",
        error_message="",
        finished_at=None,
        # callback_completed stays as it is: a callback HubSpot already answered is not
        # completed twice; one still owed is completed with the rerun's outcome.
    )
