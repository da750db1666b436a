"""The HubSpot emulator serves the 2026-03 APIs with the official documents' shapes and answers
every retired numbered API (v1–v4) as unsupported, so no test can pass through a retired call.

Shapes checked against HubSpot/HubSpot-public-api-spec-collection (2026-03): oauth.json
(AccessTokenResponse), accountInfo.json (PortalInformationResponse), objects.json
(SimplePublicObjectWithAssociations, CollectionResponseAssociatedId), associations.json.
"""

from __future__ import annotations

import pytest

from emulators.hubspot import HubSpotEmulator

PORTAL = 1000001


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(PORTAL, "Demo Co", "USD", ["EUR"])
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


@pytest.fixture
def auth(emu):
    return {"Authorization": f"Bearer {emu.issue_tokens(PORTAL)['access_token']}"}


@pytest.mark.parametrize("method, path", [
    ("GET", "/crm/v3/objects/deals/1"),
    ("POST", "/crm/v3/objects/line_items/batch/read"),
    ("GET", "/crm/v4/objects/deals/1/associations/line_items"),
    ("POST", "/crm/v4/associations/deals/line_items/batch/read"),
    ("POST", "/automation/v4/actions/callbacks/ap-1/complete"),
    ("POST", "/automation/v4/actions/callbacks/complete"),
    ("GET", "/automation/v4/actions/424242"),
    ("POST", "/oauth/v1/token"),
    ("GET", "/oauth/v1/access-tokens/abc"),
    ("POST", "/oauth/v3/token"),
    ("GET", "/account-info/v3/details"),
])
def test_retired_versions_answer_410_with_hubspots_error_envelope(client, auth, method, path):
    response = client.open(path, method=method, headers=auth, json={})
    assert response.status_code == 410
    body = response.get_json()
    # The spec's Error schema requires category, correlationId and message.
    assert body["category"] == "API_VERSION_UNSUPPORTED"
    assert body["correlationId"] and "2026-03" in body["message"]


def test_account_details_have_every_required_field(client, auth, emu):
    emu.portal(PORTAL).time_zone = "Europe/Berlin"
    response = client.get("/account-info/2026-03/details", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"portalId", "accountType", "timeZone", "utcOffset",
                         "utcOffsetMilliseconds", "companyCurrency", "additionalCurrencies",
                         "uiDomain", "dataHostingLocation"}
    assert body["portalId"] == PORTAL and body["timeZone"] == "Europe/Berlin"
    assert body["companyCurrency"] == "USD" and body["additionalCurrencies"] == ["EUR"]
    assert body["uiDomain"] == "app.hubspot.com"
    assert body["utcOffset"] in ("+01:00", "+02:00")
    assert body["utcOffsetMilliseconds"] in (3_600_000, 7_200_000)
    assert client.get("/account-info/2026-03/details").status_code == 401


def test_object_read_pages_long_association_lists(client, auth, emu):
    portal = emu.portal(PORTAL)
    deal = portal.create("deals", {"dealname": "big"})
    lines = [portal.create("line_items", {"name": f"L{i}"}) for i in range(150)]
    for line in lines:
        portal.associate("deals", deal, "line_items", line)
    body = client.get(f"/crm/objects/2026-03/deals/{deal}?associations=line_items",
                      headers=auth).get_json()
    block = body["associations"]["line items"]
    assert len(block["results"]) == 100
    assert block["paging"]["next"]["after"]


def test_association_list_defaults_to_500_and_batch_read_pages_by_id(client, auth, emu):
    portal = emu.portal(PORTAL)
    deal = portal.create("deals", {"dealname": "huge"})
    for _ in range(501):
        portal.associate("deals", deal, "line_items", portal.create("line_items", {}))
    listed = client.get(f"/crm/objects/2026-03/deals/{deal}/associations/line_items",
                        headers=auth).get_json()
    assert len(listed["results"]) == 500
    entry = listed["results"][0]
    assert set(entry) == {"toObjectId", "associationTypes"}
    assert entry["associationTypes"][0]["category"] == "HUBSPOT_DEFINED"
    first = client.post("/crm/associations/2026-03/deals/line_items/batch/read", headers=auth,
                        json={"inputs": [{"id": deal}]}).get_json()["results"][0]
    after = first["paging"]["next"]["after"]
    again = client.post("/crm/associations/2026-03/deals/line_items/batch/read", headers=auth,
                        json={"inputs": [{"id": deal, "after": after}]}).get_json()["results"][0]
    assert len(first["to"]) + len(again["to"]) == 501 and "paging" not in again
