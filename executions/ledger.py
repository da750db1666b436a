"""The execution ledger: at least once in, exactly once out (SPEC §3).

The only module that reads or writes ``Execution`` rows for running them: the claim keyed by
(portal, callbackId), status transitions, steps, the outcome, leases and take-over, run again,
the sweeps' queries, and the QuickBooks requestid of each step. (The dashboard's read-only
reports are in store/reports.py.)
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy import insert as insert_statement
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from actions.base import Outcome
from store import links
from store.database import Database
from store.tables import (
    FINAL_STATUSES,
    ApiCall,
    Execution,
    ExecutionStatus,
    TransactionLink,
    utcnow,
)

__all__ = ["ExecutionStatus"]  # callers take the statuses from the ledger

PENDING, RUNNING = ExecutionStatus.PENDING, ExecutionStatus.RUNNING
SUCCEEDED, FAILED = ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED
RUN, DONE, BUSY = "run", "done", "busy"
# Marks the ledger rows answered BLOCK (their outcome goes back through a callback).
DELIVERY_KEY, QUEUED = "delivery", "queued"
# The BLOCK answer's hs_expiration_duration, kept on the row (jobs/expiry.py reads it).
EXPIRATION_KEY = "expiration"
# requestids derive from this namespace so a retried step replays at QuickBooks (SPEC §3).
REQUEST_ID_NAMESPACE = uuid.UUID("5b0f2a57-1f1e-4d59-9a55-6f1b7f3c2d10")


def mark_answered_block(execution: Execution, expiration: str) -> None:
    """Mark an unsaved row as answered BLOCK: its outcome goes back through a callback, which
    HubSpot accepts for ``expiration`` (ISO-8601; it bounds the queue's retries)."""
    execution.trace = {DELIVERY_KEY: QUEUED, EXPIRATION_KEY: expiration}


def answered_block(execution: Execution) -> bool:
    """True for a row answered BLOCK (queue mode), whose outcome a callback completes."""
    return (execution.trace or {}).get(DELIVERY_KEY) == QUEUED


def awaits_callback(execution: Execution) -> bool:
    """True for a finished queued execution whose callback HubSpot has not accepted yet."""
    return answered_block(execution) and execution.finished and not execution.callback_completed


def request_id(execution: Execution, step: str) -> str:
    """The deterministic QuickBooks requestid of one step (36 chars); "Run again" bumps the
    generation, so a rerun gets new ones."""
    name = f"{execution.portal_id}:{execution.callback_id}:{execution.generation}:{step}"
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, name))


# --- claiming and taking over ----------------------------------------------------------------


@dataclass
class Claim:
    """What to do with a delivery: run it, answer the stored outputs, or say busy."""

    kind: str
    execution: Execution


def new_execution(portal_id: int, callback_id: str, **columns: Any) -> Execution:
    """An unsaved ledger row for one delivery (``claim`` inserts it)."""
    return Execution(portal_id=portal_id, callback_id=callback_id, **columns)


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
    execution.status = RUNNING if start else PENDING
    execution.attempts = 1 if start else 0
    execution.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds) if start else None
    if insert(db, execution) is not None:
        return Claim(RUN, execution)
    deadline = time.monotonic() + wait_seconds
    while True:
        existing = by_callback(db, execution.portal_id, execution.callback_id)
        if existing is None:  # pragma: no cover - rows are only deleted by a sandbox reset
            raise RuntimeError("ledger row vanished")
        if existing.finished:
            return Claim(DONE, existing)
        if start and take_over(db, existing, lease_seconds):
            return Claim(RUN, by_id(db, existing.id))
        if not start or time.monotonic() >= deadline:
            return Claim(BUSY, existing)
        time.sleep(0.05)


def insert(db: Database, execution: Execution) -> Execution | None:
    """Insert a new ledger row; None when (portal, callback) already exists."""
    try:
        with db.session() as s:
            s.add(execution)
        return execution
    except IntegrityError:
        return None


def take_over(db: Database, execution: Execution, lease_seconds: float) -> bool:
    """Atomically take a pending row, or a running one whose worker let its lease lapse."""
    return take_over_id(db, execution.id, lease_seconds)


def take_over_id(db: Database, execution_id: int, lease_seconds: float) -> bool:
    """``take_over`` by id (one UPDATE: exactly one caller wins)."""
    now = utcnow()
    stmt = (
        update(Execution)
        .where(Execution.id == execution_id)
        .where((Execution.status == PENDING)
               | ((Execution.status == RUNNING) & (Execution.lease_expires_at < now)))
        .values(status=RUNNING, lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempts=Execution.attempts + 1, updated_at=now)
    )  # fmt: skip
    with db.session() as s:
        return s.exec(stmt).rowcount == 1  # type: ignore[attr-defined]


