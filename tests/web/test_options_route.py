"""POST /hubspot/options/<field>: signed option fetches answered from QuickBooks, cached."""

from __future__ import annotations

import json

import pytest

from actions.options import PAGE_SIZE, US_TAX_NOTICE, OptionsCache
from tests.support.world import PORTAL_ID, US_REALM
from web.routes.options import CACHE_KEY

CA_REALM = "9130350000000002"
OTHER_PORTAL = 2000002
OTHER_REALM = "9130350000000099"


def options_payload(
    field: str,
    company: str | None = None,
    q: str | None = None,
    after: str | None = None,
    portal_id: int = PORTAL_ID,
    **refs,
) -> dict:
    """An option fetch shaped as reference §2.2."""
    inputs = dict(refs)
    if company is not None:
        inputs["quickbooks_company"] = {"type": "STATIC_VALUE", "value": company}
    payload: dict = {
        "origin": {"portalId": portal_id, "actionDefinitionId": 7, "actionDefinitionVersion": 1},
        "objectTypeId": "0-3",
        "inputFieldName": field,
        "inputFields": inputs,
    }
    fetch = {k: v for k, v in (("q", q), ("after", after)) if v is not None}
    if fetch:
        payload["fetchOptions"] = fetch
    return payload


@pytest.fixture
def fetch(post_signed):
    """Fetch a field's options; returns the response."""

    def go(field: str, company: str | None = None, **kwargs):
        return post_signed(f"/hubspot/options/{field}", options_payload(field, company, **kwargs))

    return go


def qbo_calls(quickbooks) -> list[dict]:
    """Requests that reached the QuickBooks company API (not OAuth)."""
    return [c for c in quickbooks.calls if "/v3/company/" in c.get("path", "")]


def labels(response) -> list[str]:
    return [o["label"] for o in response.json["options"]]


def values(response) -> list[str]:
    return [o["value"] for o in response.json["options"]]


@pytest.fixture
def us(world):
    """Portal 1000001 with one US company."""
    world.connect_company(US_REALM, name="Demo US LLC")
    return world


@pytest.fixture
def two(world):
    """Portal 1000001 with a US and a Canadian company."""
    world.connect_company(US_REALM, name="Demo US LLC")
    world.connect_company(CA_REALM, country="CA", currency="CAD", name="Maple Co")
    return world


def by_name(company, entity: str, name_key: str = "Name") -> dict[str, str]:
    return {e[name_key]: e["Id"] for e in company.entities(entity)}


EXPECTED_ACCOUNTS = {
    "deposit_account": {"Checking (Bank)", "Savings (Bank)",
                        "Undeposited Funds (Other Current Asset)"},
    "refund_from_account": {"Checking (Bank)", "Savings (Bank)",
                            "Undeposited Funds (Other Current Asset)"},
    "payment_account": {"Checking (Bank)", "Savings (Bank)", "Company Card (Credit Card)"},
    "expense_account": {"Bank Charges (Expense)", "Merchant Fees (Expense)",
                        "Misc (Other Expense)", "Cost of Goods Sold (Cost of Goods Sold)"},
    "income_account": {"Sales of Product Income (Income)", "Services (Income)"},
}  # fmt: skip


@pytest.mark.parametrize("field", sorted(EXPECTED_ACCOUNTS))
def test_account_fields_offer_active_accounts_of_their_types(us, fetch, field):
    company = us.quickbooks.companies[US_REALM]
    company.add("Account", {"Name": "Old Bank", "AccountType": "Bank", "Active": False})
    company.add("Account", {"Name": "Old Income", "AccountType": "Income", "Active": False})
    response = fetch(field)
    assert response.status_code == 200
    assert response.json["searchable"] is True
    assert set(labels(response)) == EXPECTED_ACCOUNTS[field]
    ids = by_name(company, "Account")
    for option in response.json["options"]:
        assert option["value"] == ids[option["label"].rsplit(" (", 1)[0]]


@pytest.mark.parametrize(
    ("field", "entity", "name_key", "expected"),
    [
        ("payment_terms", "Term", "Name", {"Net 30", "Net 15", "Due on receipt"}),
        ("payment_method", "PaymentMethod", "Name", {"Cash", "Check", "Credit Card", "ACH"}),
        ("vendor", "Vendor", "DisplayName", {"HubSpot Payments", "Acme Supplies"}),
        # Legacy Widget is inactive; Services..Hardware kit are Service/NonInventory.
        ("fallback_item", "Item", "Name",
         {"Services", "Consulting", "Implementation", "Support plan", "Hardware kit"}),
    ],
)  # fmt: skip
def test_list_fields_offer_active_entities_by_id(us, fetch, field, entity, name_key, expected):
    company = us.quickbooks.companies[US_REALM]
    response = fetch(field, US_REALM)
    assert response.status_code == 200
    assert set(labels(response)) == expected
    ids = by_name(company, entity, name_key)
    assert {o["label"]: o["value"] for o in response.json["options"]} == {
        name: ids[name] for name in expected
    }


