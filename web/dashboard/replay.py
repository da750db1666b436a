"""Run again: re-run a failed execution on its own ledger row, never booking twice."""

from __future__ import annotations

from dataclasses import dataclass

from executions import executor, ledger
from failures import TransientFailure
from store.tables import Execution


@dataclass
class Replay:
    """What a run-again did: the row as it is now, and a sentence for the user."""

    execution: Execution
    ran: bool
    message: str


def can_run_again(runtime, execution: Execution) -> bool:
    """Whether the ledger lets this row run again in this mode (inline or queue)."""
    return ledger.can_run_again(execution, queued=runtime.queue is not None)


def run_again(runtime, execution: Execution) -> Replay:
    """Reopen a failed row (new generation, so new QuickBooks requestids), claim it and run it.

    Steps an earlier attempt finished stay in the row's progress, so the action resumes after
    them instead of creating the transaction again; the atomic claim means two clicks (or a
    click and HubSpot's own retry) never run it twice at once.
    """
    db = runtime.db
    if not can_run_again(runtime, execution):
        return Replay(execution, False, f"Execution {execution.id} is {execution.status}; only "
                                        "failed executions can be run again.")  # fmt: skip
    ledger.reopen(db, execution)  # a failed row only: a new generation
    if not ledger.take_over(db, execution, runtime.settings.execution_lease_seconds):
        current = ledger.by_id(db, execution.id) or execution
        return Replay(current, False, f"Execution {execution.id} is already being run.")
    claimed = ledger.by_id(db, execution.id)
    try:
        outcome = executor.run(runtime, claimed)
    except TransientFailure as exc:
        if runtime.queue is not None:
            runtime.queue.enqueue(claimed.id)
            message = f"{exc.message} — queued; a worker retries it shortly."
        else:
            message = f"{exc.message} — nothing was booked; run it again in a minute."
        return Replay(ledger.by_id(db, claimed.id), True, message)
    after = ledger.by_id(db, claimed.id)
    if outcome.result == "failed":
        message = f"Ran again and failed again: {outcome.error_code} — {outcome.error_message}"
    else:
        what = " ".join(filter(None, [outcome.qbo_type, outcome.qbo_doc_number or outcome.qbo_id]))
        message = f"Ran again: {outcome.result}" + (f" ({what})" if what else "") + "."
    return Replay(after, True, message)
