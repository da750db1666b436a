"""Every request the product sends to HubSpot matches the shared reference (hubspot-api.md):
paths, methods and required fields, checked on what the HubSpot emulator recorded."""

from __future__ import annotations

import json
import re

import pytest

import store
from actions import ACTIONS
from clients.hubspot import DefinitionsClient
from clients.tokens import HubSpotTokens
from emulators.hubspot.seed import seed_demo
from store import utcnow
from tests.conftest import PUBLIC_BASE
from tests.support.oauth import Browser, install
from tests.support.world import US_REALM

# §6.1: the path names of the objects the product reads (type ids are accepted too).
OBJECT_TYPES = r"(contacts|companies|deals|line_items|quotes|products|commerce_payments|0-\d+)"
ID = r"[0-9]+"
SINGLE_READ_PARAMS = {"properties", "propertiesWithHistory", "associations", "idProperty",
                      "archived"}  # fmt: skip
BATCH_READ_FIELDS = {"properties", "propertiesWithHistory", "idProperty", "inputs"}
COMPLETION_FIELDS = {"outputFields", "typedOutputs", "failureReasonType", "requestContext"}


def _single_read(call) -> list[str]:
    unknown = set(call["query"]) - SINGLE_READ_PARAMS
    return [f"unknown query parameters {sorted(unknown)}"] if unknown else []


def _batch_read(call) -> list[str]:
    body, problems = call["json"] or {}, []
    if set(body) - BATCH_READ_FIELDS:
        extra = sorted(set(body) - BATCH_READ_FIELDS)
        problems.append(f"fields outside the batch-read schema: {extra}")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
        problems.append("inputs must hold 1 to 100 ids (§6.2)")
    elif not all(isinstance(i, dict) and set(i) == {"id"} and isinstance(i["id"], str)
                 for i in inputs):  # fmt: skip
        problems.append("each input is {'id': '<string>'}")
    if not isinstance(body.get("properties", []), list):
        problems.append("properties is a list")
    return problems


def _search(call) -> list[str]:
    body, problems = call["json"] or {}, []
    groups = body.get("filterGroups", [])
    if len(groups) > 5 or sum(len(g.get("filters", [])) for g in groups) > 18:
        problems.append("at most 5 filterGroups and 18 filters (§6.4)")
    if len(body.get("sorts", [])) > 1 or int(body.get("limit", 10)) > 200:
        problems.append("one sort and limit <= 200 (§6.4)")
    if len(json.dumps(body)) > 3000:
        problems.append("search bodies stay under 3,000 characters (§6.4)")
    return problems


