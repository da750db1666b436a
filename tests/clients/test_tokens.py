"""Token lifecycle against the emulators: refresh before expiry, 401 → one refresh and one retry,
rotation, invalid_grant → reconnect required, and one refresh among concurrent workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests

import accounts
import store
from clients.quickbooks import QuickBooksAuthError
from clients.tokens import HubSpotTokens, QuickBooksTokens, ReconnectRequired
from executions import ledger
from failures import ActionFailed
from store import companies, portals, utcnow
from tests.support.world import US_REALM

TOKEN_PATH = "/oauth2/v1/tokens/bearer"


@pytest.fixture
def company(world):
    """The US company connected to portal 1000001 with a fresh token pair."""
    world.connect_company(US_REALM)
    world.quickbooks.reset_calls()
    return world


def connection(world):
    """The stored connection row, as it is now."""
    return companies.get_connection(world.runtime.db, world.portal_id, US_REALM)


def set_access_expiry(world, when) -> None:
    """Change when our side believes the access token expires."""
    row = connection(world)
    row.access_expires_at = when
    store.save(world.runtime.db, row)


def stored_tokens(world) -> tuple[str, str]:
    """The connection's tokens in clear."""
    row = connection(world)
    cipher = world.runtime.cipher
    return cipher.decrypt(row.access_token), cipher.decrypt(row.refresh_token)


def calls(world) -> list[tuple[str, str, int]]:
    """(method, path, status) of every call the QuickBooks emulator saw."""
    return [(c["method"], c["path"], c["status"]) for c in world.quickbooks.calls]


def revoke_at_intuit(world, token: str) -> None:
    """The user disconnects the app in QuickBooks: Intuit revokes the grant."""
    answer = requests.post(
        f"{world.quickbooks.url}/v2/oauth2/tokens/revoke",
        json={"token": token},
        auth=("qbo-client", "qbo-secret"),
        timeout=10,
    )
    assert answer.status_code == 200


INFO = f"/v3/company/{US_REALM}/companyinfo/{US_REALM}"


def test_a_token_about_to_expire_is_refreshed_before_the_call(company):
    old_access, old_refresh = stored_tokens(company)
    set_access_expiry(company, utcnow() + timedelta(minutes=2))  # inside the 5-minute margin
    company.runtime.quickbooks_client(connection(company)).company_info()
    assert calls(company) == [("POST", TOKEN_PATH, 200), ("GET", INFO, 200)]
    access, refresh = stored_tokens(company)
    assert access != old_access
    assert refresh != old_refresh  # Intuit rotated it; the new one is what we keep
    row = connection(company)
    assert row.access_expires_at > utcnow() + timedelta(minutes=55)
    assert row.refresh_expires_at > utcnow() + timedelta(days=90)


def test_a_fresh_token_is_used_as_is(company):
    company.runtime.quickbooks_client(connection(company)).company_info()
    assert calls(company) == [("GET", INFO, 200)]


def test_a_client_reads_its_token_row_at_most_once(company, monkeypatch):
    reads = []
    original = store.Database.session

    def counted(db):
        reads.append(1)
        return original(db)

    # Seeded with the row the caller read (the execution resolved its company): no read at all.
    client = company.runtime.quickbooks_client(connection(company))
    monkeypatch.setattr(store.Database, "session", counted)
    for _ in range(3):
        client.company_info()
    assert reads == [] and [c[2] for c in calls(company)] == [200, 200, 200]
    # Without a row: one read for all of the client's calls.
    tokens = QuickBooksTokens(company.runtime.db, company.runtime.cipher, connection(company).id,
                              company.runtime.settings)  # fmt: skip
    client = company.runtime.quickbooks_client_with(US_REALM, tokens)
    reads.clear()
    for _ in range(3):
        client.company_info()
    assert len(reads) == 1


def test_a_client_given_a_stale_row_uses_the_stored_token_after_one_401(company):
    old = connection(company)  # read before another worker refreshes
    runtime = company.runtime
    company.quickbooks.clock.advance(1800)
    QuickBooksTokens(runtime.db, runtime.cipher, old.id, runtime.settings).refresh_now()
    company.quickbooks.clock.advance(1801)  # at Intuit the old token has expired, the new not
    company.quickbooks.reset_calls()
    assert runtime.quickbooks_client(old).company_info()["CompanyName"]
    # No second refresh: the row already holds the token the other worker got.
    assert calls(company) == [("GET", INFO, 401), ("GET", INFO, 200)]


