"""The executor end to end: call log, links for if_exists, and retries never duplicating."""

from __future__ import annotations

import pytest
from sqlmodel import select

from actions import lookups
from store import ApiCall, Execution, TransactionLink
from tests.support.crm import contact, line, make_deal, make_payment, outputs, qbo_named


@pytest.fixture(autouse=True)
def cold_lookups():
    """No cached customers or items leak between tests."""
    lookups.forget_all()
    yield
    lookups.forget_all()


def _rows(runtime, model):
    with runtime.db.session() as s:
        return list(s.exec(select(model)).all())


def test_every_api_call_is_logged_with_quickbooks_transaction_id(world):
    world.connect_company()
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created"
    calls = _rows(world.runtime, ApiCall)
    services = {c.service for c in calls}
    assert services == {"hubspot", "quickbooks"}
    qbo = [c for c in calls if c.service == "quickbooks"]
    assert qbo and all(c.intuit_tid.startswith("1-") for c in qbo)
    assert all("access_token" not in c.path and "Bearer" not in c.path for c in calls)


def test_transaction_booked_despite_failed_total_check_is_not_booked_again(world):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    gst = qbo_named(ca, "TaxCode", "GST")["Id"]
    # HubSpot charged no tax, the chosen code adds 5 %: the invoice exists but fails the check.
    payment = make_payment(world, "100.00", [line("Consulting", "100.00", sku="CONS-H")],
                           contact(world), currency="CAD")
    first = outputs(world.execute("create-paid-invoice", "COMMERCE_PAYMENT", payment,
                                  {"tax_code": gst}))
    assert (first["result"], first["error_code"]) == ("failed", "TOTAL_MISMATCH")
    assert len(ca.entities("Invoice")) == 1
    # A new enrolment of the same payment must not create a second invoice.
    again = outputs(world.execute("create-paid-invoice", "COMMERCE_PAYMENT", payment,
                                  {"tax_code": gst}))
    assert again["result"] == "existing"
    assert again["qbo_id"] == first["qbo_id"]
    assert len(ca.entities("Invoice")) == 1
    [link] = _rows(world.runtime, TransactionLink)
    assert link.qbo_id == first["qbo_id"]


def test_lost_response_on_create_is_replayed_not_duplicated(world):
    us = world.connect_company()
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world))
    world.quickbooks.faults.add("lose_response", match="/invoice", count=1)
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created"
    assert len(us.entities("Invoice")) == 1
    invoice_posts = [c for c in world.quickbooks.calls if c["path"].endswith("/invoice")]
    # The first answer was lost after the write; the retry with the same requestid replayed it.
    assert [c["status"] for c in invoice_posts] == [502, 200]
    assert invoice_posts[0]["requestid"] == invoice_posts[1]["requestid"]
    [execution] = _rows(world.runtime, Execution)
    assert execution.status == "succeeded"
