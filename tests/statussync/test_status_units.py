"""Status derivation, payload parsing and the emulators' status-sync APIs."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import requests

from statussync import webhooks
from statussync.derive import deal_properties, derive
from store import status as rows
from tests.support.status import VERIFIER, enable, grant_write_scopes

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("txn, expected", [
    ({"TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided - was 100"}, "voided"),
    ({"TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}, "voided"),
    ({"TotalAmt": 100, "Balance": 0, "PrivateNote": "Voided later?"}, "paid"),
    ({"TotalAmt": 100, "Balance": 40, "DueDate": "2026-01-01"}, "partially_paid"),
    ({"TotalAmt": 100, "Balance": 100, "DueDate": "2026-12-05"}, "overdue"),
    ({"TotalAmt": 100, "Balance": 100, "DueDate": "2026-12-06", "EmailStatus": "EmailSent"},
     "sent"),
    ({"TotalAmt": 100, "Balance": 100, "DueDate": "2026-12-06", "EmailStatus": "NotSet"},
     "awaiting_send"),
])
def test_status_order(txn, expected):
    assert derive(txn, "Invoice", TODAY).status == expected


def test_sales_receipt_is_paid_and_amounts_are_decimal():
    status = derive({"TotalAmt": "80.5", "DocNumber": "SR-1"}, "SalesReceipt", TODAY)
    assert status.status == "paid" and status.amount_paid == Decimal("80.50")
    props = deal_properties(status, "https://x")
    assert props["qbo_amount_paid"] == "80.50" and props["qbo_balance"] == "0.00"


def test_cloudevents_and_legacy_parse_to_the_same_fields():
    cloud = json.dumps([{"specversion": "1.0", "id": "abc", "type": "qbo.payment.created.v1",
                         "time": "2025-09-10T21:31:25.179851517Z", "intuitentityid": "7",
                         "intuitaccountid": "42", "data": {}}]).encode()
    legacy = json.dumps({"eventNotifications": [{"realmId": "42", "dataChangeEvent": {
        "entities": [{"name": "Payment", "id": "7", "operation": "Create",
                      "lastUpdated": "2025-09-10T14:31:25-0700"}]}}]}).encode()
    (a,), (b,) = webhooks.parse(cloud), webhooks.parse(legacy)
    for e in (a, b):
        assert (e["realm_id"], e["entity"], e["entity_id"], e["operation"]) == (
            "42", "Payment", "7", "Create")
    assert a["occurred_at"] == datetime(2025, 9, 10, 21, 31, 25, 179851, tzinfo=UTC)
    assert b["occurred_at"] == datetime(2025, 9, 10, 21, 31, 25, tzinfo=UTC)
    assert a["event_key"] != b["event_key"]
    with pytest.raises(webhooks.BadPayload):
        webhooks.parse(b'{"something": 1}')


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    # Computed independently: printf '{}' | openssl dgst -sha256 -hmac key -binary | base64
    assert webhooks.signature(b"{}", "key") == "p3dyTZQ+tI3Gm8qKSm1XoE2z+ex+HeTlgehgJlvfMDI="
    assert webhooks.verified(b"{}", "p3dyTZQ+tI3Gm8qKSm1XoE2z+ex+HeTlgehgJlvfMDI=", "key")
    assert not webhooks.verified(b"{} ", "p3dyTZQ+tI3Gm8qKSm1XoE2z+ex+HeTlgehgJlvfMDI=", "key")


def test_a_big_notification_is_answered_at_once_and_recorded_once(world):
    enable(world)
    events = [{"specversion": "1.0", "id": f"e-{n}", "type": "qbo.invoice.updated.v1",
               "time": "2026-12-06T10:00:00Z", "intuitentityid": str(n),
               "intuitaccountid": "555", "data": {}} for n in range(500)]
    body = json.dumps(events).encode()
    headers = {"Content-Type": "application/cloudevents+json",
               "intuit-signature": webhooks.signature(body, VERIFIER)}
    with world.app.test_client() as client:
        answer = client.post("/quickbooks/webhooks", data=body, headers=headers)
    # Answered once recorded, before any settling (its time is benchmarks/webhooks.py's).
    assert answer.status_code == 200 and answer.get_json() == {"received": 500, "new": 500}
    assert rows.count_events(world.runtime.db) == 500


def test_stopping_the_settler_while_it_waits_for_quiet_ends_it_at_once(app):
    settler = app.extensions["status_settler"]
    settler.wake()  # a notification arrived: the thread waits for the burst to go quiet
    time.sleep(0.05)
    started = time.monotonic()
    settler.stop()  # joins the thread for up to 10 s: back sooner only if the thread ended
    assert time.monotonic() - started < 2


def test_events_recorded_before_a_restart_are_settled_after_it(world, settings):
    from app import create_app

    world.connect_company()
    rows.record_events(world.runtime.db, [{
        "event_key": "ce:left-over", "realm_id": "9130350000000001", "entity": "Invoice",
        "entity_id": "999999", "operation": "Update", "occurred_at": None}])
    restarted = create_app(settings.replace(  # webhooks on: it starts its settler at once
        testing=False, quickbooks_webhook_verifier_token="verifier"))
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and rows.count_events(world.runtime.db, "pending"):
            time.sleep(0.05)
        assert rows.count_events(world.runtime.db, "ignored") == 1  # not ours: no read
    finally:
        restarted.extensions["status_settler"].stop()
        restarted.extensions["hubqbo"].db.dispose()


def test_without_webhooks_no_settler_thread_starts(settings):
    from app import create_app

    def settlers() -> int:
        return sum(t.name == "hubqbo-status" and t.is_alive() for t in threading.enumerate())

    before = settlers()
    app = create_app(settings.replace(testing=False, quickbooks_webhook_verifier_token=""))
    try:
        assert settlers() == before  # `flask db upgrade` and an app without webhooks: no thread
    finally:
        app.extensions["hubqbo"].db.dispose()


def test_quickbooks_emulator_cdc_and_void(world):
    company = world.connect_company()
    realm = "9130350000000001"
    token = world.quickbooks.issue_tokens(realm)["access_token"]
    base = f"{world.quickbooks.url}/v3/company/{realm}"
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    customer = company.entities("Customer")[0]
    item = company.entities("Item")[0]
    invoice = requests.post(f"{base}/invoice", headers=auth, timeout=10, json={
        "CustomerRef": {"value": customer["Id"]}, "Line": [{"Amount": 50,
        "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {
            "ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 50}}]}).json()["Invoice"]
    since = invoice["MetaData"]["LastUpdatedTime"]
    cdc = requests.get(f"{base}/cdc", headers=auth, timeout=10,
                       params={"entities": "Invoice,Payment", "changedSince": since}).json()
    pages = cdc["CDCResponse"][0]["QueryResponse"]
    assert [i["Id"] for i in pages[0]["Invoice"]] == [invoice["Id"]]
    too_old = requests.get(f"{base}/cdc", headers=auth, timeout=10, params={
        "entities": "Invoice", "changedSince": "2020-01-01T00:00:00Z"})
    assert too_old.status_code == 400 and "30 days" in too_old.text
    stale = requests.post(f"{base}/invoice?operation=void", headers=auth, timeout=10,
                          json={"Id": invoice["Id"], "SyncToken": "99"})
    assert stale.status_code == 400
    voided = requests.post(f"{base}/invoice?operation=void", headers=auth, timeout=10, json={
        "Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}).json()["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"]) == (0, 0)
    assert voided["PrivateNote"].startswith("Voided")


def test_quickbooks_emulator_signs_its_webhooks(world):
    world.connect_company()
    received = []
    hooks = world.quickbooks.webhooks
    hooks.configure(format="legacy", verifier_token="secret")
    hooks.deliver = lambda body, headers: received.append((body, headers))
    company = world.quickbooks.companies["9130350000000001"]
    company.add("Payment", {"TotalAmt": 1})
    hooks.flush()
    body, headers = received[-1]
    assert webhooks.verified(body, headers["intuit-signature"], "secret")
    assert json.loads(body)["eventNotifications"][0]["dataChangeEvent"]["entities"][0][
        "name"] == "Payment"


def test_hubspot_emulator_enforces_write_scopes(world):
    deal = world.portal.create("deals", {"dealname": "D"})
    client = world.runtime.hubspot_client(world.portal_id)
    from clients.hubspot import HubSpotError

    with pytest.raises(HubSpotError) as refused:
        client.batch_update("deals", [{"id": deal, "properties": {"dealname": "E"}}])
    assert refused.value.status == 403 and refused.value.category == "MISSING_SCOPES"
    grant_write_scopes(world)
    client = world.runtime.hubspot_client(world.portal_id)
    with pytest.raises(HubSpotError) as unknown:
        client.batch_update("deals", [{"id": deal, "properties": {"qbo_balance": "1"}}])
    assert unknown.value.status == 400  # the property does not exist yet
    client.batch_update("deals", [{"id": deal, "properties": {"dealname": "E"}}])
    assert world.portal.get("deals", deal)["dealname"] == "E"
    from statussync import properties

    properties.setup(client)
    with pytest.raises(HubSpotError) as option:
        client.batch_update("deals", [{"id": deal, "properties": {"qbo_invoice_status": "x"}}])
    assert option.value.status == 400
    assert len(client.batch_update("deals", [{"id": str(n), "properties": {}}
                                              for n in (deal,)])) == 1
