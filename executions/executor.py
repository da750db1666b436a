"""Run one claimed execution: resolve the company, call the action, store the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from actions import ACTIONS
from actions.base import Action, Outcome
from clients.hubspot import HubSpotError, HubSpotNotFound, HubSpotRateLimited
from clients.quickbooks import QuickBooksAuthError, QuickBooksError, QuickBooksThrottled
from clients.transport import Unavailable
from executions import ledger, reservations
from failures import ActionFailed, CompanyRefused, TransientFailure
from observability import logs
from schemas.records import RecordType, record_type
from store import links, portals
from store.companies import resolve_company
from store.database import Database
from store.tables import Execution, QuickBooksConnection, TransactionLink, utcnow

log = logging.getLogger(__name__)


@dataclass
class Record:
    """The enrolled HubSpot record as the execution payload described it."""

    type: RecordType
    id: str
    properties: dict[str, Any]


@dataclass
class CallLog:
    """Outbound API calls made while running one execution."""

    calls: list[dict] = field(default_factory=list)

    context: Any = None

    def __call__(self, **call: Any) -> None:
        """Record one call (clients call this after every request)."""
        self.calls.append(call)

    def count(self, service: str) -> int:
        """How many calls went to one service."""
        return sum(1 for c in self.calls if c["service"] == service)


class ActionContext:
    """Everything a handler needs, and the ledger's per-step exactly-once bookkeeping."""

    def __init__(self, runtime, execution: Execution, action: Action, inputs: dict,
                 record: Record, connection: QuickBooksConnection, calls: CallLog):
        self.runtime = runtime
        self.settings = runtime.settings
        self.db: Database = runtime.db
        self.execution = execution
        self.action = action
        self.inputs = inputs
        self.record = record
        self.connection = connection
        self.portal_id = execution.portal_id
        self.calls = calls
        # One read of the portal row serves its account details and its HubSpot token.
        self.portal = portals.get_portal(self.db, execution.portal_id)
        self.hubspot = runtime.hubspot_client(execution.portal_id, calls, portal=self.portal)
        self.quickbooks = runtime.quickbooks_client(connection, calls)
        self.trace: dict[str, Any] = dict(execution.trace or {})
        # Transactions this run already linked to the record (with the step that made them).
        self.linked: set[tuple[str, str]] = set()

    def request_id(self, step: str) -> str:
        """The deterministic QuickBooks requestid of one step (the ledger's rule)."""
        return ledger.request_id(self.execution, step)

    def step_done(self, step: str) -> dict | None:
        """What an earlier attempt recorded for this step, if it finished."""
        return (self.execution.progress or {}).get(step)

    def record_step(self, step: str, data: dict, document: Outcome | None = None) -> None:
        """Commit a finished step at once, so a retry resumes after it; the step that created
        the ``document`` links the record to it in the same commit, before any later step."""
        link = _link_row(self.execution, self.connection, document) if document else None
        ledger.record_step(self.db, self.execution, step, data, link=link)
        if document is not None:
            self.linked.add((document.qbo_type, document.qbo_id))

    def note(self, key: str, value: Any) -> None:
        """Keep a resolved value (customer, lines) for the execution detail page."""
        self.trace[key] = value


def run(runtime, execution: Execution) -> Outcome:
    """Run a claimed execution to its final outcome and store it in the ledger.

    Raises TransientFailure after releasing the row, so the delivery is retried.
    """
    db = runtime.db
    action = ACTIONS[execution.action]
    calls = CallLog()
    logs.bind(portal_id=execution.portal_id, callback_id=execution.callback_id,
              action=execution.action, realm_id=execution.realm_id or None, intuit_tid=None)
    try:
        try:
            outcome, connection, ctx = _attempt(runtime, execution, action, calls)
        except (QuickBooksThrottled, HubSpotRateLimited) as exc:
            raise TransientFailure(str(exc), retry_after=exc.retry_after, status=429) from exc
        except (Unavailable, QuickBooksAuthError) as exc:
            # A 401 even after a refresh is Intuit's glitch, not the data's: retry later.
            raise TransientFailure(str(exc), retry_after=30, status=503) from exc
    except TransientFailure as transient:
        ledger.release(db, execution, transient.message, **_kept(execution, calls, calls.context))
        raise
    except BaseException:
        ledger.release(db, execution, "internal error", **_kept(execution, calls, calls.context))
        raise
    realm_id = connection.realm_id if connection is not None else None
    ledger.finish(db, execution, outcome, realm_id=realm_id, **_kept(execution, calls, ctx))
    runtime.observe_outcome(execution, outcome)
    return outcome


