"""Exactly once per record, concurrent creations that converge, failures that end (SPEC §8).

Inline mode, through the real endpoint against both emulators (SQLite, or PostgreSQL with
DATABASE_URL); the queue-mode counterparts are in tests/jobs/test_record_once_queue.py.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from actions import lookups
from executions import ledger
from store import TransactionLink
from store.companies import get_connection
from store.reservations import RecordReservation
from tests.support.crm import contact, line, make_deal, make_payment, outputs
from tests.support.world import US_REALM


@pytest.fixture(autouse=True)
def cold_lookups():
    """No cached customers or items leak between tests."""
    lookups.forget_all()
    yield
    lookups.forget_all()


@pytest.fixture
def us(world):
    return world.connect_company()


def _rows(runtime, model):
    with runtime.db.session() as s:
        return list(s.exec(select(model)).all())


def deliver_until_answered(world, slug, object_type, object_id, callback_id, inputs=None,
                           limit: float = 60.0):
    """Deliver like HubSpot: repeat after a 429/503 (honouring Retry-After, shortened) until
    the execution answers; returns (outputs, how many 429s it got)."""
    waits = 0
    deadline = time.monotonic() + limit
    while True:
        answer = world.execute(slug, object_type, object_id, inputs, callback_id=callback_id)
        if answer.status_code == 200:
            return answer.get_json()["outputFields"], waits
        assert answer.status_code in (429, 503), answer.get_data(as_text=True)
        assert int(answer.headers["Retry-After"]) >= 1
        waits += answer.status_code == 429
        assert time.monotonic() < deadline, "the execution never answered"
        time.sleep(0.1)


def test_four_concurrent_callbacks_for_one_deal_book_one_invoice(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", qty="2", sku="CONS-H")],
                     contact(world))
    world.quickbooks.config.latency_seconds = 0.15  # the first booking is still running
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(
            lambda n: deliver_until_answered(world, "create-invoice", "DEAL", deal,
                                             f"ap-same-deal-{n}"),
            range(4),
        ))  # fmt: skip
    world.quickbooks.config.latency_seconds = 0.0
    outs = [out for out, _ in answers]
    [invoice] = us.entities("Invoice")
    assert {o["qbo_id"] for o in outs} == {str(invoice["Id"])}
    assert sorted(o["result"] for o in outs) == ["created", "existing", "existing", "existing"]
    assert all(o["hs_execution_state"] == "SUCCESS" and o["error_code"] == "" for o in outs)
    assert sum(waits for _, waits in answers) >= 1  # someone waited on the reservation
    # One reservation row for the record, held by the execution that booked it.
    [held] = _rows(world.runtime, RecordReservation)
    creator = next(ledger.by_callback(world.runtime.db, world.portal_id, f"ap-same-deal-{n}")
                   for n, (o, _) in enumerate(answers) if o["result"] == "created")
    assert (held.execution_id, held.object_id, held.realm_id) == (creator.id, deal, US_REALM)


def test_if_exists_create_another_takes_no_reservation(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    first = outputs(world.execute("create-invoice", "DEAL", deal, {"if_exists": "create_another"}))
    second = outputs(world.execute("create-invoice", "DEAL", deal, {"if_exists": "create_another"}))
    assert first["result"] == second["result"] == "created"
    assert len(us.entities("Invoice")) == 2
    assert _rows(world.runtime, RecordReservation) == []


def test_a_failure_before_creating_anything_releases_the_record(world, us):
    deal = make_deal(world, [line("Mystery product", "10.00")], contact(world))
    failed = outputs(world.execute("create-invoice", "DEAL", deal))
    assert (failed["result"], failed["error_code"]) == ("failed", "UNMATCHED_PRODUCTS")
    assert _rows(world.runtime, RecordReservation) == []
    # The next enrolment (different callback) books at once, without waiting.
    booked = outputs(world.execute("create-invoice", "DEAL", deal,
                                   {"create_missing_products": "true"}))
    assert booked["result"] == "created" and len(us.entities("Invoice")) == 1


def test_six_concurrent_deals_sharing_a_new_product_create_it_once(world, us):
    items_before = len(us.entities("Item"))
    deals = [make_deal(world, [line("Brand-new widget", "25.00", qty="2")],
                       contact(world, f"buyer{n}@example.com", "Buyer", f"No{n}"))
             for n in range(6)]  # fmt: skip
    world.quickbooks.config.latency_seconds = 0.05  # the lookups all miss before any create
    # Not a test of QuickBooks' pace: at 10 requests a second the six mostly waited for budget.
    world.quickbooks.config.per_second = 100
    world.runtime.settings = world.runtime.settings.replace(quickbooks_per_second=100)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(
            lambda d: deliver_until_answered(world, "create-invoice", "DEAL", d[1],
                                             f"ap-widget-{d[0]}",
                                             {"create_missing_products": "true"}),
            enumerate(deals),
        ))  # fmt: skip
    world.quickbooks.config.latency_seconds = 0.0
    outs = [out for out, _ in answers]
    assert [o["result"] for o in outs] == ["created"] * 6, outs
    assert len(us.entities("Invoice")) == 6
    widgets = [i for i in us.entities("Item") if i["Name"] == "Brand-new widget"]
    assert len(widgets) == 1 and len(us.entities("Item")) == items_before + 1
    for invoice in us.entities("Invoice"):
        refs = {ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in invoice["Line"]
                if ln.get("DetailType") == "SalesItemLineDetail"}  # fmt: skip
        assert refs == {widgets[0]["Id"]}


def test_item_create_losing_the_race_uses_the_winner(world, us):
    """QuickBooks answers 6240 because another client created the item just before."""
    deal = make_deal(world, [line("Raced gadget", "40.00")], contact(world))
    world.quickbooks.faults.add("race_create", match="POST /v3/company/" + US_REALM + "/item")
    out = outputs(world.execute("create-invoice", "DEAL", deal,
                                {"create_missing_products": "true"}))
    assert out["result"] == "created" and out["error_code"] == ""
    [gadget] = [i for i in us.entities("Item") if i["Name"] == "Raced gadget"]
    [invoice] = us.entities("Invoice")
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == gadget["Id"]
    item_creates = [c for c in world.quickbooks.calls
                    if c["method"] == "POST" and c["path"].endswith("/item")]  # fmt: skip
    assert [c["status"] for c in item_creates] == [400]  # the 6240, then a look-up, no retry


def test_customer_create_losing_the_race_uses_the_winner(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")],
                     contact(world, "raced@example.com", "Rae", "Ced"))
    world.quickbooks.faults.add("race_create",
                                match="POST /v3/company/" + US_REALM + "/customer")
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created"
    raced = [c for c in us.entities("Customer") if c["DisplayName"] == "Rae Ced"]
    assert len(raced) == 1 and out["qbo_customer_id"] == str(raced[0]["Id"])


def test_inactive_item_of_that_name_is_still_a_clash(world, us):
    """6240 with only an inactive item of that name (seeded): a genuine clash, as before."""
    deal = make_deal(world, [line("Legacy Widget", "10.00")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal,
                                {"create_missing_products": "true"}))
    assert (out["result"], out["error_code"]) == ("failed", "DUPLICATE_NAME")
    assert us.entities("Invoice") == []
    assert _rows(world.runtime, RecordReservation) == []  # released: nothing was booked


def test_refused_payment_then_new_enrolment_pays_the_same_invoice(world, us):
    payment = make_payment(world, "300.00", [line("Consulting", "150.00", "2", sku="CONS-H")],
                           contact(world), reference="ch_refused_once")
    world.quickbooks.faults.add("refuse", match="POST /v3/company/" + US_REALM + "/payment")
    first = outputs(world.execute("create-paid-invoice", "COMMERCE_PAYMENT", payment))
    assert first["result"] == "failed" and "kept, unpaid" in first["error_message"]
    [invoice] = us.entities("Invoice")
    assert us.entities("Payment") == []
    # The link was written when the invoice existed, before the Payment failed.
    [link] = _rows(world.runtime, TransactionLink)
    assert link.qbo_id == str(invoice["Id"])

    again = outputs(world.execute("create-paid-invoice", "COMMERCE_PAYMENT", payment))
    assert again["result"] == "created" and again["error_code"] == ""
    assert again["qbo_id"] == str(invoice["Id"])
    [invoice] = us.entities("Invoice")
    [paid] = us.entities("Payment")
    assert str(invoice["Balance"]) in ("0", "0.00")
    assert paid["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    # A third enrolment has nothing left to do.
    third = outputs(world.execute("create-paid-invoice", "COMMERCE_PAYMENT", payment))
    assert (third["result"], third["qbo_id"]) == ("existing", str(invoice["Id"]))
    assert len(us.entities("Invoice")) == len(us.entities("Payment")) == 1


def test_persistent_401_after_refresh_requires_reconnect_within_three_tries(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    world.quickbooks.faults.rate("access_removed", 1.0)  # every API call: 401 code 120
    statuses = []
    for _ in range(3):
        answer = world.execute("create-invoice", "DEAL", deal, callback_id="ap-lost-access")
        statuses.append(answer.status_code)
        if answer.status_code == 200:
            break
    assert statuses[-1] == 200 and len(statuses) <= 3, statuses
    out = answer.get_json()["outputFields"]
    assert (out["hs_execution_state"], out["error_code"]) == (
        "FAIL_CONTINUE", "QUICKBOOKS_RECONNECT_REQUIRED")
    connection = get_connection(world.runtime.db, world.portal_id, US_REALM)
    assert connection.status == "reconnect_required" and "120" in connection.last_error
    assert us.entities("Invoice") == []
    creates = [c for c in world.quickbooks.calls if c["method"] == "POST"
               and c["path"].startswith("/v3/company/") and c["status"] == 200]  # fmt: skip
    assert creates == []
    # Every try refreshed first (the refresh itself succeeded), then was refused again.
    refreshes = [c for c in world.quickbooks.calls if "token" in c["path"]]
    assert len(refreshes) == len(statuses)
    # Later executions fail at once, without calling QuickBooks.
    world.quickbooks.reset_calls()
    later = outputs(world.execute("create-invoice", "DEAL", deal))
    assert later["error_code"] == "QUICKBOOKS_RECONNECT_REQUIRED"
    assert [c for c in world.quickbooks.calls if c["path"].startswith("/v3/")] == []


def test_a_401_glitch_is_forgotten_after_a_successful_call(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    world.quickbooks.faults.add("access_removed", count=2)  # one try: the call and its retry
    first = world.execute("create-invoice", "DEAL", deal, callback_id="ap-glitch")
    assert first.status_code == 503
    connection = get_connection(world.runtime.db, world.portal_id, US_REALM)
    assert connection.auth_refusals == 1 and connection.status == "connected"
    out = outputs(world.execute("create-invoice", "DEAL", deal, callback_id="ap-glitch"))
    assert out["result"] == "created"
    connection = get_connection(world.runtime.db, world.portal_id, US_REALM)
    assert connection.auth_refusals == 0 and connection.status == "connected"


@pytest.mark.parametrize("status", [423, 477])
def test_hubspot_423_and_477_are_transient(world, us, status):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    world.hubspot.faults.add(f"error_{status}", match="/crm/", count=1)
    first = world.execute("create-invoice", "DEAL", deal, callback_id=f"ap-hs-{status}")
    assert first.status_code == 429 and int(first.headers["Retry-After"]) >= 2
    assert us.entities("Invoice") == []
    out = outputs(world.execute("create-invoice", "DEAL", deal, callback_id=f"ap-hs-{status}"))
    assert out["result"] == "created" and len(us.entities("Invoice")) == 1