def _association_batch(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs")
    if set(call["json"] or {}) != {"inputs"} or not 1 <= len(inputs or []) <= 1000:
        return ["body is {'inputs': [...]} with 1 to 1,000 ids (§6.3)"]
    return []


def _completion(item: dict, where: str = "") -> list[str]:
    problems = []
    for required in ("outputFields", "typedOutputs"):  # both required by the spec (§3.3)
        if required not in item:
            problems.append(f"{where}{required} is missing")
    if set(item) - COMPLETION_FIELDS - {"callbackId"}:
        problems.append(f"{where}unknown fields {sorted(set(item) - COMPLETION_FIELDS)}")
    outputs = item.get("outputFields") or {}
    if not all(isinstance(v, str) for v in outputs.values()):
        problems.append(f"{where}outputFields values are strings")
    if outputs.get("hs_execution_state") not in ("SUCCESS", "FAIL_CONTINUE"):
        problems.append(f"{where}hs_execution_state is SUCCESS or FAIL_CONTINUE")
    return problems


def _batch_completion(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs") or []
    problems = [] if inputs else ["inputs is required"]
    for n, item in enumerate(inputs):
        if "callbackId" not in item:
            problems.append(f"inputs[{n}].callbackId is missing")
        problems += _completion(item, f"inputs[{n}].")
    return problems


def _token(call) -> list[str]:
    form = call["form"] or {}
    needed = {"grant_type", "client_id", "client_secret"}
    needed |= {"code", "redirect_uri"} if form.get("grant_type") == "authorization_code" else {
        "refresh_token"}  # fmt: skip
    problems = [f"form field {name} is missing (§5.2)" for name in sorted(needed - set(form))]
    if call["json"] is not None:
        problems.append("token requests are form-encoded, not JSON (§5.2)")
    if call["query"]:
        problems.append("token parameters go in the body, none in the query string")
    return problems


def _authorize(call) -> list[str]:
    # The browser's visit to the consent page, at the URL the install route built (§5.1).
    missing = {"client_id", "scope", "redirect_uri", "state"} - set(call["query"])
    problems = [f"authorize URL lacks {sorted(missing)}"] if missing else []
    if "," in call["query"].get("scope", ""):
        problems.append("scopes are space-separated")
    return problems


def _definitions(call) -> list[str]:
    return [] if call["query"].get("hapikey") else ["definition calls carry hapikey (§1.3)"]


def _property_group(call) -> list[str]:
    body = call["json"] or {}
    return [] if body.get("name") and body.get("label") else ["name and label are required"]


def _property(call) -> list[str]:
    body = call["json"] or {}
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    problems = [f"{k} is required (§10.5)" for k in missing]
    if body.get("type") == "enumeration" and not body.get("options"):
        problems.append("an enumeration needs options (§10.5)")
    return problems


def _batch_update(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs")
    if not 1 <= len(inputs or []) <= 100:
        return ["inputs holds 1 to 100 records (§10.5)"]
    return [f"inputs[{n}] is {{id, properties}}" for n, item in enumerate(inputs)
            if not item.get("id") or not isinstance(item.get("properties"), dict)]


RULES = [
    ("GET", r"/crm/properties/2026-03/deals/groups", None),
    ("POST", r"/crm/properties/2026-03/deals/groups", _property_group),
    ("GET", r"/crm/properties/2026-03/deals", None),
    ("POST", r"/crm/properties/2026-03/deals", _property),
    ("POST", r"/crm/objects/2026-03/deals/batch/update", _batch_update),
    ("GET", rf"/crm/objects/2026-03/{OBJECT_TYPES}/{ID}/associations/deals", None),
    ("GET", rf"/crm/v3/objects/{OBJECT_TYPES}/{ID}", _single_read),
    ("POST", rf"/crm/v3/objects/{OBJECT_TYPES}/batch/read", _batch_read),
    ("POST", rf"/crm/v3/objects/{OBJECT_TYPES}/search", _search),
    ("GET", rf"/crm/v4/objects/{OBJECT_TYPES}/{ID}/associations/{OBJECT_TYPES}", None),
    ("POST", rf"/crm/v4/associations/{OBJECT_TYPES}/{OBJECT_TYPES}/batch/read",
     _association_batch),
    ("POST", r"/automation/v4/actions/callbacks/[^/]+/complete", lambda c: _completion(c["json"])),
    ("POST", r"/automation/v4/actions/callbacks/complete", _batch_completion),
    ("POST", r"/oauth/v1/token", _token),
    ("GET", r"/oauth/v1/access-tokens/[^/]+", None),
    ("GET", r"/oauth/authorize", _authorize),
    ("GET", r"/automation/v4/actions/\d+", _definitions),
    ("POST", r"/automation/v4/actions/\d+", _definitions),
    ("PATCH", r"/automation/v4/actions/\d+/\d+", _definitions),
]  # fmt: skip


def violations(calls: list[dict]) -> list[str]:
    """What is wrong with each recorded call, by the reference's rules."""
    found = []
    for call in calls:
        rule = next((r for r in RULES if r[0] == call["method"]
                     and re.fullmatch(r[1], call["path"])), None)  # fmt: skip
        if call["path"].startswith("/_emulator"):
            continue
        if rule is None:
            found.append(f"{call['method']} {call['path']}: not an endpoint of the reference")
            continue
        check = rule[2]
        problems = list(check(call) if check else [])
        if call["status"] >= 400 and call["status"] != 429:
            problems.append(f"HubSpot answered {call['status']}")
        found += [f"{call['method']} {call['path']}: {p}" for p in problems]
    return found


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
    batches = [c for c in calls if c["path"] == "/crm/v3/objects/line_items/batch/read"]
    assert [len(c["json"]["inputs"]) for c in batches] == [100, 100, 53]
    assert all("associations" not in c["json"] for c in batches)
    assert any(c["path"] == f"/crm/v4/objects/deals/{deal}/associations/line_items"
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
    batch = next(c for c in calls if c["path"] == "/automation/v4/actions/callbacks/complete")
    assert [i["callbackId"] for i in batch["json"]["inputs"]] == ["ap-1-2-4-0", "ap-1-2-5-0"]
    assert all(i["typedOutputs"] == {} for i in batch["json"]["inputs"])
    assert all(c["known"] for c in world.hubspot.completions)


def test_definitions_use_the_v4_endpoints_with_the_developer_key(world):
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
    portal = store.get_portal(runtime.db, 2000002)
    portal.token_expires_at = utcnow()
    store.save(runtime.db, portal)
    HubSpotTokens(runtime.db, runtime.cipher, 2000002, runtime.settings).access_token()
    calls = world.hubspot.calls
    assert violations(calls) == []
    grants = [c["form"]["grant_type"] for c in calls if c["path"] == "/oauth/v1/token"]
    assert grants == ["authorization_code", "refresh_token"]
    exchange = next(c for c in calls if c["path"] == "/oauth/v1/token")
    assert exchange["form"]["redirect_uri"] == f"{PUBLIC_BASE}/oauth/hubspot/callback"
    refresh = [c for c in calls if c["path"] == "/oauth/v1/token"][1]
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