def extend_leases(db: Database, ids: list[int], lease_seconds: float) -> None:
    """Push back the lease of rows still running (a live worker's heartbeat)."""
    if ids:
        _update(db, ids, lease_expires_at=utcnow() + timedelta(seconds=lease_seconds),
                only_status=RUNNING, touch=False)  # fmt: skip


# --- steps and outcomes ------------------------------------------------------------------------


def record_step(db: Database, execution: Execution, step: str, data: dict,
                link: TransactionLink | None = None) -> None:
    """Merge one finished step into the row's progress and commit it at once; the step that
    created the document commits the record's link to it in the same transaction."""
    read = select(Execution.progress).where(Execution.id == execution.id)
    if db.is_postgres:
        read = read.with_for_update()  # a worker that took the row over merges after us
    with db.session() as s:
        progress = dict(s.exec(read).one() or {})
        progress[step] = data
        s.exec(update(Execution).where(Execution.id == execution.id)  # type: ignore[call-overload]
               .values(progress=progress, updated_at=utcnow()))
        if link is not None:
            links.add_link_in(s, link)
    execution.progress = progress


def finish(db: Database, execution: Execution, outcome: Outcome, realm_id: str | None = None,
           trace: dict | None = None, calls: Sequence[dict] = ()) -> dict:
    """Store the final outcome (and the company it booked in), with the execution's trace and
    API calls, in one transaction; its output fields answer every later repeat."""
    outputs = outcome.output_fields()
    extra: dict[str, Any] = {"realm_id": realm_id} if realm_id is not None else {}
    if trace:
        extra["trace"] = trace
    _update(
        db, [execution.id], status=FAILED if outcome.result == "failed" else SUCCEEDED,
        result=outcome.result, outputs=outputs, error_code=outcome.error_code,
        error_message=outcome.error_message, qbo_id=outcome.qbo_id,
        qbo_doc_number=outcome.qbo_doc_number, qbo_total=outcome.qbo_total,
        lease_expires_at=None, finished_at=utcnow(), calls=calls, **extra,
    )  # fmt: skip
    return outputs


def release(db: Database, execution: Execution, message: str, trace: dict | None = None,
            calls: Sequence[dict] = ()) -> None:
    """Give a row back after a transient failure so the retry can take it (keeping the
    attempt's trace and API calls)."""
    extra: dict[str, Any] = {"trace": trace} if trace else {}
    _update(db, [execution.id], status=PENDING, lease_expires_at=None, error_message=message,
            calls=calls, **extra)  # fmt: skip


def release_if_running(db: Database, execution_id: int, message: str) -> bool:
    """Give back a row a stopping worker took but did not run; True if it was running."""
    return _update(db, [execution_id], status=PENDING, lease_expires_at=None,
                   error_message=message, only_status=RUNNING) == 1  # fmt: skip


def mark_callbacks_completed(db: Database, ids: list[int]) -> None:
    """Record that HubSpot accepted these executions' callback completions."""
    if ids:
        _update(db, ids, callback_completed=True)


# --- run again -------------------------------------------------------------------------------


def can_run_again(execution: Execution, queued: bool) -> bool:
    """Failed rows can run again; in inline mode so can rows left waiting or stuck.

    A pending row in queue mode belongs to a worker (which completes HubSpot's callback), so
    it is left alone there.
    """
    if execution.status == FAILED:
        return True
    if queued:
        return False
    if execution.status == PENDING:
        return True
    lease = execution.lease_expires_at
    return execution.status == RUNNING and lease is not None and lease < utcnow()


def reopen(db: Database, execution: Execution) -> None:
    """Make a failed execution runnable again ("Run again"): a new generation, same row."""
    if execution.status != FAILED:
        return
    # callback_completed stays as it is: a callback HubSpot already answered is not
    # completed twice; one still owed is completed with the rerun's outcome.
    _update(db, [execution.id], status=PENDING, generation=execution.generation + 1, result="",
            outputs={}, error_code="", error_message="", finished_at=None)  # fmt: skip


# --- reading rows ----------------------------------------------------------------------------


def by_callback(db: Database, portal_id: int, callback_id: str) -> Execution | None:
    """The ledger row of a delivery."""
    return _first(db, Execution.portal_id == portal_id, Execution.callback_id == callback_id)


