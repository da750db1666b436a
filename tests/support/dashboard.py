"""Helpers for dashboard tests: signing a test client in and seeding ledger rows."""

from __future__ import annotations

import itertools
from datetime import timedelta

from executions import ledger
from store import Execution, utcnow

CSRF = "dashboard-test-csrf-token-0123456789abcdef"
_callbacks = itertools.count(1)


def sign_in(client, *portal_ids: int, current: int | None = None) -> str:
    """Sign a test client in to portals as the install callback would; returns the CSRF token."""
    with client.session_transaction() as sess:
        sess["portal_ids"] = list(portal_ids)
        sess["portal_id"] = current if current is not None else portal_ids[0]
        sess["csrf_token"] = CSRF
    return CSRF


def seed(
    runtime, portal_id: int, *, result: str = "created", age: timedelta = timedelta(0), **values
) -> Execution:
    """Insert one finished ledger row (or pending, with result='') and return it."""
    status = {"failed": "failed", "": "pending"}.get(result, "succeeded")
    n = next(_callbacks)
    fields = {
        "portal_id": portal_id, "callback_id": f"cb-{portal_id}-{n}", "action": "create-invoice",
        "object_type": "deals", "object_id": str(5000 + n), "status": status, "result": result,
        "realm_id": "", "created_at": utcnow() - age,
    }  # fmt: skip
    if result in {"created", "existing"}:
        fields.update(qbo_id=str(n), qbo_doc_number=f"INV-{n}", qbo_total="100.00",
                      outputs={"qbo_url": f"https://app.qbo.intuit.com/app/invoice?txnId={n}",
                               "result": result})  # fmt: skip
    fields.update(values)
    row = ledger.insert(runtime.db, Execution(**fields))
    assert row is not None
    return row
