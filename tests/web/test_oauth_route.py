"""Both OAuth flows end to end: our endpoints (test client) against the emulators (HTTP)."""

from __future__ import annotations

import logging

import pytest
import requests

from store import portals
from store.companies import connections_for, get_connection
from tests.support.oauth import (
    Browser,
    connect,
    consent,
    install,
    ours,
    query,
    start_connect,
    start_install,
)
from tests.support.signing import PUBLIC_BASE

OTHER_PORTAL = 2000002
US_REALM = "9130350000000001"
CA_REALM = "9130350000000002"
GB_REALM = "9130350000000003"


@pytest.fixture
def browser(app):
    """A browser with an empty session."""
    return Browser(app.test_client())


@pytest.fixture
def other_browser(app):
    """A second, unrelated browser."""
    return Browser(app.test_client())


@pytest.fixture
def companies(world):
    """Three companies in the QuickBooks emulator: US, Canadian (multicurrency), UK."""
    qbo = world.quickbooks
    qbo.add_company(US_REALM, "Sandbox US LLC", "US", "USD")
    qbo.add_company(CA_REALM, "Maple Widgets Ltd.", "CA", "CAD", multicurrency=True)
    qbo.add_company(GB_REALM, "Tea & Co", "GB", "GBP", custom_txn_numbers=True)
    world.hubspot.add_portal(OTHER_PORTAL, name="Other Co")
    return world


def qbo_token_answer(world, grant: dict) -> requests.Response:
    """Ask the QuickBooks emulator's token endpoint for a grant, with the app's credentials."""
    return requests.post(f"{world.quickbooks.url}/oauth2/v1/tokens/bearer", data=grant,
                         auth=("qbo-client", "qbo-secret"), timeout=10)  # fmt: skip


def company_info_status(world, realm_id: str, access_token: str) -> int:
    """The HTTP status QuickBooks gives a bearer token on CompanyInfo."""
    return requests.get(
        f"{world.quickbooks.url}/v3/company/{realm_id}/companyinfo/{realm_id}",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=10,
    ).status_code


def tokens_of(runtime, row) -> tuple[str, str]:
    """A row's tokens in clear."""
    return runtime.cipher.decrypt(row.access_token), runtime.cipher.decrypt(row.refresh_token)


# --- HubSpot install -------------------------------------------------------------------------


def test_install_redirects_to_hubspot_with_the_app_scopes_and_a_state(companies, browser):
    url = start_install(browser)
    params = query(url)
    assert url.startswith(f"{companies.hubspot.url}/oauth/authorize?")
    assert params["client_id"] == "hs-client"
    assert params["redirect_uri"] == f"{PUBLIC_BASE}/oauth/hubspot/callback"
    assert params["scope"].split(" ") == list(companies.runtime.settings.hubspot_scopes)
    assert "%20" in url  # HubSpot's scopes are space-separated
    assert len(params["state"]) >= 24
    assert params["state"] in browser.session()["oauth_states"]


def test_install_stores_the_portal_with_encrypted_tokens_and_signs_it_in(companies, browser):
    response = install(browser, OTHER_PORTAL)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    portal = portals.get_portal(companies.runtime.db, OTHER_PORTAL)
    assert portal is not None
    assert portal.hub_domain  # from HubSpot's token introspection
    access, refresh = tokens_of(companies.runtime, portal)
    assert access not in portal.access_token and refresh not in portal.refresh_token
    issued = companies.hubspot.tokens.access(access)
    assert issued is not None and issued.portal_id == OTHER_PORTAL
    assert portal.token_expires_at is not None
    assert "automation" in portal.scopes.split()
    session = browser.session()
    assert session["portal_ids"] == [OTHER_PORTAL]
    assert session["portal_id"] == OTHER_PORTAL
    # The stored token works through the product's HubSpot client.
    client = companies.runtime.hubspot_client(OTHER_PORTAL)
    record = companies.hubspot.portal(OTHER_PORTAL).create("deals", {"dealname": "Via OAuth"})
    assert client.get_object("deals", record, ["dealname"])["properties"]["dealname"] == (
        "Via OAuth"
    )


