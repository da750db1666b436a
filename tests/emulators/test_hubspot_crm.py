"""The HubSpot emulator's CRM reads: objects, batch read, search and auth."""

from __future__ import annotations

import pytest

from emulators.hubspot import HubSpotEmulator

PORTAL = 1000001


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(PORTAL, "Demo Co", "USD", currencies=["EUR"])
    return emulator


@pytest.fixture
def portal(emu):
    return emu.portal(PORTAL)


@pytest.fixture
def client(emu):
    return emu.app.test_client()


@pytest.fixture
def auth(emu):
    return {"Authorization": f"Bearer {emu.issue_tokens(PORTAL)['access_token']}"}


@pytest.fixture
def deal(portal):
    return portal.create("deals", {"dealname": "Rollout", "amount": "1250.50",
                                   "deal_currency_code": "USD"})


def test_get_returns_requested_properties_null_when_empty_and_omits_undefined(client, auth,
                                                                                deal):
    response = client.get(f"/crm/objects/2026-03/deals/{deal}",
                          query_string={"properties": "dealname,amount,closedate,no_such_prop"},
                          headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == deal
    props = body["properties"]
    assert props["dealname"] == "Rollout"
    assert props["amount"] == "1250.50"
    assert props["closedate"] is None
    assert "no_such_prop" not in props
    assert props["hs_object_id"] == deal
    assert {"createdate", "hs_lastmodifieddate"} <= set(props)
    assert body["archived"] is False
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")
    assert "associations" not in body


def test_rate_limit_headers_come_with_api_answers(client, auth, deal):
    response = client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth)
    assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert response.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "99"


def test_default_properties_when_none_requested(client, auth, deal):
    props = client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth).get_json()["properties"]
    assert set(props) == {"dealname", "amount", "closedate", "pipeline", "dealstage",
                          "hs_object_id", "createdate", "hs_lastmodifieddate"}


def test_contacts_use_lastmodifieddate(client, auth, portal):
    contact = portal.create("contacts", {"email": "a@example.com"})
    props = client.get(f"/crm/objects/2026-03/contacts/{contact}", headers=auth).get_json()[
        "properties"]
    assert "lastmodifieddate" in props and "hs_lastmodifieddate" not in props


@pytest.mark.parametrize("prefix", ["/crm/objects/2026-03"])
@pytest.mark.parametrize("type_key", ["deals", "0-3"])
def test_type_names_and_ids_and_dated_paths_read_the_same_record(client, auth, deal, prefix,
                                                                 type_key):
    body = client.get(f"{prefix}/{type_key}/{deal}?properties=dealname", headers=auth).get_json()
    assert body["properties"]["dealname"] == "Rollout"


def test_every_object_type_resolves_by_name_and_id(client, auth, portal):
    pairs = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "line_items": "0-8",
             "quotes": "0-14", "products": "0-7", "invoices": "0-53",
             "commerce_payments": "0-101"}
    for name, type_id in pairs.items():
        record = portal.create(name, {})
        for key in (name, type_id):
            path = f"/crm/objects/2026-03/{key}/{record}"
            assert client.get(path, headers=auth).status_code == 200


def test_unknown_id_is_404_object_not_found(client, auth):
    response = client.get("/crm/objects/2026-03/deals/999", headers=auth)
    assert response.status_code == 404
    body = response.get_json()
    assert body["status"] == "error"
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"]


def test_ids_are_per_type(client, auth, deal):
    assert client.get(f"/crm/objects/2026-03/contacts/{deal}", headers=auth).status_code == 404


def test_unknown_type_is_400(client, auth):
    assert client.get("/crm/objects/2026-03/widgets/1", headers=auth).status_code == 400


def test_associations_parameter_lists_ids_with_v3_type_names(client, auth, portal, deal):
    contact = portal.create("contacts", {"email": "pat@example.com"})
    company = portal.create("companies", {"name": "Acme"})
    line = portal.create("line_items", {"name": "Consulting", "quantity": "1.5"})
    portal.associate("deals", deal, "contacts", contact)
    portal.associate("deals", deal, "companies", company, type_id=5)
    portal.associate("deals", deal, "line_items", line)
    body = client.get(f"/crm/objects/2026-03/deals/{deal}",
                      query_string={"associations": "contacts,line_items,companies,quotes"},
                      headers=auth).get_json()
    associations = body["associations"]
    assert associations["contacts"] == {"results": [{"id": contact, "type": "deal_to_contact"}]}
    # HubSpot keys line items as "line items" and lists primary and unlabeled company links.
    assert associations["line items"] == {"results": [{"id": line, "type": "deal_to_line_item"}]}
    assert associations["companies"]["results"] == [
        {"id": company, "type": "deal_to_company"},
        {"id": company, "type": "deal_to_company_unlabeled"}]
    assert "quotes" not in associations


