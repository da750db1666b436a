"""What the dashboard shows of status sync (SPEC §10): statuses, last sync, failures, scopes."""

from __future__ import annotations

from statussync.properties import REINSTALL, missing_scopes
from store import companies, portals
from store import status as rows

# Which QuickBooks entity each action's transaction is (the ledger keeps only its id).
ENTITY = {"create-invoice": "Invoice", "create-paid-invoice": "Invoice",
          "create-sales-receipt": "SalesReceipt"}
LABELS = {"awaiting_send": "awaiting send", "sent": "sent", "partially_paid": "partially paid",
          "paid": "paid", "overdue": "overdue", "voided": "voided"}


def for_executions(db, executions) -> dict[int, rows.InvoiceStatus]:
    """{execution id: latest QBO status} for the executions that booked a transaction."""
    keys = {ex.id: (ex.realm_id, ENTITY[ex.action], ex.qbo_id) for ex in executions
            if ex.action in ENTITY and ex.qbo_id and ex.realm_id}
    found = rows.statuses_for_links(db, list(keys.values()))
    return {ex_id: found[key] for ex_id, key in keys.items() if key in found}


def summary(db, portal_id: int) -> dict:
    """The portal's sync state: last sync, failures, and whether a reinstall is needed."""
    realms = [c.realm_id for c in companies.connections_for(db, portal_id)]
    portal = portals.get_portal(db, portal_id)
    lacking = missing_scopes(portal.scopes) if portal and not portal.static_token else []
    return {"last_sync": rows.last_sync(db, realms),
            "failures": rows.sync_failures(db, realms),
            "reinstall": REINSTALL if lacking else "", "missing_scopes": lacking}