def test_inventory_and_inactive_items_are_not_offered(us, fetch):
    company = us.quickbooks.companies[US_REALM]
    company.add("Item", {"Name": "Stocked Widget", "Type": "Inventory", "Active": True})
    company.add("Item", {"Name": "Retired Service", "Type": "Service", "Active": False})
    assert not {"Stocked Widget", "Retired Service", "Legacy Widget"} & set(
        labels(fetch("fallback_item"))
    )


def test_company_field_lists_only_this_portals_companies(two, fetch):
    two.install_portal(OTHER_PORTAL)
    two.connect_company(OTHER_REALM, name="Someone Else Inc", portal_id=OTHER_PORTAL)
    response = fetch("quickbooks_company")
    assert response.status_code == 200
    assert response.json["options"] == [
        {"label": "Demo US LLC (US, USD)", "value": US_REALM, "description": f"Realm {US_REALM}"},
        {"label": "Maple Co (CA, CAD)", "value": CA_REALM, "description": f"Realm {CA_REALM}"},
    ]
    assert qbo_calls(two.quickbooks) == []


def test_tax_code_for_a_us_company_is_one_explanation(two, fetch):
    response = fetch("tax_code", US_REALM)
    assert response.status_code == 200
    assert response.json["options"] == [{"label": US_TAX_NOTICE, "value": ""}]
    assert qbo_calls(two.quickbooks) == []


def test_tax_code_for_a_canadian_company_lists_its_codes(two, fetch):
    response = fetch("tax_code", CA_REALM)
    assert response.status_code == 200
    codes = by_name(two.quickbooks.companies[CA_REALM], "TaxCode")
    assert {o["label"]: o["value"] for o in response.json["options"]} == codes
    assert set(codes) == {"GST", "HST ON", "Exempt", "Zero-rated"}


def test_the_chosen_company_decides_the_data(two, fetch):
    two.quickbooks.companies[CA_REALM].add("Vendor", {"DisplayName": "Canadian Vendor"})
    assert "Canadian Vendor" in labels(fetch("vendor", CA_REALM))
    assert "Canadian Vendor" not in labels(fetch("vendor", US_REALM))


def test_several_companies_and_none_chosen_asks_to_choose(two, fetch):
    response = fetch("vendor")
    assert response.status_code == 200
    assert response.json["options"] == [{"label": "Choose the QuickBooks company first",
                                         "value": ""}]  # fmt: skip
    assert qbo_calls(two.quickbooks) == []


def test_no_company_connected_says_to_connect_one(fetch):
    for field in ("vendor", "quickbooks_company"):
        response = fetch(field)
        assert response.status_code == 200
        assert len(response.json["options"]) == 1
        assert "connect one in the dashboard" in response.json["options"][0]["label"]


def test_another_portals_company_is_refused(two, fetch):
    two.install_portal(OTHER_PORTAL)
    two.connect_company(OTHER_REALM, name="Someone Else Inc", portal_id=OTHER_PORTAL)
    response = fetch("vendor", OTHER_REALM)
    assert response.status_code == 403
    assert OTHER_REALM in response.json["error"]
    unknown = fetch("vendor", "123")
    assert unknown.status_code == 403
    assert qbo_calls(two.quickbooks) == []


def test_search_is_a_case_insensitive_substring(us, fetch):
    response = fetch("deposit_account", q="  undeposited ")
    assert labels(response) == ["Undeposited Funds (Other Current Asset)"]
    assert labels(fetch("payment_method", q="CH")) == ["ACH", "Check"]
    assert fetch("vendor", q="nobody").json["options"] == []