def _attempt(runtime, execution: Execution, action: Action, calls: CallLog):
    """Resolve and run; business faults become failed outcomes, transient ones propagate."""
    db = runtime.db
    connection = None
    ctx = None
    try:
        inputs = action.load_inputs(execution.inputs)
        record = Record(
            type=record_type(execution.object_type),
            id=execution.object_id,
            properties=dict((execution.payload.get("object") or {}).get("properties") or {}),
        )
        connection = resolve_company(db, execution.portal_id, inputs.get("quickbooks_company"))
        logs.bind(realm_id=connection.realm_id)
        if connection.status == "reconnect_required":
            raise ActionFailed(
                "QUICKBOOKS_RECONNECT_REQUIRED",
                f"QuickBooks company {connection.company_name or connection.realm_id} must be "
                "reconnected.",
            )
        outcome = _existing(db, execution, action, inputs, connection)
        # One booking per record across processes (SPEC §8); a reservation taken over from
        # another execution means it may have booked since we looked: look again.
        if (outcome is None and reservations.applies(inputs)
                and not reservations.take(db, execution, connection.realm_id)):
            outcome = _existing(db, execution, action, inputs, connection)
        if outcome is None:
            ctx = ActionContext(runtime, execution, action, inputs, record, connection, calls)
            calls.context = ctx
            outcome = action.run(ctx)
            # Link whatever QuickBooks now holds (even a failed total check), so a rerun with
            # if_exists=skip returns it instead of booking it twice.
            if (outcome.qbo_id and outcome.result in {"created", "failed"}
                    and (outcome.qbo_type, outcome.qbo_id) not in ctx.linked):
                links.add_link(db, _link_row(execution, connection, outcome))
    except ActionFailed as failure:
        outcome = Outcome("failed", error_code=failure.code, error_message=failure.message)
    except CompanyRefused as refused:
        outcome = Outcome("failed", error_code="COMPANY_NOT_ALLOWED", error_message=str(refused))
    except HubSpotNotFound as exc:
        outcome = Outcome("failed", error_code="RECORD_NOT_FOUND", error_message=exc.message)
    except QuickBooksError as exc:
        if isinstance(exc, QuickBooksThrottled | QuickBooksAuthError):
            raise
        outcome = Outcome(
            "failed",
            error_code="QUICKBOOKS_VALIDATION",
            error_message=f"QuickBooks error {exc.code}: {exc.message} {exc.detail}".strip(),
        )
    except HubSpotError as exc:
        if isinstance(exc, HubSpotRateLimited):
            raise
        outcome = Outcome("failed", error_code="HUBSPOT_ERROR", error_message=str(exc))
    if outcome.result == "failed" and connection is not None and not links.execution_linked(
        db, execution.id
    ):
        reservations.give_back(db, execution, connection.realm_id)  # nothing was created
    return outcome, connection, ctx


def _existing(db, execution, action, inputs, connection) -> Outcome | None:
    """With if_exists=skip, the transaction this action already made for the record."""
    if inputs.get("if_exists", "skip") != "skip":
        return None
    link = links.latest_link(
        db, execution.portal_id, connection.realm_id, action.slug,
        execution.object_type, execution.object_id,
    )  # fmt: skip
    if link is None or link.execution_id == execution.id:
        return None
    previous = ledger.by_id(db, link.execution_id) if link.execution_id else None
    if _unfinished(action, previous):
        _resume(db, execution, previous)
        return None
    outputs = (previous.outputs if previous else {}) or {}
    return Outcome(
        "existing",
        qbo_type=link.qbo_type,
        qbo_id=link.qbo_id,
        qbo_doc_number=link.qbo_doc_number,
        qbo_total=link.qbo_total,
        qbo_customer_id=outputs.get("qbo_customer_id", ""),
        qbo_url=outputs.get("qbo_url", ""),
    )


def _unfinished(action: Action, previous: Execution | None) -> bool:
    """True when a step after the document failed (a Payment refused, not the total check):
    an action that resumes finishes it rather than answering "existing"."""
    return (getattr(action, "resumes", False) and previous is not None
            and previous.status == ledger.FAILED and not previous.qbo_id)  # fmt: skip


def _resume(db, execution: Execution, previous: Execution) -> None:
    """Carry a failed execution's finished steps over, so this one finishes the rest."""
    done = dict(execution.progress or {})
    for step, data in (previous.progress or {}).items():
        if step not in done:
            ledger.record_step(db, execution, step, data)


def _link_row(execution, connection, outcome: Outcome) -> TransactionLink:
    """The link from the enrolled record to the transaction this execution created."""
    return TransactionLink(
        portal_id=execution.portal_id,
        realm_id=connection.realm_id,
        action=execution.action,
        object_type=execution.object_type,
        object_id=execution.object_id,
        qbo_type=outcome.qbo_type,
        qbo_id=outcome.qbo_id,
        qbo_doc_number=outcome.qbo_doc_number,
        qbo_total=outcome.qbo_total,
        execution_id=execution.id,
    )


def _kept(execution, calls: CallLog, ctx: ActionContext | None) -> dict:
    """What the ledger keeps with the outcome: the API call log (``api_calls`` columns) and
    the resolution trace."""
    now = utcnow()
    return {
        "calls": [
            {
                "execution_id": execution.id,
                "service": c["service"],
                "method": c["method"],
                "path": c["path"][:500],
                "status": c.get("status", 0),
                "duration_ms": int(c.get("duration_ms", 0)),
                "intuit_tid": c.get("intuit_tid", "") or "",
                "created_at": now,
            }
            for c in calls.calls
        ],
        "trace": ctx.trace if ctx is not None and ctx.trace else None,
    }
