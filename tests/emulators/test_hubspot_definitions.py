"""The HubSpot emulator's custom action definitions API."""

from __future__ import annotations

import copy

import pytest

from emulators.hubspot import HubSpotEmulator

APP = 424242
BASE = f"/automation/actions/2026-03/{APP}"
KEY = {"Authorization": "Bearer dev-key"}  # the developer API key, as a Bearer token

DEFINITION = {
    "actionUrl": "https://qbo.example.com/hubspot/actions/create-invoice",
    "published": False,
    "objectTypes": ["DEAL", "QUOTE"],
    "objectRequestOptions": {"properties": ["dealname", "amount"]},
    "inputFields": [
        {"typeDefinition": {"name": "quickbooks_company", "type": "enumeration",
                            "fieldType": "select",
                            "optionsUrl": "https://qbo.example.com/hubspot/options/company"},
         "supportedValueTypes": ["STATIC_VALUE"], "isRequired": True},
        {"typeDefinition": {"name": "customer_memo", "type": "string", "fieldType": "textarea"},
         "supportedValueTypes": ["STATIC_VALUE", "OBJECT_PROPERTY"], "isRequired": False},
    ],
    "outputFields": [{"typeDefinition": {"name": "qbo_id", "type": "string",
                                         "fieldType": "text"}}],
    "labels": {"en": {"actionName": "Create QuickBooks invoice",
                      "inputFieldLabels": {"quickbooks_company": "QuickBooks company"}}},
    "executionRules": [{"labelName": "noEmail", "conditions": {"error_code": "NO_EMAIL"}}],
    "functions": [],
}


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(1000001)
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


def create(client, body=None, **query):
    return client.post(BASE, headers=KEY, query_string=query, json=body or DEFINITION)


def test_create_read_update_archive(client, emu):
    created = create(client)
    assert created.status_code == 201
    stored = created.get_json()
    definition_id = stored["id"]
    assert isinstance(definition_id, str) and stored["revisionId"] == "1"
    assert stored["objectTypes"] == ["DEAL", "QUOTE"]

    read = client.get(f"{BASE}/{definition_id}", headers=KEY).get_json()
    assert read["labels"]["en"]["actionName"] == "Create QuickBooks invoice"

    patched = client.patch(f"{BASE}/{definition_id}", headers=KEY,
                           json={"published": True})
    assert patched.status_code == 200
    assert patched.get_json()["revisionId"] == "2"
    assert patched.get_json()["published"] is True
    assert patched.get_json()["inputFields"] == DEFINITION["inputFields"]
    assert emu.definitions(APP)[0]["published"] is True

    assert client.delete(f"{BASE}/{definition_id}", headers=KEY).status_code == 204
    assert client.get(f"{BASE}/{definition_id}", headers=KEY).status_code == 404
    assert emu.definitions(APP) == []
    archived = client.get(BASE, headers=KEY, query_string={"archived": "true"}).get_json()
    assert [d["id"] for d in archived["results"]] == [definition_id]


def test_list_pages_with_after(client):
    ids = [create(client).get_json()["id"] for _ in range(3)]
    first = client.get(BASE, headers=KEY, query_string={"limit": 2}).get_json()
    assert [d["id"] for d in first["results"]] == ids[:2]
    after = first["paging"]["next"]["after"]
    second = client.get(BASE, headers=KEY, query_string={"limit": 2, "after": after}).get_json()
    assert [d["id"] for d in second["results"]] == ids[2:]
    assert "paging" not in second


def test_the_retired_v4_definitions_api_answers_410(client):
    response = client.post(f"/automation/v4/actions/{APP}", query_string={"hapikey": "dev-key"},
                           json=DEFINITION)
    assert response.status_code == 410
    assert response.get_json()["category"] == "API_VERSION_UNSUPPORTED"
    assert client.get(BASE, headers=KEY).get_json()["results"] == []


def test_developer_key_or_developers_scopes(client, emu):
    assert client.get(BASE).status_code == 401
    assert client.get(BASE, headers={"Authorization": "Bearer wrong"}).status_code == 401
    # 2026-03 declares no hapikey scheme for these operations: even the right key is refused.
    as_query = client.get(BASE, query_string={"hapikey": "dev-key"})
    assert as_query.status_code == 401
    assert "developers-write" in as_query.get_json()["message"]
    writer = emu.issue_tokens(1000001, scopes=["developers-write"])["access_token"]
    reader = emu.issue_tokens(1000001, scopes=["developers-read"])["access_token"]
    as_writer = client.post(f"/automation/actions/2026-03/{APP}", json=DEFINITION,
                            headers={"Authorization": f"Bearer {writer}"})
    assert as_writer.status_code == 201
    as_reader = client.post(BASE, json=DEFINITION, headers={"Authorization": f"Bearer {reader}"})
    assert as_reader.status_code == 403
    listed = client.get(BASE, headers={"Authorization": f"Bearer {reader}"})
    assert listed.status_code == 200


def test_unknown_app_is_404(client):
    response = client.get("/automation/actions/2026-03/1/abc", headers=KEY)
    assert response.status_code == 404


@pytest.mark.parametrize("field", ["actionUrl", "objectTypes", "published", "inputFields",
                                   "labels", "functions"])
def test_required_fields_are_named_when_missing(client, field):
    body = copy.deepcopy(DEFINITION)
    del body[field]
    response = create(client, body)
    assert response.status_code == 400
    assert field in response.get_json()["message"]


def _broken(change) -> dict:
    body = copy.deepcopy(DEFINITION)
    change(body)
    return body


@pytest.mark.parametrize(("body", "named"), [
    (_broken(lambda d: d.update(actionUrl="http://qbo.example.com/x")), "actionUrl"),
    (_broken(lambda d: d["inputFields"][0].update(supportedValueTypes=["FIELD_DATA"])),
     "supportedValueTypes"),
    (_broken(lambda d: d["inputFields"][0].pop("isRequired")), "isRequired"),
    (_broken(lambda d: d["inputFields"][0]["typeDefinition"].update(type="money")), "type"),
    (_broken(lambda d: d["inputFields"][1].pop("typeDefinition")), "typeDefinition"),
    (_broken(lambda d: d["labels"].pop("en") and d["labels"].update(fr={})), "labels.en"),
    (_broken(lambda d: d.update(isPublished=True)), "isPublished"),
    (_broken(lambda d: d["functions"].append({"functionType": "LATER",
                                              "functionSource": ""})), "functionType"),
])
def test_invalid_definitions_are_refused(client, body, named):
    response = create(client, body)
    assert response.status_code == 400
    assert named in response.get_json()["message"]


def test_loopback_http_action_urls_are_allowed_for_development(client):
    body = _broken(lambda d: d.update(actionUrl="http://127.0.0.1:5000/hubspot/actions/x"))
    assert create(client, body).status_code == 201


def test_patch_is_validated_as_a_whole(client):
    definition_id = create(client).get_json()["id"]
    response = client.patch(f"{BASE}/{definition_id}", headers=KEY,
                            json={"inputFields": [{"typeDefinition": {"name": "x"}}]})
    assert response.status_code == 400
    read = client.get(f"{BASE}/{definition_id}", headers=KEY).get_json()
    assert read["revisionId"] == "1"
