"""One booking per (portal, company, action, record) across processes (SPEC §8).

With ``if_exists=skip`` an execution takes the record's reservation (a unique row in the
database, so two gunicorn or RQ processes see the same one) before its first QuickBooks
write. Another execution for the record waits (TransientFailure 429: inline HubSpot retries,
queue mode defers) until the holder finishes, then answers ``existing`` from the link. A holder
that fails before creating anything gives the reservation back.
"""

from __future__ import annotations

from datetime import timedelta

from executions import ledger
from failures import TransientFailure
from store import Database, Execution, ExecutionStatus, links, utcnow
from store.reservations import (
    delete_held,
    delete_reservation,
    insert_reservation,
    move_reservation,
    reservation_holder,
)

# How soon a waiting execution asks again (the Retry-After HubSpot and the queue honour).
WAIT_SECONDS = 5.0
# A holder left pending this long (its HubSpot retries stopped) no longer blocks the record.
STALE_SECONDS = 900.0


def applies(inputs: dict) -> bool:
    """Reservations guard if_exists=skip only: "create" books a new transaction each time."""
    return inputs.get("if_exists", "skip") == "skip"


def key(execution: Execution, realm_id: str) -> tuple:
    """The record's reservation key."""
    return (execution.portal_id, realm_id, execution.action, execution.object_type,
            execution.object_id)  # fmt: skip


def take(db: Database, execution: Execution, realm_id: str) -> bool:
    """Hold the record for this execution, or raise TransientFailure (429) to wait.

    True when the reservation was free: nobody booked the record under it since the caller
    last looked (a holder that books keeps it), so there is no need to look again. False when
    this execution already held it or took it over from a finished holder.
    """
    k = key(execution, realm_id)
    for _ in range(3):  # a holder may give it back between our insert and our read
        if insert_reservation(db, k, execution.id):
            return True
        holder = reservation_holder(db, k)
        if holder is None:
            continue
        if holder == execution.id:
            return False
        if _done_with(ledger.by_id(db, holder)):
            if move_reservation(db, k, holder, execution.id):
                return False
            continue
        break
    raise TransientFailure(
        "another execution is booking this record; retry shortly",
        retry_after=WAIT_SECONDS, status=429,
    )


def give_back(db: Database, execution: Execution, realm_id: str) -> None:
    """Release the record (the execution failed before creating anything)."""
    delete_reservation(db, key(execution, realm_id), execution.id)


def give_back_all(db: Database, execution: Execution) -> None:
    """Release whatever the execution holds unless it linked a transaction (it gave up)."""
    if not links.execution_linked(db, execution.id):
        delete_held(db, execution.id)


def _done_with(holder: Execution | None) -> bool:
    """True when the holder no longer books: finished, gone, or abandoned while pending."""
    if holder is None or holder.finished:
        return True
    if holder.status != ExecutionStatus.PENDING:
        return False  # running: its lease (and the recovery sweep) decide when it is lost
    updated = holder.updated_at
    updated = updated if updated.tzinfo else updated.replace(tzinfo=utcnow().tzinfo)
    return updated < utcnow() - timedelta(seconds=STALE_SECONDS)