def test_a_second_install_updates_the_row_and_the_session_keeps_each_portal_once(
    companies, browser
):
    install(browser, OTHER_PORTAL)
    first = portals.get_portal(companies.runtime.db, OTHER_PORTAL)
    install(browser, companies.portal_id)
    install(browser, OTHER_PORTAL)
    again = portals.get_portal(companies.runtime.db, OTHER_PORTAL)
    assert again.installed_at == first.installed_at
    assert tokens_of(companies.runtime, again)[0] != tokens_of(companies.runtime, first)[0]
    session = browser.session()
    assert session["portal_ids"] == [OTHER_PORTAL, companies.portal_id]
    assert session["portal_id"] == OTHER_PORTAL


@pytest.mark.parametrize("tamper", ["missing", "mismatched", "reused", "other_browser"])
def test_install_callback_refuses_a_bad_state(companies, browser, other_browser, tamper):
    back = consent(start_install(browser), portal_id=OTHER_PORTAL)
    path = ours(back)
    state = query(back)["state"]
    if tamper == "missing":
        response = browser.get(path.replace(f"state={state}", "state="))
    elif tamper == "mismatched":
        response = browser.get(path.replace(f"state={state}", "state=forged-state-value"))
    elif tamper == "reused":
        assert browser.get(path).status_code == 302
        response = browser.get(path)
    else:
        response = other_browser.get(path)
    assert response.status_code == 400
    assert "state" in response.get_json()["error"]
    session = (other_browser if tamper == "other_browser" else browser).session()
    if tamper != "reused":
        assert portals.get_portal(companies.runtime.db, OTHER_PORTAL) is None
        assert not session.get("portal_ids")


