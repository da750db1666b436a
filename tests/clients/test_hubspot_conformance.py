"""Every request the product sends to HubSpot matches the shared reference (hubspot-api.md) and
HubSpot's 2026-03 OpenAPI documents: dated paths, methods and required fields, checked on what
the HubSpot emulator recorded. No request may go to a retired numbered API (SPEC §9)."""

from __future__ import annotations

import pytest

import store
from actions import ACTIONS
from clients.hubspot_definitions import DefinitionsClient
from clients.tokens import HubSpotTokens
from emulators.hubspot.seed import seed_demo
from store import portals, utcnow
from tests.support.hubspot_rules import V, violations
from tests.support.oauth import Browser, install
from tests.support.signing import PUBLIC_BASE
from tests.support.world import US_REALM


@pytest.fixture
def demo(hubspot):
    """The demo portal's records in the HubSpot emulator (before the world installs it)."""
    return seed_demo(hubspot)


def test_the_client_reads_as_the_reference_says(demo, world):
    client = world.runtime.hubspot_client(world.portal_id)
    deal = demo["deals"]["basic"]
    client.get_object("deals", deal, ["dealname", "amount"], associations=["contacts"])
    client.associations("deals", deal, "line_items")
    ids = [str(i) for i in range(20_000_000_000, 20_000_000_250)] + demo["line_items"][
        "deal_basic"]  # fmt: skip
    found = client.batch_read("line_items", ids, ["name", "price", "quantity"])
    assert {r["id"] for r in found} == set(demo["line_items"]["deal_basic"])
    client.batch_associations("deals", "contacts", [str(d) for d in demo["deals"].values()])
    calls = world.hubspot.calls
    assert violations(calls) == []
    batches = [c for c in calls if c["path"] == f"/crm/objects/{V}/line_items/batch/read"]
    assert [len(c["json"]["inputs"]) for c in batches] == [100, 100, 53]
    assert all("associations" not in c["json"] for c in batches)
    assert any(c["path"] == f"/crm/objects/{V}/deals/{deal}/associations/line_items"
               for c in calls)  # fmt: skip


def test_callback_completions_carry_output_fields_and_typed_outputs(world):
    client = world.runtime.hubspot_client(world.portal_id)
    for callback in ("ap-1-2-3-0", "ap-1-2-4-0", "ap-1-2-5-0"):
        world.hubspot.register_callback(callback, world.portal_id)
    client.complete_callback("ap-1-2-3-0", {"hs_execution_state": "SUCCESS", "qbo_id": "7"})
    client.complete_callbacks([
        ("ap-1-2-4-0", {"hs_execution_state": "FAIL_CONTINUE", "error_code": "NO_CONTACT"}),
        ("ap-1-2-5-0", {"hs_execution_state": "SUCCESS"}),
    ])  # fmt: skip
    calls = world.hubspot.calls
    assert violations(calls) == []
    single = next(c for c in calls if c["path"].endswith("/ap-1-2-3-0/complete"))
    assert single["json"] == {"outputFields": {"hs_execution_state": "SUCCESS", "qbo_id": "7"},
                              "typedOutputs": {}}  # fmt: skip
    batch = next(c for c in calls if c["path"] == f"/automation/actions/callbacks/{V}/complete")
    assert [i["callbackId"] for i in batch["json"]["inputs"]] == ["ap-1-2-4-0", "ap-1-2-5-0"]
    assert all(i["typedOutputs"] == {} for i in batch["json"]["inputs"])
    assert all(c["known"] for c in world.hubspot.completions)


def test_definitions_use_the_dated_endpoints_with_a_bearer_developer_key(world):
    client = DefinitionsClient(world.hubspot.url, "424242", "dev-key")
    try:
        body = {
            "actionUrl": f"{PUBLIC_BASE}/hubspot/actions/create-invoice", "published": True,
            "objectTypes": ["DEAL"], "inputFields": [], "functions": [],
            "labels": {"en": {"actionName": "Create QuickBooks invoice"}},
        }  # fmt: skip
        created = client.create(body)
        client.update(str(created["id"]), {**body, "published": False})
        assert len(client.list()) == 1
    finally:
        client.transport.session.close()
    assert violations(world.hubspot.calls) == []
    assert [c["method"] for c in world.hubspot.calls] == ["POST", "PATCH", "GET"]


def test_the_install_and_token_refresh_send_the_reference_fields(world, app):
    world.hubspot.add_portal(2000002, name="Other Co")
    world.hubspot.reset_calls()
    install(Browser(app.test_client()), 2000002)
    runtime = world.runtime
    portal = portals.get_portal(runtime.db, 2000002)
    portal.token_expires_at = utcnow()
    store.save(runtime.db, portal)
    HubSpotTokens(runtime.db, runtime.cipher, 2000002, runtime.settings).access_token()
    calls = world.hubspot.calls
    assert violations(calls) == []
    grants = [c["form"]["grant_type"] for c in calls if c["path"] == f"/oauth/{V}/token"]
    assert grants == ["authorization_code", "refresh_token"]
    exchange = next(c for c in calls if c["path"] == f"/oauth/{V}/token")
    assert exchange["form"]["redirect_uri"] == f"{PUBLIC_BASE}/oauth/hubspot/callback"
    refresh = [c for c in calls if c["path"] == f"/oauth/{V}/token"][1]
    assert "scope" not in refresh["form"]  # the refresh grant takes no scope (§5.2)


@pytest.mark.parametrize(
    ("slug", "record"),
    [
        ("create-invoice", ("DEAL", "deals", "basic")),
        ("create-estimate", ("QUOTE", "quotes", "accepted")),
        ("create-sales-receipt", ("DEAL", "deals", "basic")),
        ("create-paid-invoice", ("COMMERCE_PAYMENT", "payments", "invoice")),
        ("create-fee-expense", ("COMMERCE_PAYMENT", "payments", "checkout")),
        ("create-refund-receipt", ("COMMERCE_PAYMENT", "payments", "refunded")),
    ],
)
def test_every_action_reads_hubspot_as_the_reference_says(demo, world, slug, record):
    company = world.connect_company(US_REALM)
    world.hubspot.reset_calls()
    accounts = {a["Name"]: a["Id"] for a in company.entities("Account")}
    inputs = {"quickbooks_company": US_REALM, "payment_account": accounts["Checking"],
              "expense_account": accounts["Merchant Fees"],
              "refund_from_account": accounts["Checking"]}  # fmt: skip
    action = ACTIONS[slug]
    inputs = {k: v for k, v in inputs.items() if k in {f.name for f in action.fields}}
    enum, roles, role = record
    response = world.execute(slug, enum, demo[roles][role], inputs)
    assert response.status_code == 200, response.get_data(True)
    assert violations(world.hubspot.calls) == []
