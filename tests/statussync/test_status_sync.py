"""QuickBooks status back on the deal (SPEC §10), inline mode, through the real endpoints."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import store
from statussync import settle, webhooks
from store import portals
from store import status as rows
from tests.support.crm import contact, line, make_quote, outputs, qbo_calls, reset_calls
from tests.support.status import (
    VERIFIER,
    book_invoice,
    deal_props,
    enable,
    grant_write_scopes,
    settle_now,
    setup_properties,
    wait_for,
)


@pytest.fixture
def synced(world):
    """A US company, write scopes, the deal properties, webhooks flowing into the app."""
    world.connect_company()
    grant_write_scopes(world)
    setup_properties(world)
    enable(world)
    return world


def _post(world, body: bytes, signature: str | None = None, content_type="application/json"):
    headers = {"Content-Type": content_type,
               "intuit-signature": signature or webhooks.signature(body, VERIFIER)}
    with world.app.test_client() as client:
        return client.post("/quickbooks/webhooks", data=body, headers=headers)


def test_full_payment_turns_the_deal_paid(synced):
    world = synced
    deal, invoice = book_invoice(world, "250.00", "2")
    settle_now(world)
    props = wait_for(world, deal, "qbo_invoice_status", "awaiting_send")
    assert props["qbo_balance"] == "500.00" and props["qbo_amount_paid"] == "0.00"
    world.quickbooks.pay_invoice("9130350000000001", invoice)
    props = wait_for(world, deal, "qbo_invoice_status", "paid", timeout=5)
    assert props["qbo_balance"] == "0.00"
    assert props["qbo_amount_paid"] == "500.00"
    assert props["qbo_invoice_number"]
    assert props["qbo_invoice_url"].endswith(f"txnId={invoice}")
    assert props["qbo_synced_at"]
    assert set(world.webhook_answers) == {200}


def test_partial_payment_then_void(synced):
    world = synced
    deal, invoice = book_invoice(world, "100.00")
    settle_now(world)
    world.quickbooks.pay_invoice("9130350000000001", invoice, "40.00")
    props = wait_for(world, deal, "qbo_invoice_status", "partially_paid", timeout=5)
    assert (props["qbo_amount_paid"], props["qbo_balance"]) == ("40.00", "60.00")
    world.quickbooks.void_invoice("9130350000000001", invoice)
    props = wait_for(world, deal, "qbo_invoice_status", "voided", timeout=5)
    assert props["qbo_balance"] == "0.00"


def test_legacy_format_is_handled(world):
    world.connect_company()
    grant_write_scopes(world)
    setup_properties(world)
    enable(world, fmt="legacy")
    deal, invoice = book_invoice(world)
    settle_now(world)
    world.quickbooks.pay_invoice("9130350000000001", invoice)
    wait_for(world, deal, "qbo_invoice_status", "paid", timeout=5)
    sent = world.quickbooks.webhooks.sent[-1]
    assert "eventNotifications" in json.loads(sent["body"])
    assert sent["headers"]["Content-Type"] == "application/json"


def test_cloudevents_content_type_and_reads_metered(synced):
    world = synced
    deal, invoice = book_invoice(world)
    settle_now(world)
    reset_calls(world)
    world.quickbooks.pay_invoice("9130350000000001", invoice)
    wait_for(world, deal, "qbo_invoice_status", "paid", timeout=5)
    settle_now(world)
    assert world.quickbooks.webhooks.sent[-1]["headers"]["Content-Type"] == \
        "application/cloudevents+json"
    reads = [c for c in qbo_calls(world) if c["method"] == "GET"]
    assert len(reads) == 1 and "/cdc" in reads[0]["path"], reads


def test_create_webhook_costs_no_read(synced):
    world = synced
    reset_calls(world)
    deal, _ = book_invoice(world)
    creates = len([c for c in qbo_calls(world) if c["method"] == "GET"])
    settle_now(world)
    wait_for(world, deal, "qbo_invoice_status", "awaiting_send")
    assert len([c for c in qbo_calls(world) if c["method"] == "GET"]) == creates


def test_bad_signature_is_401_and_nothing_recorded(synced):
    body = json.dumps([{"specversion": "1.0", "id": "e-1", "type": "qbo.invoice.updated.v1",
                        "intuitaccountid": "9130350000000001", "intuitentityid": "1",
                        "time": "2026-12-01T10:00:00Z"}]).encode()
    assert _post(synced, body, signature="bm90IHRoZSBzaWduYXR1cmU=").status_code == 401
    assert _post(synced, body, signature=webhooks.signature(body, "other")).status_code == 401
    assert rows.count_events(synced.runtime.db) == 0


def test_endpoint_is_404_without_a_verifier_token(world):
    body = b"[]"
    assert _post(world, body).status_code == 404


def test_same_event_twice_is_processed_once(synced):
    world = synced
    deal, invoice = book_invoice(world)
    settle_now(world)
    world.quickbooks.webhooks.deliver = None  # we deliver by hand below
    world.quickbooks.webhooks.url = ""
    world.quickbooks.pay_invoice("9130350000000001", invoice)
    payment = world.quickbooks.companies["9130350000000001"].entities("Payment")[-1]
    body = json.dumps([{"specversion": "1.0", "id": "evt-pay-1",
                        "type": "qbo.payment.created.v1", "time": "2026-12-06T10:00:00Z",
                        "intuitaccountid": "9130350000000001",
                        "intuitentityid": payment["Id"], "data": {}}]).encode()
    reset_calls(world)
    first = _post(world, body, content_type="application/cloudevents+json")
    second = _post(world, body, content_type="application/cloudevents+json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.get_json()["new"], second.get_json()["new"]) == (1, 0)
    settle_now(world)
    wait_for(world, deal, "qbo_invoice_status", "paid")
    assert rows.count_events(world.runtime.db, "done") >= 1
    assert len([c for c in qbo_calls(world) if c["method"] == "GET"]) == 1


def test_unknown_realm_and_entity_are_acknowledged_and_ignored(synced):
    world = synced
    body = json.dumps({"eventNotifications": [
        {"realmId": "999", "dataChangeEvent": {"entities": [
            {"name": "Invoice", "id": "1", "operation": "Update",
             "lastUpdated": "2026-12-06T10:00:00-0700"}]}},
        {"realmId": "9130350000000001", "dataChangeEvent": {"entities": [
            {"name": "Customer", "id": "1", "operation": "Update",
             "lastUpdated": "2026-12-06T10:00:00-0700"},
            {"name": "Invoice", "id": "777777", "operation": "Update",
             "lastUpdated": "2026-12-06T10:00:00-0700"}]}}]}).encode()
    reset_calls(world)
    assert _post(world, body).status_code == 200
    settle_now(world)
    assert rows.count_events(world.runtime.db, "ignored") == 3
    assert qbo_calls(world) == []


def test_quote_invoice_updates_the_associated_deal(synced):
    world = synced
    deal = world.portal.create("deals", {"dealname": "Quoted deal"})
    quote = make_quote(world, [line("Consulting", "80.00")], contact(world))
    world.portal.associate("quotes", quote, "deals", deal)
    out = outputs(world.execute("create-invoice", "QUOTE", quote))
    settle_now(world)
    world.quickbooks.pay_invoice("9130350000000001", out["qbo_id"])
    props = wait_for(world, deal, "qbo_invoice_status", "paid", timeout=5)
    assert props["qbo_amount_paid"] == "80.00"


def test_invoice_booked_past_its_due_date_is_overdue(synced):
    world = synced
    past = (date.today() - timedelta(days=3)).isoformat()
    deal, _ = book_invoice(world, inputs={
        "invoice_date": (date.today() - timedelta(days=33)).isoformat(), "due_date": past})
    settle_now(world)
    props = wait_for(world, deal, "qbo_invoice_status", "overdue")
    assert props["qbo_due_date"] == past


def test_overdue_after_the_daily_pass(synced):
    world = synced
    deal, _ = book_invoice(world, inputs={"due_date": date.today().isoformat()})
    settle_now(world)
    wait_for(world, deal, "qbo_invoice_status", "awaiting_send")
    reset_calls(world)
    assert settle.overdue_pass(world.runtime, today=date.today())["overdue"] == 0
    assert settle.overdue_pass(world.runtime, today=date.today() + timedelta(days=1)) \
        ["overdue"] == 1
    assert deal_props(world, deal)["qbo_invoice_status"] == "overdue"
    assert qbo_calls(world) == []  # no QuickBooks event fires for this, and no read is needed


def test_overdue_uses_the_portal_time_zone(synced):
    world = synced
    # Pago Pago (UTC-11) is always a day or two behind Kiritimati (UTC+14).
    behind = datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()
    deal, _ = book_invoice(world, inputs={"invoice_date": behind.isoformat(),
                                          "due_date": behind.isoformat()})
    settle_now(world)
    row = rows.statuses(world.runtime.db)[0]
    row.status = "awaiting_send"  # as it was booked (the create answer may already say overdue)
    row.pushed = {}
    rows.save_status(world.runtime.db, row)
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    portal.time_zone = "Pacific/Pago_Pago"
    store.save(world.runtime.db, portal)
    assert settle.overdue_pass(world.runtime)["overdue"] == 0
    portal.time_zone = "Pacific/Kiritimati"
    store.save(world.runtime.db, portal)
    assert settle.overdue_pass(world.runtime)["overdue"] == 1
    assert deal_props(world, deal)["qbo_invoice_status"] == "overdue"


def test_sync_status_catches_up_missed_events(synced):
    world = synced
    deal, invoice = book_invoice(world)
    settle_now(world)
    wait_for(world, deal, "qbo_invoice_status", "awaiting_send")
    world.quickbooks.webhooks.deliver = None  # the server is down: nothing arrives
    world.quickbooks.pay_invoice("9130350000000001", invoice, "30.00")
    assert deal_props(world, deal)["qbo_invoice_status"] == "awaiting_send"
    result = world.app.test_cli_runner().invoke(args=["sync", "status"])
    assert result.exit_code == 0, result.output
    props = deal_props(world, deal)
    assert props["qbo_invoice_status"] == "partially_paid"
    assert (props["qbo_amount_paid"], props["qbo_balance"]) == ("30.00", "70.00")


def test_unchanged_status_is_not_written_again(synced):
    world = synced
    deal, invoice = book_invoice(world)
    settle_now(world)
    wait_for(world, deal, "qbo_invoice_status", "awaiting_send")
    world.quickbooks.webhooks.deliver = None
    reset_calls(world)
    world.app.test_cli_runner().invoke(args=["sync", "status"])
    assert not [c for c in world.hubspot.calls if "batch/update" in c["path"]]


def test_setup_properties_is_idempotent_and_scoped(world):
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["hubspot", "setup-properties"])
    assert result.exit_code == 1  # the default install lacks crm.schemas.deals.write
    assert "MISSING_SCOPES" in result.output
    assert "reinstall to enable status sync" in result.output
    grant_write_scopes(world)
    first = runner.invoke(args=["hubspot", "setup-properties"])
    assert "8 created" in first.output, first.output
    second = runner.invoke(args=["hubspot", "setup-properties"])
    assert "0 created" in second.output, second.output
    with world.app.test_client():
        client = world.runtime.hubspot_client(world.portal_id)
        assert {"qbo_invoice_status", "qbo_synced_at"} <= client.property_names("deals")


def test_missing_write_scope_is_reported_not_raised(world):
    world.connect_company()
    grant_write_scopes(world, scopes=("crm.schemas.deals.write",))  # no deals.write
    setup_properties(world)
    enable(world)
    deal, invoice = book_invoice(world)
    settle_now(world)
    sync = rows.realm_sync(world.runtime.db, "9130350000000001")
    assert "reinstall to enable status sync" in sync.last_error
    assert deal_props(world, deal).get("qbo_invoice_status") is None


def test_status_calls_follow_the_reference(synced):
    from tests.support.hubspot_rules import violations

    world = synced
    deal = world.portal.create("deals", {"dealname": "Quoted deal"})
    quote = make_quote(world, [line("Consulting", "80.00")], contact(world))
    world.portal.associate("quotes", quote, "deals", deal)
    out = outputs(world.execute("create-invoice", "QUOTE", quote))
    settle_now(world)
    world.quickbooks.pay_invoice("9130350000000001", out["qbo_id"])
    wait_for(world, deal, "qbo_invoice_status", "paid", timeout=5)
    ours = [c for c in world.hubspot.calls if "2026-03" in c["path"]]
    assert {c["path"].rsplit("/", 1)[-1] for c in ours} >= {"groups", "deals", "update"}
    assert violations(ours) == []