def test_long_lists_are_paged_with_an_opaque_cursor(us, fetch):
    company = us.quickbooks.companies[US_REALM]
    for n in range(PAGE_SIZE + 12):
        company.add("Vendor", {"DisplayName": f"Supplier {n:03d}", "Active": True})
    first = fetch("vendor")
    assert len(first.json["options"]) == PAGE_SIZE
    assert first.json["after"]
    second = fetch("vendor", after=first.json["after"])
    assert "after" not in second.json
    seen = values(first) + values(second)
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 12 + 2  # plus the two seeded vendors
    searched = fetch("vendor", q="supplier 0")
    assert len(searched.json["options"]) == PAGE_SIZE
    rest = fetch("vendor", q="supplier 0", after=searched.json["after"])
    assert labels(rest) == [f"Supplier {n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 12)]


def test_a_second_fetch_within_the_ttl_makes_no_quickbooks_call(us, fetch):
    first = fetch("expense_account")
    assert len(qbo_calls(us.quickbooks)) == 1
    us.quickbooks.reset_calls()
    again = fetch("expense_account")
    # The five account fields share one cached account list.
    other = fetch("deposit_account", q="check")
    searched = fetch("expense_account", q="fees")
    assert qbo_calls(us.quickbooks) == []
    assert again.json == first.json
    assert labels(other) == ["Checking (Bank)"]
    assert labels(searched) == ["Merchant Fees (Expense)"]


def test_the_cache_expires(us, fetch, runtime):
    runtime.settings = runtime.settings.replace(options_cache_seconds=0)
    fetch("vendor")
    us.quickbooks.companies[US_REALM].add("Vendor", {"DisplayName": "New Vendor"})
    assert "New Vendor" in labels(fetch("vendor"))
    assert len(qbo_calls(us.quickbooks)) == 2


def test_a_quickbooks_outage_is_explained_and_not_cached(us, fetch):
    us.quickbooks.faults.add("error_500", count=10)
    response = fetch("vendor")
    assert response.status_code == 200
    assert "QuickBooks did not answer" in labels(response)[0]
    us.quickbooks.faults.clear()
    assert "HubSpot Payments" in labels(fetch("vendor"))


def test_unknown_field_is_404(fetch):
    response = fetch("favourite_colour")
    assert response.status_code == 404
    assert "favourite_colour" in response.json["error"]


def test_unsigned_request_is_refused(us, client, quickbooks):
    body = json.dumps(options_payload("vendor")).encode()
    response = client.post("/hubspot/options/vendor", data=body,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 401
    assert "signature" in response.json["error"]
    assert qbo_calls(quickbooks) == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"inputFields": {}}, "origin"),
        ({"origin": {"portalId": "abc"}}, "origin.portalId"),
        (options_payload("vendor") | {"inputFields": [1]}, "inputFields"),
        (options_payload("vendor", quickbooks_company={"type": "SOMETHING", "value": "1"}),
         "inputFields.quickbooks_company"),
        (options_payload("vendor", memo={"type": "OBJECT_PROPERTY"}), "propertyName"),
        (options_payload("vendor") | {"fetchOptions": {"q": 5}}, "fetchOptions.q"),
        (options_payload("vendor", after="not-a-cursor"), "fetchOptions.after"),
    ],
)  # fmt: skip
def test_bad_payloads_get_a_400_naming_the_problem(post_signed, payload, fragment):
    response = post_signed("/hubspot/options/vendor", payload)
    assert response.status_code == 400
    assert fragment in response.json["error"]


def test_a_redis_cache_serves_other_processes(us, fetch, runtime, app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    probe = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    try:
        probe.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    key = f"hubqbo:options:{US_REALM}:Vendor"
    probe.delete(key)
    runtime.settings = runtime.settings.replace(redis_url=url)
    cache = app.extensions.setdefault(CACHE_KEY, OptionsCache())
    try:
        first = fetch("vendor")
        assert 0 < probe.pttl(key) <= 300_000
        cache.clear()  # as if another worker process answered next
        us.quickbooks.reset_calls()
        assert fetch("vendor").json == first.json
        assert qbo_calls(us.quickbooks) == []
    finally:
        probe.delete(key)
        probe.close()
        cache.close()


def test_v2_signed_fetches_from_the_workflow_driver_are_answered(us):
    """The HubSpot emulator's editor sends the same fetch (v2 signature, live server)."""
    from emulators.hubspot.workflows import WorkflowDriver
    from emulators.server import serve_in_thread
    from tests.support.signing import PUBLIC_BASE

    server = serve_in_thread(us.app)
    try:
        driver = WorkflowDriver(us.hubspot, PORTAL_ID, server.url, PUBLIC_BASE)
        result = driver.fetch_options("payment_terms", {"quickbooks_company": US_REALM},
                                      q="net", signature="v2")  # fmt: skip
    finally:
        server.stop()
    assert result.status == 200
    assert [o["label"] for o in result.response_json["options"]] == ["Net 15", "Net 30"]


@pytest.mark.parametrize(("field", "entity"), [("class", "Class"), ("location", "Department")])
def test_class_and_location_offer_the_company_lists(us, fetch, field, entity):
    company = us.quickbooks.companies[US_REALM]
    company.add(entity, {"Name": "Retail"})
    company.add(entity, {"Name": "Closed one", "Active": False})
    response = fetch(field, US_REALM)
    assert response.status_code == 200
    assert labels(response) == ["Retail"]
    assert values(response) == [by_name(company, entity)["Retail"]]