def test_a_401_refreshes_once_and_retries_once(company):
    # Intuit's clock says the token expired although ours does not.
    company.quickbooks.clock.advance(3601)
    info = company.runtime.quickbooks_client(connection(company)).company_info()
    assert info["CompanyName"]
    assert calls(company) == [("GET", INFO, 401), ("POST", TOKEN_PATH, 200), ("GET", INFO, 200)]


def test_a_second_401_after_the_refresh_is_not_retried_again(company):
    company.quickbooks.faults.add("expire_token", count=5)
    with pytest.raises(QuickBooksAuthError):
        company.runtime.quickbooks_client(connection(company)).company_info()
    assert calls(company) == [("GET", INFO, 401), ("POST", TOKEN_PATH, 200), ("GET", INFO, 401)]


def test_the_rotated_refresh_token_is_stored_and_the_old_one_is_no_longer_used(company):
    _access, first_refresh = stored_tokens(company)
    set_access_expiry(company, utcnow())
    company.runtime.quickbooks_client(connection(company)).company_info()
    _access, second_refresh = stored_tokens(company)
    assert second_refresh != first_refresh
    # A day later Intuit no longer honours the superseded token, only the latest one.
    company.quickbooks.clock.advance(25 * 3600)
    set_access_expiry(company, utcnow())
    company.runtime.quickbooks_client(connection(company)).company_info()
    assert connection(company).status == "connected"
    assert stored_tokens(company)[1] not in (first_refresh, second_refresh)
    assert company.quickbooks.refresh_counts[US_REALM] == 2
    stale = requests.post(f"{company.quickbooks.url}{TOKEN_PATH}",
                          auth=("qbo-client", "qbo-secret"),
                          data={"grant_type": "refresh_token", "refresh_token": first_refresh},
                          timeout=10)  # fmt: skip
    assert stale.json()["error"] == "invalid_grant"


def test_invalid_grant_marks_the_connection_and_executions_fail_reconnect_required(company):
    _access, refresh = stored_tokens(company)
    revoke_at_intuit(company, refresh)
    set_access_expiry(company, utcnow())
    with pytest.raises(ReconnectRequired) as refused:
        company.runtime.quickbooks_client(connection(company)).company_info()
    assert refused.value.code == "QUICKBOOKS_RECONNECT_REQUIRED"
    row = connection(company)
    assert row.status == "reconnect_required"
    assert "invalid_grant" in row.last_error
    deal = company.portal.create("deals", {"dealname": "After revoke", "amount": "5.00"})
    company.quickbooks.reset_calls()
    response = company.execute("create-invoice", "DEAL", deal, callback_id="ap-reconnect-1")
    assert response.status_code == 200
    outputs = response.get_json()["outputFields"]
    assert outputs["hs_execution_state"] == "FAIL_CONTINUE"
    execution = ledger.by_callback(company.runtime.db, company.portal_id, "ap-reconnect-1")
    assert execution.status == "failed"
    assert execution.error_code == "QUICKBOOKS_RECONNECT_REQUIRED"
    assert calls(company) == []  # nothing is tried against QuickBooks until a reconnect


def test_a_401_whose_refresh_is_refused_fails_reconnect_required(company):
    _access, refresh = stored_tokens(company)
    revoke_at_intuit(company, refresh)  # the access token dies with the grant
    company.quickbooks.reset_calls()
    with pytest.raises(ReconnectRequired):
        company.runtime.quickbooks_client(connection(company)).company_info()
    assert calls(company)[0] == ("GET", INFO, 401)
    assert connection(company).status == "reconnect_required"


def test_reconnecting_clears_reconnect_required(company):
    _access, refresh = stored_tokens(company)
    revoke_at_intuit(company, refresh)
    set_access_expiry(company, utcnow())
    with pytest.raises(ReconnectRequired):
        company.runtime.quickbooks_client(connection(company)).company_info()
    # Fresh tokens, as the OAuth callback stores them.
    accounts.connect_company(company.runtime, company.portal_id, US_REALM,
                             company.quickbooks.issue_tokens(US_REALM))  # fmt: skip
    row = connection(company)
    assert row.status == "connected"
    company.runtime.quickbooks_client(row).company_info()


def test_refused_client_credentials_do_not_mark_the_connection(company):
    company.runtime.settings = company.runtime.settings.replace(
        quickbooks_client_secret="wrong-secret"
    )
    set_access_expiry(company, utcnow())
    with pytest.raises(ActionFailed) as failed:
        company.runtime.quickbooks_client(connection(company)).company_info()
    assert failed.value.code == "APP_CREDENTIALS_REFUSED"
    assert connection(company).status == "connected"


