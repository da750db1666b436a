"""Intuit OAuth 2.0 as the emulator plays it: code flow, refresh rotation, revoke, API auth."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest

from emulators.quickbooks import QuickBooksEmulator

REALM = "9130350000000001"
OTHER_REALM = "9130350000000009"
REDIRECT = "https://app.example/qbo/callback"
BASIC = "Basic " + base64.b64encode(b"qbo-client:qbo-secret").decode()
DAY = 24 * 3600


@pytest.fixture
def emu():
    emulator = QuickBooksEmulator(client_id="qbo-client", client_secret="qbo-secret")
    emulator.add_company(REALM, "Demo US LLC")
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


def authorize(client, **overrides):
    params = {"client_id": "qbo-client", "scope": "com.intuit.quickbooks.accounting openid",
              "redirect_uri": REDIRECT, "response_type": "code", "state": "csrf-123"}
    params.update(overrides)
    return client.get("/connect/oauth2", query_string={k: v for k, v in params.items()
                                                       if v is not None})


def code_from(response) -> dict:
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token_request(client, form, auth=BASIC):
    headers = {"Authorization": auth} if auth else {}
    return client.post("/oauth2/v1/tokens/bearer", data=form, headers=headers)


def exchange(client, code):
    return token_request(client, {"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": REDIRECT})


def refresh(client, token, auth=BASIC):
    return token_request(client, {"grant_type": "refresh_token", "refresh_token": token}, auth)


def company_info(client, access_token, realm=REALM):
    return client.get(f"/v3/company/{realm}/companyinfo/{realm}",
                      headers={"Authorization": f"Bearer {access_token}"})


def test_authorize_redirects_with_code_state_and_realm(client):
    params = code_from(authorize(client))
    assert params["state"] == "csrf-123"
    assert params["realmId"] == REALM
    assert params["code"]


def test_authorize_rejects_unknown_client_and_missing_state(client):
    assert authorize(client, client_id="someone-else").status_code == 400
    assert authorize(client, state=None).status_code == 400


def test_authorize_without_accounting_scope_redirects_with_invalid_scope(client):
    params = code_from(authorize(client, scope="openid email"))
    assert params == {"error": "invalid_scope", "state": "csrf-123"}


def test_authorize_shows_a_chooser_when_several_companies(emu, client):
    emu.add_company(OTHER_REALM, "Second Co")
    page = authorize(client)
    assert page.status_code == 200
    assert b"Second Co" in page.data and b"realm_id=" in page.data
    params = code_from(authorize(client, realm_id=OTHER_REALM))
    assert params["realmId"] == OTHER_REALM


def test_code_exchange_returns_intuit_token_shape(client):
    code = code_from(authorize(client))["code"]
    response = exchange(client, code)
    assert response.status_code == 200
    tokens = response.get_json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] == 8726400
    assert tokens["access_token"] and tokens["refresh_token"]
    assert company_info(client, tokens["access_token"]).status_code == 200


def test_code_is_single_use(client):
    code = code_from(authorize(client))["code"]
    assert exchange(client, code).status_code == 200
    second = exchange(client, code)
    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(emu, client):
    code = code_from(authorize(client))["code"]
    emu.clock.advance(601)
    assert exchange(client, code).get_json()["error"] == "invalid_grant"


def test_code_exchange_needs_the_same_redirect_uri(client):
    code = code_from(authorize(client))["code"]
    response = token_request(client, {"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": "https://elsewhere.example/cb"})
    assert response.get_json()["error"] == "invalid_grant"


def test_token_endpoint_requires_client_authentication(client):
    code = code_from(authorize(client))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert token_request(client, form, auth=None).status_code == 401
    wrong = "Basic " + base64.b64encode(b"qbo-client:wrong").decode()
    response = token_request(client, form, auth=wrong)
    assert response.status_code == 401
    assert response.get_json() == {"error": "invalid_client"}


def test_token_endpoint_accepts_client_secret_post(client):
    code = code_from(authorize(client))["code"]
    response = token_request(client, {"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": REDIRECT, "client_id": "qbo-client",
                                      "client_secret": "qbo-secret"}, auth=None)
    assert response.status_code == 200


def test_refresh_rotates_and_counts_per_realm(emu, client):
    first = emu.issue_tokens(REALM)
    rotated = refresh(client, first["refresh_token"]).get_json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    assert company_info(client, rotated["access_token"]).status_code == 200
    refresh(client, rotated["refresh_token"])
    assert emu.refresh_counts == {REALM: 2}


def test_previous_refresh_token_works_for_24_hours_then_dies(emu, client):
    old = emu.issue_tokens(REALM)["refresh_token"]
    newest = refresh(client, old).get_json()["refresh_token"]
    emu.clock.advance(DAY - 60)
    assert refresh(client, old).status_code == 200
    emu.clock.advance(120)
    dead = refresh(client, old)
    assert dead.status_code == 400
    assert dead.get_json()["error"] == "invalid_grant"
    # The newest token's grace period only starts once it is itself replaced.
    assert refresh(client, newest).status_code == 200


def test_unknown_or_expired_refresh_token_is_invalid_grant(emu, client):
    assert refresh(client, "RT1-not-a-token").get_json()["error"] == "invalid_grant"
    token = emu.issue_tokens(REALM)["refresh_token"]
    emu.clock.advance(8726400 + 1)
    assert refresh(client, token).get_json()["error"] == "invalid_grant"


def test_revoke_kills_access_and_refresh_tokens(emu, client):
    tokens = emu.issue_tokens(REALM)
    response = client.post("/v2/oauth2/tokens/revoke", json={"token": tokens["refresh_token"]},
                           headers={"Authorization": BASIC})
    assert response.status_code == 200
    assert refresh(client, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    denied = company_info(client, tokens["access_token"])
    assert denied.status_code == 401
    assert denied.get_json()["fault"]["error"][0]["code"] == "3200"


def test_revoke_with_access_token_and_unknown_token(emu, client):
    tokens = emu.issue_tokens(REALM)
    ok = client.post("/v2/oauth2/tokens/revoke", json={"token": tokens["access_token"]},
                     headers={"Authorization": BASIC})
    assert ok.status_code == 200
    assert refresh(client, tokens["refresh_token"]).status_code == 400
    unknown = client.post("/v2/oauth2/tokens/revoke", json={"token": "nope"},
                          headers={"Authorization": BASIC})
    assert unknown.status_code == 400


def test_expired_access_token_gets_the_lowercase_3200_envelope(emu, client):
    tokens = emu.issue_tokens(REALM)
    emu.clock.advance(3600)
    response = company_info(client, tokens["access_token"])
    assert response.status_code == 401
    body = response.get_json()
    error = body["fault"]["error"][0]
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"].startswith("Token expired: ")
    assert error["code"] == "3200" and error["element"] is None
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert isinstance(body["time"], int)


def test_access_token_ttl_is_configurable(emu, client):
    emu.config.access_token_ttl = 60
    tokens = emu.issue_tokens(REALM)
    assert tokens["expires_in"] == 60
    emu.clock.advance(61)
    assert company_info(client, tokens["access_token"]).status_code == 401


def test_missing_or_unknown_bearer_is_401(client):
    assert client.get(f"/v3/company/{REALM}/preferences").status_code == 401
    assert company_info(client, "eyJbogus").status_code == 401


def test_token_of_another_realm_is_403_authorization_fault(emu, client):
    emu.add_company(OTHER_REALM, "Other Co")
    other = emu.issue_tokens(OTHER_REALM)["access_token"]
    response = company_info(client, other)
    assert response.status_code == 403
    fault = response.get_json()["Fault"]
    assert fault["type"] == "AuthorizationFault"
    assert fault["Error"][0]["code"] == "3100"