def by_id(db: Database, execution_id: int) -> Execution | None:
    """A ledger row by its id."""
    with db.session() as s:
        return s.get(Execution, execution_id)


def by_ids(db: Database, ids: list[int]) -> list[Execution]:
    """Ledger rows by id, in id order."""
    return _rows(db, len(ids), Execution.id.in_(ids)) if ids else []  # type: ignore[union-attr]


def never_started_ids(db: Database, portal_id: int, limit: int) -> list[int]:
    """Ids of a portal's pending rows no worker has taken yet (oldest first)."""
    return [r.id for r in _rows(db, limit, Execution.portal_id == portal_id,
                                Execution.status == PENDING, Execution.attempts == 0)]  # fmt: skip


# --- the recovery sweeps' queries (queue mode) ----------------------------------------------


def pending_untouched(db: Database, since: datetime, limit: int, after_id: int = 0) -> list:
    """Rows waiting to run that nothing has touched since a moment (by id, after ``after_id``)."""
    return _rows(db, limit, Execution.status == PENDING, Execution.updated_at < since,
                 Execution.id > after_id)  # type: ignore[operator]  # fmt: skip


def lapsed(db: Database, limit: int) -> list[Execution]:
    """Running rows whose worker let the lease lapse (it died or stalled)."""
    return _rows(db, limit, Execution.status == RUNNING, Execution.lease_expires_at < utcnow())


def uncompleted_callbacks(db: Database, finished_since: datetime, limit: int,
                          after_id: int = 0) -> list[Execution]:
    """Finished rows whose HubSpot callback has not been completed yet (by id, after one)."""
    return _rows(
        db, limit, Execution.status.in_(FINAL_STATUSES),  # type: ignore[attr-defined]
        Execution.callback_completed == False,  # noqa: E712 - SQL comparison
        Execution.finished_at >= finished_since, Execution.id > after_id,  # type: ignore[operator]
    )  # fmt: skip


# --- seeding and the sandbox reset ----------------------------------------------------------


def set_columns(db: Database, execution_id: int, **values: Any) -> None:
    """Set columns on one row directly (seeding and tests; the product uses the steps above)."""
    _update(db, [execution_id], **values)


def insert_rows(db: Database, rows: list[dict]) -> None:
    """Bulk-insert ledger rows given as column dicts (seeding and benchmarks)."""
    if rows:
        with db.session() as s:
            s.exec(insert_statement(Execution), params=rows)  # type: ignore[call-overload]


def forget_portal(db: Database, portal_id: int) -> int:
    """Delete a portal's executions, their API calls and transaction links; how many runs.

    The sandbox calls this on start: its emulators start empty, so earlier runs point at
    QuickBooks transactions that no longer exist.
    """
    runs = select(Execution.id).where(Execution.portal_id == portal_id)
    with db.session() as s:
        s.exec(delete(ApiCall).where(ApiCall.execution_id.in_(runs)))  # type: ignore[call-overload,union-attr]
        s.exec(delete(TransactionLink).where(TransactionLink.portal_id == portal_id))  # type: ignore[call-overload]
        result = s.exec(delete(Execution).where(Execution.portal_id == portal_id))  # type: ignore[call-overload]
        return result.rowcount or 0


# --- the two primitives --------------------------------------------------------------------


def _update(db: Database, ids: list[int], only_status: ExecutionStatus | None = None,
            touch: bool = True, calls: Sequence[dict] = (), **values: Any) -> int:
    """Set columns on ledger rows (optionally only those in one status), inserting the API
    calls (column dicts) in the same transaction; how many ledger rows changed."""
    if touch:
        values["updated_at"] = utcnow()
    stmt = update(Execution).where(Execution.id.in_(ids))  # type: ignore[union-attr]
    if only_status is not None:
        stmt = stmt.where(Execution.status == only_status)
    with db.session() as s:
        changed = s.exec(stmt.values(**values)).rowcount  # type: ignore[call-overload,attr-defined]
        if calls:
            s.exec(insert_statement(ApiCall), params=list(calls))  # type: ignore[call-overload]
        return changed


def _rows(db: Database, limit: int, *conditions: Any) -> list[Execution]:
    """Rows matching the conditions, in id order, at most ``limit``."""
    with db.session() as s:
        stmt = select(Execution).where(*conditions).order_by(Execution.id).limit(limit)  # type: ignore[arg-type]
        return list(s.exec(stmt).all())


def _first(db: Database, *conditions: Any) -> Execution | None:
    """The first row matching the conditions."""
    rows = _rows(db, 1, *conditions)
    return rows[0] if rows else None
