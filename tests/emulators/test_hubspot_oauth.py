"""The HubSpot emulator's OAuth on 2026-03: consent redirect, token, introspect, revoke, expiry."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread

PORTAL = 1000001
REDIRECT = "http://localhost:5000/oauth/hubspot/callback"
SCOPES = "oauth crm.objects.deals.read automation"


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(PORTAL, "Demo Co", "USD")
    emulator.add_portal(2000002, "Other Co", "EUR")
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


def authorize(client, **extra) -> str:
    """Click through the consent screen; the code from the redirect."""
    args = {"client_id": "hs-client", "scope": SCOPES, "redirect_uri": REDIRECT,
            "state": "xyz", **extra}
    response = client.get("/oauth/authorize", query_string=args)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(client, code, version="2026-03", redirect_uri=REDIRECT, secret="hs-secret"):
    return client.post(f"/oauth/{version}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": "hs-client", "client_secret": secret})


def refresh(client, token, version="2026-03"):
    return client.post(f"/oauth/{version}/token", data={
        "grant_type": "refresh_token", "refresh_token": token, "client_id": "hs-client",
        "client_secret": "hs-secret"})


def test_code_flow_returns_tokens_with_hub_id_and_the_code_is_single_use(client):
    code = authorize(client)
    response = exchange(client, code)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer"
    # AccessTokenResponse (2026-03 oauth.json) requires token_use.
    assert body["token_use"] == "access_token"
    assert body["hub_id"] == PORTAL
    assert body["expires_in"] == 1800
    assert set(body["scopes"]) == {"oauth", "crm.objects.deals.read", "automation"}
    assert body["access_token"] and body["refresh_token"]

    again = exchange(client, code)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    assert again.get_json()["status"] == "BAD_AUTH_CODE"


@pytest.mark.parametrize("version", ["v1", "v3"])
def test_retired_token_endpoints_answer_410(client, version):
    response = exchange(client, authorize(client), version=version)
    assert response.status_code == 410
    assert response.get_json()["category"] == "API_VERSION_UNSUPPORTED"


def test_portal_is_chosen_by_extension_parameter_or_pinned_path(client):
    by_param = exchange(client, authorize(client, portal_id=2000002)).get_json()
    assert by_param["hub_id"] == 2000002
    response = client.get("/oauth/2000002/authorize", query_string={
        "client_id": "hs-client", "scope": SCOPES, "redirect_uri": REDIRECT})
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    assert exchange(client, code).get_json()["hub_id"] == 2000002


def test_redirect_uri_must_match_the_authorize_one(client):
    response = exchange(client, authorize(client), redirect_uri="http://localhost:5000/other")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(client):
    response = exchange(client, authorize(client), secret="nope")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("args", [
    {"client_id": "someone-else"},
    {"redirect_uri": "http://example.com/callback"},  # http only for localhost
    {"scope": ""},
])
def test_authorize_refuses_bad_requests(client, args):
    query = {"client_id": "hs-client", "scope": SCOPES, "redirect_uri": REDIRECT, **args}
    assert client.get("/oauth/authorize", query_string=query).status_code == 400


def test_refresh_keeps_the_refresh_token_and_bad_tokens_are_invalid_grant(client):
    first = exchange(client, authorize(client)).get_json()
    renewed = refresh(client, first["refresh_token"]).get_json()
    assert renewed["refresh_token"] == first["refresh_token"]
    assert renewed["access_token"] != first["access_token"]
    assert renewed["hub_id"] == PORTAL

    bad = refresh(client, "na1-not-a-token")
    assert bad.status_code == 400
    body = bad.get_json()
    assert body["error"] == "invalid_grant"
    assert body["status"] == "BAD_REFRESH_TOKEN"
    assert body["error_description"] and body["message"]


def test_introspection_reports_portal_user_app_and_scopes(client, emu):
    tokens = exchange(client, authorize(client)).get_json()
    info = introspect(client, tokens["access_token"])
    # PublicAccessTokenInfoResponse's required fields (2026-03 oauth.json).
    for name in ("active", "app_id", "client_id", "expires_in", "hub_id",
                 "is_private_distribution", "scopes", "signed_access_token", "token",
                 "token_type", "token_use", "user_id"):
        assert name in info, name
    assert info["hub_id"] == PORTAL
    assert info["app_id"] == emu.app_id
    assert info["token"] == tokens["access_token"]
    assert 0 < info["expires_in"] <= 1800
    assert info["user"] and info["hub_domain"] and info["user_id"]
    assert "automation" in info["scopes"]
    assert info["signed_access_token"]["hubId"] == PORTAL

    refresh_info = introspect(client, tokens["refresh_token"])
    assert refresh_info["hub_id"] == PORTAL
    assert refresh_info["client_id"] == "hs-client"
    assert refresh_info["token_use"] == "refresh_token"
    assert introspect(client, "unknown") == {"active": False}
    assert client.get(f"/oauth/v1/access-tokens/{tokens['access_token']}").status_code == 410


def introspect(client, token):
    return client.post("/oauth/2026-03/token/introspect", data={
        "client_id": "hs-client", "client_secret": "hs-secret", "token": token,
        "token_type_hint": "access_token"}).get_json()


def test_access_tokens_expire_against_the_emulator_clock(client, emu):
    tokens = emu.issue_tokens(PORTAL)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    deal = emu.portal(PORTAL).create("deals", {"dealname": "x"})
    assert client.get(f"/crm/objects/2026-03/deals/{deal}", headers=headers).status_code == 200

    emu.clock.advance(1801)
    expired = client.get(f"/crm/objects/2026-03/deals/{deal}", headers=headers)
    assert expired.status_code == 401
    body = expired.get_json()
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"].startswith("The OAuth token used to make this call expired")
    assert introspect(client, tokens["access_token"]) == {"active": False}

    # The refresh token is long-term: it still works after the access token died.
    renewed = refresh(client, tokens["refresh_token"]).get_json()
    fresh = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert client.get(f"/crm/objects/2026-03/deals/{deal}", headers=fresh).status_code == 200


def test_access_token_ttl_is_configurable(client, emu):
    emu.config.access_token_ttl = 60
    assert emu.issue_tokens(PORTAL)["expires_in"] == 60


def test_introspection_reports_active_tokens(client):
    tokens = exchange(client, authorize(client)).get_json()
    form = {"client_id": "hs-client", "client_secret": "hs-secret"}
    for version in ("2026-03",):
        active = client.post(f"/oauth/{version}/token/introspect",
                             data={**form, "token": tokens["access_token"]}).get_json()
        assert active["active"] is True
        assert active["hub_id"] == PORTAL
        assert active["token_use"] == "access_token"
        as_refresh = client.post(f"/oauth/{version}/token/introspect",
                                 data={**form, "token": tokens["refresh_token"]}).get_json()
        assert as_refresh["token_use"] == "refresh_token"
        unknown = client.post(f"/oauth/{version}/token/introspect",
                              data={**form, "token": "nope"}).get_json()
        assert unknown == {"active": False}


def test_revoked_refresh_tokens_stop_working(client):
    first = exchange(client, authorize(client)).get_json()
    response = client.post("/oauth/2026-03/token/revoke", data={
        "client_id": "hs-client", "client_secret": "hs-secret", "token": first["refresh_token"],
        "token_type_hint": "refresh_token"})
    assert response.status_code == 200
    assert refresh(client, first["refresh_token"]).get_json()["status"] == "BAD_REFRESH_TOKEN"

    second = exchange(client, authorize(client)).get_json()
    retired = client.delete(f"/oauth/v1/refresh-tokens/{second['refresh_token']}")
    assert retired.status_code == 410
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_full_flow_over_http(emu):
    server = serve_in_thread(emu.app)
    try:
        response = requests.get(f"{server.url}/oauth/authorize", params={
            "client_id": "hs-client", "scope": SCOPES, "redirect_uri": REDIRECT,
            "state": "s1"}, allow_redirects=False, timeout=5)
        assert response.status_code == 302
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
        tokens = requests.post(f"{server.url}/oauth/2026-03/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "hs-client", "client_secret": "hs-secret"}, timeout=5).json()
        info = requests.post(f"{server.url}/oauth/2026-03/token/introspect", data={
            "client_id": "hs-client", "client_secret": "hs-secret",
            "token": tokens["access_token"]}, timeout=5).json()
        assert info["hub_id"] == PORTAL and info["active"] is True
    finally:
        server.stop()
