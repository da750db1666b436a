"""Intuit's OAuth 2.0 endpoints: authorize, token (code + refresh), revoke (reference §2)."""

from __future__ import annotations

import base64
import binascii
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, request

from . import wire
from .tokens import OAuthError

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"

routes = Blueprint("qbo_oauth", __name__)


def _emulator():
    return current_app.extensions["qbo_emulator"]


def _json(payload: dict, status: int = 200) -> Response:
    return Response(wire.dumps(payload), status=status, mimetype="application/json")


def _page(message: str, status: int) -> Response:
    body = f"<!doctype html><title>Intuit</title><h1>{escape(message)}</h1>"
    return Response(body, status=status, mimetype="text/html")


@routes.get("/connect/oauth2")
def authorize():
    """The consent screen: redirect back with a code (or pick a company first)."""
    emulator = _emulator()
    args = request.args
    if args.get("client_id") != emulator.oauth.client_id:
        return _page("Invalid client_id: this app is not registered.", 400)
    redirect_uri = args.get("redirect_uri")
    if not redirect_uri or not redirect_uri.startswith(("http://", "https://")):
        return _page("redirect_uri is missing or not an absolute URL.", 400)
    state = args.get("state")
    if not state:
        return _page("state is required.", 400)
    back = {"state": state}
    if args.get("response_type") != "code":
        return redirect(_with_query(redirect_uri, {"error": "unsupported_response_type", **back}))
    if ACCOUNTING_SCOPE not in (args.get("scope") or "").split():
        return redirect(_with_query(redirect_uri, {"error": "invalid_scope", **back}))
    realm_id = args.get("realm_id")
    companies = emulator.companies
    if realm_id is None and len(companies) == 1:
        realm_id = next(iter(companies))
    if realm_id is None:
        return _chooser(companies)
    if realm_id not in companies:
        return _page(f"Unknown company {realm_id}.", 400)
    code = emulator.oauth.new_code(realm_id, redirect_uri)
    return redirect(_with_query(redirect_uri, {"code": code, **back, "realmId": realm_id}))


@routes.post("/oauth2/v1/tokens/bearer")
def token():
    """Exchange a code or a refresh token for tokens (client auth: Basic or form)."""
    authority = _emulator().oauth
    client_id, client_secret = _client_credentials()
    if not authority.client_matches(client_id, client_secret):
        return _json({"error": "invalid_client"}, 401)
    form = request.form
    try:
        if form.get("grant_type") == "authorization_code":
            realm_id, tokens = authority.exchange_code(form.get("code"), form.get("redirect_uri"))
        elif form.get("grant_type") == "refresh_token":
            realm_id, tokens = authority.refresh(form.get("refresh_token"))
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
    except OAuthError as failure:
        g.realm_id = authority.realm_of(form.get("refresh_token"))
        body = {"error": failure.error}
        if failure.description:
            body["error_description"] = failure.description
        return _json(body, failure.status)
    g.realm_id = realm_id
    return _json(tokens)


@routes.post("/v2/oauth2/tokens/revoke")
def revoke():
    """Revoke the grant of a refresh or access token."""
    authority = _emulator().oauth
    if not authority.client_matches(*_client_credentials()):
        return _json({"error": "invalid_client"}, 401)
    payload = request.get_json(silent=True) or {}
    value = payload.get("token") if isinstance(payload, dict) else None
    value = value or request.form.get("token")
    g.realm_id = authority.realm_of(value)
    if not authority.revoke(value):
        return _json({"error": "invalid_request", "error_description": "Unknown token"}, 400)
    return Response(b"", status=200)


def _client_credentials() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return request.form.get("client_id"), request.form.get("client_secret")


def _with_query(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _chooser(companies: dict) -> Response:
    links = "".join(
        f'<li><a href="{escape(_with_query(request.url, {"realm_id": realm}))}">'
        f"{escape(company.name)} ({escape(realm)})</a></li>"
        for realm, company in companies.items()
    )
    body = (f"<!doctype html><title>Choose a company</title><h1>Select a company</h1>"
            f"<ul>{links}</ul>")
    return Response(body, status=200, mimetype="text/html")
