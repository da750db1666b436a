"""The HubSpot emulator's 2026-03 association reads: a record's list and the batch read."""

from __future__ import annotations

import pytest

from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.seed import seed_demo


@pytest.fixture
def emu():
    return HubSpotEmulator()


@pytest.fixture
def ids(emu):
    return seed_demo(emu)


@pytest.fixture
def client(emu):
    return emu.app.test_client()


@pytest.fixture
def auth(emu, ids):
    return {"Authorization": f"Bearer {emu.issue_tokens(ids['portal_id'])['access_token']}"}


def v4(client, auth, from_type, object_id, to_type, prefix="/crm/objects/2026-03", **query):
    response = client.get(f"{prefix}/{from_type}/{object_id}/associations/{to_type}",
                          headers=auth, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def type_ids(result) -> list[int]:
    return [t["typeId"] for t in result["associationTypes"]]


def test_deal_line_items_use_type_19_and_back_20(client, auth, ids):
    deal = ids["deals"]["basic"]
    body = v4(client, auth, "deals", deal, "line_items")
    assert [r["toObjectId"] for r in body["results"]] == [int(i) for i in
                                                          ids["line_items"]["deal_basic"]]
    assert body["results"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 19, "label": None}]
    back = v4(client, auth, "line_items", ids["line_items"]["deal_basic"][0], "deals")
    assert back["results"] == [{"toObjectId": int(deal), "associationTypes": [
        {"category": "HUBSPOT_DEFINED", "typeId": 20, "label": None}]}]


def test_deal_contact_3_and_primary_company_5_with_341(client, auth, ids):
    deal = ids["deals"]["basic"]
    assert type_ids(v4(client, auth, "deals", deal, "contacts")["results"][0]) == [3]
    company = v4(client, auth, "0-3", deal, "0-2")["results"][0]
    assert company["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"},
        {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}]


def test_quote_signer_is_702_beside_the_plain_69(client, auth, ids):
    quote = ids["quotes"]["accepted"]
    results = {r["toObjectId"]: r for r in v4(client, auth, "quotes", quote, "contacts")["results"]}
    signer = results[int(ids["contacts"]["pat"])]
    assert signer["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 702, "label": "Signer"},
        {"category": "HUBSPOT_DEFINED", "typeId": 69, "label": None}]
    assert type_ids(results[int(ids["contacts"]["zoe"])]) == [69]
    assert type_ids(v4(client, auth, "quotes", quote, "line_items")["results"][0]) == [67]
    assert type_ids(v4(client, auth, "quotes", quote, "deals")["results"][0]) == [64]


def test_payment_associations_use_395_387_389(client, auth, ids):
    payment = ids["payments"]["checkout"]
    assert type_ids(v4(client, auth, "commerce_payments", payment, "line_items")["results"][0]) \
        == [395]
    assert type_ids(v4(client, auth, "0-101", payment, "contacts")["results"][0]) == [387]
    assert type_ids(v4(client, auth, "commerce_payments", payment, "companies")["results"][0]) \
        == [389]
    assert v4(client, auth, "commerce_payments", ids["payments"]["no_line_items"],
              "line_items") == {"results": []}


def test_dated_single_read(client, auth, ids):
    body = v4(client, auth, "deals", ids["deals"]["basic"], "line_items",
              prefix="/crm/objects/2026-03")
    assert len(body["results"]) == 3


def test_single_read_pages_by_limit(client, auth, emu, ids):
    first = v4(client, auth, "deals", ids["deals"]["basic"], "line_items", limit=2)
    assert len(first["results"]) == 2
    after = first["paging"]["next"]["after"]
    rest = v4(client, auth, "deals", ids["deals"]["basic"], "line_items", limit=2, after=after)
    assert len(rest["results"]) == 1 and "paging" not in rest
    too_big = client.get(f"/crm/objects/2026-03/deals/{ids['deals']['basic']}"
                         "/associations/contacts",
                         headers=auth, query_string={"limit": 501})
    assert too_big.status_code == 400


def test_default_page_is_500(client, auth, emu, ids):
    portal = emu.portal(ids["portal_id"])
    deal = portal.create("deals", {"dealname": "big"})
    for _ in range(501):
        portal.associate("deals", deal, "line_items", portal.create("line_items", {}))
    body = v4(client, auth, "deals", deal, "line_items")
    assert len(body["results"]) == 500
    assert body["paging"]["next"]["after"]


@pytest.mark.parametrize("prefix", ["/crm/associations/2026-03"])
def test_batch_read_lists_each_input(client, auth, ids, prefix):
    deals = [ids["deals"]["basic"], ids["deals"]["eur"]]
    response = client.post(f"{prefix}/deals/line_items/batch/read", headers=auth,
                           json={"inputs": [{"id": d} for d in deals]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "COMPLETE"
    assert [r["from"]["id"] for r in body["results"]] == deals
    assert [t["toObjectId"] for t in body["results"][1]["to"]] == [
        int(i) for i in ids["line_items"]["deal_eur"]]
    assert body["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 19


def test_batch_read_reports_ids_without_associations_as_207(client, auth, ids):
    response = client.post("/crm/associations/2026-03/deals/contacts/batch/read", headers=auth,
                           json={"inputs": [{"id": ids["deals"]["basic"]},
                                            {"id": ids["deals"]["no_contact"]}]})
    assert response.status_code == 207
    body = response.get_json()
    assert len(body["results"]) == 1
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"fromObjectId": [ids["deals"]["no_contact"]]}


def test_batch_read_takes_up_to_1000_inputs(client, auth):
    ok = client.post("/crm/associations/2026-03/deals/contacts/batch/read", headers=auth,
                     json={"inputs": [{"id": str(i)} for i in range(1000)]})
    assert ok.status_code == 207
    too_many = client.post("/crm/associations/2026-03/deals/contacts/batch/read", headers=auth,
                           json={"inputs": [{"id": str(i)} for i in range(1001)]})
    assert too_many.status_code == 400


def test_association_reads_need_both_scopes(client, emu, ids):
    token = emu.issue_tokens(ids["portal_id"], scopes=["crm.objects.deals.read"])["access_token"]
    response = client.get(f"/crm/objects/2026-03/deals/{ids['deals']['basic']}"
                         "/associations/contacts",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


