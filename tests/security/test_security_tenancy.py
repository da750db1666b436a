"""A portal can never reach another portal's QuickBooks company or history."""

from __future__ import annotations

import json

import pytest

from actions.options import FIELDS
from executions import ledger
from store import companies
from tests.support.security import OTHER_PORTAL, OTHER_REALM, SLUGS, ledger_rows, post_execution
from tests.support.signing import signed_headers

SPELLINGS = [OTHER_REALM, f" {OTHER_REALM} ", int(OTHER_REALM)]


def other_realm_calls(world) -> list[dict]:
    return [c for c in world.quickbooks.calls if OTHER_REALM in c.get("path", "")]


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("spelling", SPELLINGS, ids=["exact", "padded", "number"])
def test_an_execution_naming_another_portals_company_is_refused(tenants, slug, spelling):
    world = tenants
    with world.app.test_client() as client:
        response = post_execution(client, slug, {"quickbooks_company": spelling},
                                  callback_id=f"ap-{slug}-x")  # fmt: skip
    assert response.status_code == 403, response.get_data(as_text=True)
    error = response.json["error"]
    assert OTHER_REALM in error and f"not connected to portal {world.portal_id}" in error
    # refused before the ledger: nothing recorded, nothing read or written anywhere
    assert ledger_rows(world.runtime.db) == 0
    assert other_realm_calls(world) == []
    assert world.hubspot.calls == []


@pytest.mark.parametrize("field", FIELDS)
def test_options_for_another_portals_company_are_refused(tenants, field):
    world = tenants
    payload = {
        "origin": {"portalId": world.portal_id},
        "inputFieldName": field,
        "inputFields": {"quickbooks_company": {"type": "STATIC_VALUE", "value": OTHER_REALM}},
    }
    body = json.dumps(payload).encode()
    path = f"/hubspot/options/{field}"
    with world.app.test_client() as client:
        response = client.post(path, data=body, headers=signed_headers(path, body))
    if field == "quickbooks_company":
        # the company dropdown lists the caller's own companies only, whatever is selected
        assert response.status_code == 200
        values = {o["value"] for o in response.json["options"]}
        assert OTHER_REALM not in values
    else:
        assert response.status_code == 403, response.get_data(as_text=True)
        assert OTHER_REALM in response.json["error"]
    assert other_realm_calls(world) == []


def test_the_other_portal_can_still_use_its_own_company(tenants):
    """The refusals are about ownership, not the realm: its owner books into it."""
    world = tenants
    with world.app.test_client() as client:
        response = post_execution(client, "create-invoice", {"quickbooks_company": OTHER_REALM},
                                  portal_id=OTHER_PORTAL, callback_id="ap-owner-1")  # fmt: skip
    assert response.status_code == 200
    assert response.json["outputFields"]["error_code"] != "COMPANY_NOT_ALLOWED"


def test_the_dashboard_shows_one_portals_history_only(tenants):
    world = tenants
    with world.app.test_client() as client:
        post_execution(client, "create-invoice", {"quickbooks_company": OTHER_REALM},
                       portal_id=OTHER_PORTAL, callback_id="ap-theirs-1")  # fmt: skip
    theirs = ledger.by_callback(world.runtime.db, OTHER_PORTAL, "ap-theirs-1")
    browser = world.app.test_client()
    with browser.session_transaction() as session:
        session["portal_ids"], session["portal_id"] = [world.portal_id], world.portal_id
    assert browser.get(f"/executions/{theirs.id}").status_code == 404
    with browser.session_transaction() as session:
        session["csrf_token"] = "t" * 32
    refused = browser.post(f"/executions/{theirs.id}/run-again",
                           headers={"X-CSRF-Token": "t" * 32})  # fmt: skip
    assert refused.status_code == 404
    listing = browser.get("/executions").get_data(as_text=True)
    assert "ap-theirs-1" not in listing
    csv = browser.get("/executions.csv").get_data(as_text=True)
    assert "ap-theirs-1" not in csv and OTHER_REALM not in csv
    gone = browser.post(f"/quickbooks/{OTHER_REALM}/disconnect", data={"csrf_token": "t" * 32})
    assert gone.status_code == 404
    assert companies.get_connection(world.runtime.db, OTHER_PORTAL, OTHER_REALM) is not None
