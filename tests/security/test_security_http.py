"""Transport-level defences: hardened session cookies, and bodies over 1 MiB refused unread."""

from __future__ import annotations

import json

import pytest
import requests

from app import create_app
from emulators.server import serve_in_thread
from tests.support.security import ledger_rows
from tests.support.signing import signed_headers

LIMIT = 1024 * 1024
ROUTES = ["/hubspot/actions/create-invoice", "/hubspot/options/deposit_account"]


def session_cookie(app) -> str:
    """The Set-Cookie header a browser gets when the server first stores something for it."""
    with app.test_client() as browser:
        response = browser.get("/oauth/hubspot/install")  # stores the OAuth state in the session
        assert response.status_code == 302
        cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_dashboard_cookies_are_secure_httponly_samesite_outside_sandbox(settings):
    app = create_app(settings.replace(testing=False, sandbox=False))
    try:
        flags = [part.strip() for part in session_cookie(app).split(";")]
    finally:
        app.extensions["hubqbo"].db.dispose()
    assert flags[0].startswith("session=")
    assert "Secure" in flags
    assert "HttpOnly" in flags
    assert "SameSite=Lax" in flags


def test_sandbox_cookies_drop_only_secure(settings):
    """The sandbox serves plain http on localhost, where a Secure cookie would not come back."""
    app = create_app(settings)  # testing settings behave like the sandbox here
    try:
        flags = [part.strip() for part in session_cookie(app).split(";")]
    finally:
        app.extensions["hubqbo"].db.dispose()
    assert "Secure" not in flags
    assert "HttpOnly" in flags and "SameSite=Lax" in flags


@pytest.fixture
def served(app):
    """The app on a real HTTP server (the test client cannot send chunked bodies)."""
    server = serve_in_thread(app)
    yield server.url
    server.stop()


def big_body() -> bytes:
    """A signed-looking JSON body just over 1 MiB."""
    return json.dumps({"callbackId": "x", "pad": "a" * LIMIT}).encode()


@pytest.mark.parametrize("path", ROUTES)
def test_a_body_over_one_mib_with_content_length_is_refused(app, served, path):
    body = big_body()
    response = requests.post(served + path, data=body, headers=signed_headers(path, body),
                             timeout=10)  # fmt: skip
    assert response.status_code == 413
    assert response.json() == {"error": "the request body is larger than 1024 KiB"}
    assert ledger_rows(app.extensions["hubqbo"].db) == 0


@pytest.mark.parametrize("path", ROUTES)
def test_a_chunked_body_over_one_mib_is_refused(app, served, path):
    body = big_body()

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = requests.post(served + path, data=chunks(), headers=signed_headers(path, body),
                             timeout=10)  # fmt: skip
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in response.request.headers
    assert response.status_code == 413
    assert ledger_rows(app.extensions["hubqbo"].db) == 0


def test_the_limit_is_checked_before_the_signature(app, served, caplog):
    """An unsigned oversized body gets 413, not 401: it was never read, let alone verified."""
    response = requests.post(served + ROUTES[0], data=big_body(),
                             headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip
    assert response.status_code == 413
    assert "refused unsigned HubSpot request" not in caplog.text


def test_a_body_just_under_the_limit_is_read(app, served):
    path = ROUTES[0]
    body = json.dumps({"pad": "a" * (LIMIT - 100)}).encode()
    assert len(body) < LIMIT
    response = requests.post(served + path, data=body, headers=signed_headers(path, body),
                             timeout=10)  # fmt: skip
    assert response.status_code == 400  # read, verified and validated: it lacks every field
    assert "callbackId" in response.json()["error"]