def test_id_property_reads_by_a_unique_property(client, auth, portal):
    contact = portal.create("contacts", {"email": "pat.obrien@example.com", "lastname": "O'Brien"})
    body = client.get("/crm/objects/2026-03/contacts/pat.obrien@example.com",
                      query_string={"idProperty": "email", "properties": "lastname"},
                      headers=auth).get_json()
    assert body["id"] == contact
    assert body["properties"]["lastname"] == "O'Brien"


def test_properties_with_history(client, auth, portal, deal):
    portal.update("deals", deal, {"amount": "99.00"})
    body = client.get(f"/crm/objects/2026-03/deals/{deal}?propertiesWithHistory=amount",
                      headers=auth).get_json()
    assert [h["value"] for h in body["propertiesWithHistory"]["amount"]] == ["99.00", "1250.50"]


def test_missing_token_is_401_and_missing_scope_is_403(client, emu, deal):
    missing = client.get(f"/crm/objects/2026-03/deals/{deal}")
    assert missing.status_code == 401
    assert missing.get_json()["category"] == "INVALID_AUTHENTICATION"
    unknown = client.get(f"/crm/objects/2026-03/deals/{deal}",
                         headers={"Authorization": "Bearer x"})
    assert unknown.get_json()["category"] == "INVALID_AUTHENTICATION"

    token = emu.issue_tokens(PORTAL, scopes=["crm.objects.contacts.read"])["access_token"]
    forbidden = client.get(f"/crm/objects/2026-03/deals/{deal}",
                           headers={"Authorization": f"Bearer {token}"})
    assert forbidden.status_code == 403
    body = forbidden.get_json()
    assert body["category"] == "MISSING_SCOPES"
    assert "crm.objects.deals.read" in body["errors"][0]["context"]["requiredGranularScopes"]