def test_a_declined_install_is_refused_without_signing_in(companies, browser):
    state = query(start_install(browser))["state"]
    response = browser.get(f"/oauth/hubspot/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "access_denied" in response.get_json()["error"]
    assert not browser.session().get("portal_ids")


# --- QuickBooks connect ----------------------------------------------------------------------


def test_connect_needs_a_signed_in_portal(companies, browser):
    response = browser.get("/oauth/quickbooks/connect")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/oauth/hubspot/install")


def test_connect_redirects_to_intuit_with_the_accounting_scope(companies, browser):
    install(browser, companies.portal_id)
    url = start_connect(browser)
    params = query(url)
    assert url.startswith(f"{companies.quickbooks.url}/connect/oauth2?")
    assert params == {
        "client_id": "qbo-client", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": f"{PUBLIC_BASE}/oauth/quickbooks/callback", "response_type": "code",
        "state": params["state"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("realm", "expected"),
    [
        (US_REALM, ("Sandbox US LLC", "US", "USD", False, "automated", False)),
        (CA_REALM, ("Maple Widgets Ltd.", "CA", "CAD", True, "codes", False)),
        (GB_REALM, ("Tea & Co", "GB", "GBP", False, "codes", True)),
    ],
)
def test_connect_stores_the_company_facts_and_tokens(companies, browser, realm, expected):
    install(browser, companies.portal_id)
    response = connect(browser, realm)
    assert response.status_code == 302
    row = get_connection(companies.runtime.db, companies.portal_id, realm)
    assert (row.company_name, row.country, row.home_currency, row.multicurrency, row.tax_mode,
            row.custom_txn_numbers) == expected  # fmt: skip
    assert row.status == "connected"
    assert row.access_expires_at is not None and row.refresh_expires_at is not None
    assert row.refresh_expires_at > row.access_expires_at
    access, _refresh = tokens_of(companies.runtime, row)
    assert company_info_status(companies, realm, access) == 200
    # The product's own client works with what was stored.
    info = companies.runtime.quickbooks_client(row).company_info()
    assert info["CompanyName"] == expected[0]


def test_reconnect_reads_tax_class_and_location_preferences_once(companies, browser):
    """SPEC §7: AST, class and location tracking come from Preferences at (re)connect."""
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    assert (row.tax_mode, row.class_tracking, row.track_locations) == ("automated", "", False)
    company = companies.quickbooks.companies[US_REALM]
    company.automated_tax, company.class_tracking, company.track_departments = False, "line", True
    company.custom_txn_numbers = True
    connect(browser, US_REALM)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    assert (row.tax_mode, row.class_tracking, row.track_locations, row.custom_txn_numbers) == (
        "manual", "line", True, True)


def test_several_companies_per_portal(companies, browser):
    install(browser, companies.portal_id)
    for realm in (US_REALM, CA_REALM):
        assert connect(browser, realm).status_code == 302
    realms = [c.realm_id for c in connections_for(companies.runtime.db, companies.portal_id)]
    assert realms == [US_REALM, CA_REALM]


def test_reconnecting_a_company_updates_its_row(companies, browser):
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    first = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    connect(browser, US_REALM)
    rows = connections_for(companies.runtime.db, companies.portal_id)
    assert [r.id for r in rows] == [first.id]
    assert tokens_of(companies.runtime, rows[0]) != tokens_of(companies.runtime, first)


@pytest.mark.parametrize("tamper", ["missing", "mismatched", "reused", "hubspot_state"])
def test_connect_callback_refuses_a_bad_state(companies, browser, tamper):
    install(browser, companies.portal_id)
    back = consent(start_connect(browser), realm_id=US_REALM)
    path, state = ours(back), query(back)["state"]
    if tamper == "missing":
        response = browser.get(path.replace(f"state={state}", "state="))
    elif tamper == "mismatched":
        response = browser.get(path.replace(f"state={state}", "state=forged"))
    elif tamper == "reused":
        assert browser.get(path).status_code == 302
        response = browser.get(path)
    else:  # a state issued for a HubSpot install cannot complete a QuickBooks connect
        hubspot_state = query(start_install(browser))["state"]
        response = browser.get(path.replace(f"state={state}", f"state={hubspot_state}"))
    assert response.status_code == 400
    assert "state" in response.get_json()["error"]
    rows = connections_for(companies.runtime.db, companies.portal_id)
    assert len(rows) == (1 if tamper == "reused" else 0)


def test_the_portal_comes_from_the_state_not_the_query(companies, browser, other_browser):
    install(browser, companies.portal_id)
    install(other_browser, OTHER_PORTAL)
    back = consent(start_connect(browser), realm_id=US_REALM)
    # Another browser cannot complete it, and a portal_id in the URL is ignored.
    refused = other_browser.get(ours(back) + f"&portal_id={OTHER_PORTAL}")
    assert refused.status_code == 400
    assert browser.get(ours(back) + f"&portal_id={OTHER_PORTAL}").status_code == 302
    db = companies.runtime.db
    assert get_connection(db, companies.portal_id, US_REALM) is not None
    assert get_connection(db, OTHER_PORTAL, US_REALM) is None


def test_the_same_realm_in_two_portals_gets_separate_rows_and_tokens(
    companies, browser, other_browser
):
    install(browser, companies.portal_id)
    install(other_browser, OTHER_PORTAL)
    connect(browser, US_REALM)
    connect(other_browser, US_REALM)
    db, runtime = companies.runtime.db, companies.runtime
    mine = get_connection(db, companies.portal_id, US_REALM)
    theirs = get_connection(db, OTHER_PORTAL, US_REALM)
    assert mine.id != theirs.id
    assert tokens_of(runtime, mine)[1] != tokens_of(runtime, theirs)[1]


# --- disconnect ----------------------------------------------------------------------------


def test_disconnect_revokes_at_intuit_and_forgets_the_company(companies, browser):
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    access, refresh = tokens_of(companies.runtime, row)
    response = browser.post(f"/quickbooks/{US_REALM}/disconnect",
                            data={"csrf_token": browser.csrf()})  # fmt: skip
    assert response.status_code == 302
    assert get_connection(companies.runtime.db, companies.portal_id, US_REALM) is None
    revokes = [c for c in companies.quickbooks.calls if c["path"] == "/v2/oauth2/tokens/revoke"]
    assert [c["status"] for c in revokes] == [200]
    # Intuit refuses both tokens from now on.
    assert company_info_status(companies, US_REALM, access) == 401
    answer = qbo_token_answer(companies, {"grant_type": "refresh_token", "refresh_token": refresh})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_disconnect_needs_the_csrf_token(companies, browser):
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    browser.csrf()
    for data in ({}, {"csrf_token": "wrong"}):
        response = browser.post(f"/quickbooks/{US_REALM}/disconnect", data=data)
        assert response.status_code == 400
        assert "CSRF" in response.get_json()["error"]
    assert get_connection(companies.runtime.db, companies.portal_id, US_REALM) is not None
    assert not [c for c in companies.quickbooks.calls if "revoke" in c["path"]]


def test_disconnect_needs_a_signed_in_portal(companies, browser):
    companies.connect_company(US_REALM)
    response = browser.post(f"/quickbooks/{US_REALM}/disconnect",
                            data={"csrf_token": browser.csrf()})  # fmt: skip
    assert response.status_code == 401
    assert get_connection(companies.runtime.db, companies.portal_id, US_REALM) is not None


def test_a_portal_cannot_disconnect_another_portals_company(companies, browser, other_browser):
    install(browser, companies.portal_id)
    install(other_browser, OTHER_PORTAL)
    connect(browser, CA_REALM)
    connect(other_browser, US_REALM)
    response = browser.post(f"/quickbooks/{US_REALM}/disconnect",
                            data={"csrf_token": browser.csrf()})  # fmt: skip
    assert response.status_code == 404
    theirs = get_connection(companies.runtime.db, OTHER_PORTAL, US_REALM)
    assert theirs is not None
    assert company_info_status(companies, US_REALM, tokens_of(companies.runtime, theirs)[0]) == 200


def test_an_execution_naming_another_portals_company_is_refused(companies, browser):
    install(browser, OTHER_PORTAL)
    connect(browser, US_REALM)  # connected to OTHER_PORTAL only
    deal = companies.portal.create("deals", {"dealname": "Mine", "amount": "10.00"})
    response = companies.execute("create-invoice", "DEAL", deal,
                                 {"quickbooks_company": US_REALM})  # fmt: skip
    assert response.status_code == 403
    assert US_REALM in response.get_json()["error"]
    assert not [c for c in companies.quickbooks.calls if c["path"].startswith("/v3/")
                and c["realm_id"] == US_REALM and c["path"].endswith("/invoice")]  # fmt: skip


# --- Intuit's disconnect URL ---------------------------------------------------------------


def test_the_disconnect_url_asks_to_sign_in_when_nobody_is(companies, browser):
    companies.connect_company(US_REALM)
    response = browser.get(f"/oauth/quickbooks/disconnected?realmId={US_REALM}")
    assert response.status_code == 200
    assert "/oauth/hubspot/install" in response.get_data(True)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    assert row.status == "connected"


def test_the_disconnect_url_marks_a_company_intuit_disconnected(companies, browser):
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    _access, refresh = tokens_of(companies.runtime, row)
    # The user disconnects the app inside QuickBooks: Intuit revokes the grant.
    revoke = requests.post(f"{companies.quickbooks.url}/v2/oauth2/tokens/revoke",
                           json={"token": refresh}, auth=("qbo-client", "qbo-secret"),
                           timeout=10)  # fmt: skip
    assert revoke.status_code == 200
    response = browser.get(f"/oauth/quickbooks/disconnected?realmId={US_REALM}")
    assert response.status_code == 200
    assert "reconnect" in response.get_data(True)
    row = get_connection(companies.runtime.db, companies.portal_id, US_REALM)
    assert row.status == "reconnect_required"


def test_the_disconnect_url_does_not_touch_a_company_still_connected(
    companies, browser, other_browser
):
    install(browser, companies.portal_id)
    install(other_browser, OTHER_PORTAL)
    connect(browser, US_REALM)
    connect(other_browser, CA_REALM)
    # A forged link proves nothing: Intuit still accepts the tokens, so nothing changes,
    # and another portal's company is never looked at.
    response = browser.get(f"/oauth/quickbooks/disconnected?realmId={US_REALM}")
    assert "still connected" in response.get_data(True)
    browser.get(f"/oauth/quickbooks/disconnected?realmId={CA_REALM}")
    db = companies.runtime.db
    assert get_connection(db, companies.portal_id, US_REALM).status == "connected"
    assert get_connection(db, OTHER_PORTAL, CA_REALM).status == "connected"


# --- secrets stay secret -------------------------------------------------------------------


def test_tokens_never_reach_logs_or_pages(companies, browser, caplog):
    caplog.set_level(logging.DEBUG)
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    connect(browser, CA_REALM)
    db, runtime = companies.runtime.db, companies.runtime
    portal = portals.get_portal(db, companies.portal_id)
    secrets = [*tokens_of(runtime, portal)]
    for realm in (US_REALM, CA_REALM):
        secrets += tokens_of(runtime, get_connection(db, portal.id, realm))
    browser.get(f"/oauth/quickbooks/disconnected?realmId={US_REALM}")
    browser.post(f"/quickbooks/{CA_REALM}/disconnect", data={"csrf_token": browser.csrf()})
    secrets += ["qbo-secret", "test-hubspot-client-secret"]
    pages = " ".join(f"{status} {location} {body}" for status, location, body in browser.seen)
    # The emulators' own access logs ("werkzeug", HubSpot's and Intuit's side of the wire) are
    # not ours; the sandbox silences them (tests/sandbox/test_sandbox.py).
    ours_only = [r for r in caplog.records if r.name != "werkzeug"]
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in ours_only)
    assert any(r.name.startswith(("web.", "accounts", "clients.")) for r in ours_only)
    for secret in secrets:
        assert secret not in pages
        assert secret not in logged


def test_a_declined_connect_stores_nothing(companies, browser):
    install(browser, companies.portal_id)
    state = query(start_connect(browser))["state"]
    response = browser.get(f"/oauth/quickbooks/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "access_denied" in response.get_json()["error"]
    assert connections_for(companies.runtime.db, companies.portal_id) == []


def test_a_connect_finished_after_signing_out_is_refused(companies, browser):
    install(browser, companies.portal_id)
    back = consent(start_connect(browser), realm_id=US_REALM)
    with browser.client.session_transaction() as sess:
        sess["portal_ids"] = []  # signed out of that portal meanwhile
    response = browser.get(ours(back))
    assert response.status_code == 403
    assert connections_for(companies.runtime.db, companies.portal_id) == []


def test_an_unconfigured_app_says_which_setting_is_missing(companies, browser):
    companies.runtime.settings = companies.runtime.settings.replace(hubspot_client_id="")
    response = browser.get("/oauth/hubspot/install")
    assert response.status_code == 503
    assert "HUBSPOT_CLIENT_ID" in response.get_json()["error"]


def test_disconnect_keeps_the_company_when_intuit_cannot_be_reached(companies, browser):
    install(browser, companies.portal_id)
    connect(browser, US_REALM)
    companies.runtime.settings = companies.runtime.settings.replace(
        quickbooks_revoke_url="http://127.0.0.1:9/v2/oauth2/tokens/revoke"
    )
    response = browser.post(
        f"/quickbooks/{US_REALM}/disconnect", data={"csrf_token": browser.csrf()}
    )
    assert response.status_code == 502
    assert "still connected" in response.get_json()["error"]
    assert get_connection(companies.runtime.db, companies.portal_id, US_REALM) is not None