def test_an_unreachable_token_endpoint_is_transient(company):
    from clients.transport import Unavailable

    company.runtime.settings = company.runtime.settings.replace(
        quickbooks_token_url="http://127.0.0.1:9/oauth2/v1/tokens/bearer"
    )
    set_access_expiry(company, utcnow())
    with pytest.raises(Unavailable):
        company.runtime.quickbooks_client(connection(company)).company_info()
    assert connection(company).status == "connected"


def test_concurrent_refreshers_refresh_once_and_share_the_new_token(company):
    set_access_expiry(company, utcnow() - timedelta(seconds=1))
    # Slow answers widen the window in which both workers want a new token.
    company.quickbooks.config.latency_seconds = 0.3
    row_id = connection(company).id
    runtime = company.runtime
    start = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        tokens = QuickBooksTokens(runtime.db, runtime.cipher, row_id, runtime.settings)
        start.wait()
        try:
            results.append(tokens.access_token())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert company.quickbooks.refresh_counts[US_REALM] == 1
    assert len(results) == 2 and results[0] == results[1]
    assert stored_tokens(company)[0] == results[0]


def test_concurrent_401s_on_one_token_refresh_once(company):
    company.quickbooks.clock.advance(3601)  # both workers' calls meet a 401 first
    company.quickbooks.config.latency_seconds = 0.2
    runtime = company.runtime
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker():
        client = runtime.quickbooks_client(connection(company))
        start.wait()
        try:
            client.company_info()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert company.quickbooks.refresh_counts[US_REALM] == 1


# --- HubSpot portals ---------------------------------------------------------------------


def portal_tokens(world) -> tuple[str, str]:
    """The installed portal's tokens in clear."""
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    return world.runtime.cipher.decrypt(portal.access_token), world.runtime.cipher.decrypt(
        portal.refresh_token
    )


def test_an_expiring_hubspot_token_is_refreshed_and_the_refresh_token_kept(world):
    deal = world.portal.create("deals", {"dealname": "Refresh me"})
    old_access, old_refresh = portal_tokens(world)
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    portal.token_expires_at = utcnow() + timedelta(minutes=1)
    store.save(world.runtime.db, portal)
    world.hubspot.reset_calls()
    record = world.runtime.hubspot_client(world.portal_id).get_object("deals", deal, ["dealname"])
    assert record["properties"]["dealname"] == "Refresh me"
    seen = [(c["method"], c["path"], c["status"]) for c in world.hubspot.calls]
    assert seen == [("POST", "/oauth/2026-03/token", 200),
                    ("GET", f"/crm/objects/2026-03/deals/{deal}", 200)]
    access, refresh = portal_tokens(world)
    assert access != old_access and refresh == old_refresh


def test_a_revoked_hubspot_refresh_token_fails_hubspot_not_connected(world):
    _access, refresh = portal_tokens(world)
    world.hubspot.tokens.revoke(refresh)
    runtime = world.runtime
    tokens = HubSpotTokens(runtime.db, runtime.cipher, world.portal_id, runtime.settings)
    with pytest.raises(ReconnectRequired) as refused:
        tokens.refresh(_access)
    assert refused.value.code == "HUBSPOT_NOT_CONNECTED"


def test_a_portal_that_never_installed_fails_hubspot_not_connected(world):
    runtime = world.runtime
    tokens = HubSpotTokens(runtime.db, runtime.cipher, 424242424, runtime.settings)
    with pytest.raises(ReconnectRequired) as refused:
        tokens.access_token()
    assert refused.value.code == "HUBSPOT_NOT_CONNECTED"


def test_intuit_token_requests_use_http_basic_client_auth(company, monkeypatch):
    sent = []
    original = requests.Session.send

    def capture(self, prepared, **kwargs):
        sent.append(prepared)
        return original(self, prepared, **kwargs)

    monkeypatch.setattr(requests.Session, "send", capture)
    set_access_expiry(company, utcnow())
    company.runtime.quickbooks_client(connection(company)).company_info()
    token_request = next(p for p in sent if p.url.endswith(TOKEN_PATH))
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert token_request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    body = dict(pair.split("=", 1) for pair in token_request.body.split("&"))
    assert body["grant_type"] == "refresh_token" and body["refresh_token"]
    assert "client_secret" not in body and "scope" not in body
