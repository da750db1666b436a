"""Ledger transitions that the endpoint tests don't reach directly."""

from __future__ import annotations

from executions import ledger
from store import Execution


def _row(runtime, **values) -> Execution:
    row = Execution(portal_id=1, callback_id="ap-ledger", action="create-invoice",
                    object_type="deals", object_id="1", **values)
    return ledger.insert(runtime.db, row)


def test_reopen_makes_a_new_generation_of_the_same_row(runtime):
    row = _row(runtime, status="failed", result="failed", error_code="NO_CONTACT",
               outputs={"result": "failed"}, generation=2, callback_completed=True,
               progress={"customer": {"id": "7"}})
    ledger.reopen(runtime.db, row)
    again = ledger.by_id(runtime.db, row.id)
    assert (again.status, again.generation, again.result, again.error_code) == (
        "pending", 3, "", "")
    # Finished steps are kept, so the rerun reuses them instead of booking twice.
    assert again.progress == {"customer": {"id": "7"}}
    # HubSpot already had its answer: the rerun does not complete the callback again.
    assert again.callback_completed is True


def test_release_returns_a_running_row_for_the_retry(runtime):
    row = _row(runtime, status="running")
    ledger.release(runtime.db, row, "QuickBooks unavailable")
    again = ledger.by_id(runtime.db, row.id)
    assert again.status == "pending" and again.lease_expires_at is None
    assert ledger.take_over(runtime.db, again, lease_seconds=60)
    assert not ledger.take_over(runtime.db, again, lease_seconds=60)