def test_tokens_only_read_their_own_portal(client, emu, deal):
    emu.add_portal(2000002, "Other Co")
    token = emu.issue_tokens(2000002)["access_token"]
    response = client.get(f"/crm/objects/2026-03/deals/{deal}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


def test_static_private_app_token(client, emu, deal):
    emu.add_static_token(PORTAL, "pat-na1-static")
    emu.clock.advance(10 * 86400)
    response = client.get(f"/crm/objects/2026-03/deals/{deal}",
                          headers={"Authorization": "Bearer pat-na1-static"})
    assert response.status_code == 200


def test_portal_refuses_what_hubspot_refuses(portal):
    with pytest.raises(ValueError, match="PROPERTY_DOESNT_EXIST"):
        portal.create("deals", {"not_a_property": "1"})
    with pytest.raises(ValueError, match="INVALID_OPTION"):
        portal.create("deals", {"deal_currency_code": "JPY"})
    portal.create("contacts", {"email": "pat@example.com"})
    with pytest.raises(ValueError, match="CONFLICT"):
        portal.create("contacts", {"email": "PAT@example.com"})
    portal.define_property("deals", "qbo_invoice_id")
    assert portal.get("deals", portal.create("deals", {"qbo_invoice_id": "42"}))[
        "qbo_invoice_id"] == "42"


# -- batch read ------------------------------------------------------------------------------


def test_batch_read_returns_every_record(client, auth, portal):
    ids = [portal.create("line_items", {"name": f"L{i}", "price": "10.00"}) for i in range(3)]
    response = client.post("/crm/objects/2026-03/line_items/batch/read", headers=auth, json={
        "properties": ["name", "price", "hs_sku"], "propertiesWithHistory": [],
        "inputs": [{"id": i} for i in ids]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "COMPLETE"
    assert [r["id"] for r in body["results"]] == ids
    assert body["results"][0]["properties"]["hs_sku"] is None
    assert body["startedAt"] and body["completedAt"]
    assert "errors" not in body


def test_batch_read_with_missing_ids_is_207(client, auth, portal):
    found = portal.create("line_items", {"name": "L"})
    response = client.post("/crm/objects/2026-03/0-8/batch/read", headers=auth, json={
        "properties": ["name"], "propertiesWithHistory": [],
        "inputs": [{"id": found}, {"id": "404404"}]})
    assert response.status_code == 207
    body = response.get_json()
    assert [r["id"] for r in body["results"]] == [found]
    assert body["numErrors"] == 1
    error = body["errors"][0]
    assert error["status"] == "error"
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ["404404"]}


def test_batch_read_refuses_more_than_100_inputs(client, auth):
    response = client.post("/crm/objects/2026-03/deals/batch/read", headers=auth, json={
        "properties": [], "propertiesWithHistory": [],
        "inputs": [{"id": str(i)} for i in range(101)]})
    assert response.status_code == 400
    assert response.get_json()["category"] == "VALIDATION_ERROR"


def test_batch_read_does_not_support_associations(client, auth, deal):
    response = client.post("/crm/objects/2026-03/deals/batch/read", headers=auth, json={
        "properties": ["dealname"], "propertiesWithHistory": [],
        "inputs": [{"id": deal}], "associations": ["contacts"]})
    assert response.status_code == 400
    assert "associations" in response.get_json()["message"]


def test_batch_read_refuses_duplicates_and_bad_json(client, auth, deal):
    duplicate = client.post("/crm/objects/2026-03/deals/batch/read", headers=auth, json={
        "properties": [], "propertiesWithHistory": [],
        "inputs": [{"id": deal}, {"id": deal}]})
    assert duplicate.status_code == 400
    broken = client.post("/crm/objects/2026-03/deals/batch/read", headers=auth, data="{nope",
                         content_type="application/json")
    assert broken.status_code == 400
    assert broken.get_json()["message"].startswith("Invalid input JSON")


def test_list_pages_with_after(client, auth, portal):
    ids = [portal.create("products", {"name": f"P{i}"}) for i in range(5)]
    first = client.get("/crm/objects/2026-03/products?limit=2", headers=auth).get_json()
    assert [r["id"] for r in first["results"]] == ids[:2]
    after = first["paging"]["next"]["after"]
    second = client.get(f"/crm/objects/2026-03/products?limit=2&after={after}", headers=auth)
    assert [r["id"] for r in second.get_json()["results"]] == ids[2:4]


# -- search ----------------------------------------------------------------------------------


def test_search_filters_with_eq_and_has_no_rate_limit_headers(client, auth, portal):
    portal.create("commerce_payments", {"hs_payment_source_app": "INVOICE",
                                        "hs_initial_amount": "10.00"})
    checkout = portal.create("commerce_payments", {"hs_payment_source_app": "SALES_CHECKOUT"})
    response = client.post("/crm/objects/2026-03/commerce_payments/search", headers=auth, json={
        "filterGroups": [{"filters": [{"propertyName": "hs_payment_source_app",
                                       "operator": "EQ", "value": "SALES_CHECKOUT"}]}],
        "properties": ["hs_payment_source_app"], "limit": 10})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    assert [r["id"] for r in body["results"]] == [checkout]
    assert "X-HubSpot-RateLimit-Max" not in response.headers


def test_search_pages_and_limits(client, auth, portal):
    for i in range(3):
        portal.create("contacts", {"email": f"c{i}@example.com"})
    page = client.post("/crm/objects/2026-03/contacts/search", headers=auth,
                       json={"limit": 2}).get_json()
    assert page["total"] == 3 and page["paging"]["next"]["after"] == "2"
    too_many = client.post("/crm/objects/2026-03/contacts/search", headers=auth,
                           json={"limit": 201})
    assert too_many.status_code == 400


def test_search_by_association(client, auth, portal, deal):
    contact = portal.create("contacts", {"email": "x@example.com"})
    portal.associate("contacts", contact, "deals", deal)
    body = client.post("/crm/objects/2026-03/deals/search", headers=auth, json={
        "filterGroups": [{"filters": [{"propertyName": "associations.contact", "operator": "EQ",
                                       "value": contact}]}]}).get_json()
    assert [r["id"] for r in body["results"]] == [deal]


def test_search_has_its_own_per_second_limit(client, auth, emu):
    emu.config.search_rate_per_second = 2
    statuses = [client.post("/crm/objects/2026-03/deals/search", headers=auth, json={}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_batch_read_requires_properties_with_history(client, auth, deal):
    # BatchReadInputSimplePublicObjectId (2026-03) requires inputs, properties and
    # propertiesWithHistory.
    response = client.post("/crm/objects/2026-03/deals/batch/read", headers=auth, json={
        "properties": ["dealname"], "inputs": [{"id": deal}]})
    assert response.status_code == 400
    assert "propertiesWithHistory" in response.get_json()["message"]
