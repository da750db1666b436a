"""OAuth for a public app: consent redirect, 2026-03 token, introspect, revoke (§5, §9.2)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, redirect, request

from .api import current_emulator
from .tokens import AccessToken, OAuthError, RefreshToken, token_response

bp = Blueprint("oauth", __name__)

VERSION = "2026-03"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}


def _oauth_error(error: OAuthError):
    answer = jsonify(error.as_json())
    answer.status_code = error.http_status
    return answer


bp.register_error_handler(OAuthError, _oauth_error)


@bp.get("/oauth/authorize")
@bp.get("/oauth/<int:pinned_portal>/authorize")
def authorize(pinned_portal: int | None = None):
    """The consent screen, already clicked: redirect to redirect_uri with a fresh code."""
    emu = current_emulator()
    args = request.args
    if args.get("client_id") != emu.client_id:
        return _page_error("The client_id is missing or does not match an app.")
    redirect_uri = args.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if not parts.scheme or not parts.netloc:
        return _page_error("The redirect_uri is missing or malformed.")
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        return _page_error("The redirect_uri must use https (http is allowed for localhost).")
    scopes = args.get("scope", "").split()
    if not scopes:
        return _page_error("The scope parameter is required.")
    optional = (args.get("optional_scope") or args.get("optional_scopes") or "").split()
    portal_id = pinned_portal or args.get("portal_id", type=int)
    with emu.lock:
        if portal_id is None and emu.portals:
            portal_id = next(iter(emu.portals))
        if portal_id not in emu.portals:
            return _page_error("No HubSpot account to install the app into.")
    code = emu.tokens.issue_code(portal_id, scopes + optional, redirect_uri)
    query = {"code": code}
    if "state" in args:
        query["state"] = args["state"]
    separator = "&" if parts.query else "?"
    return redirect(redirect_uri + separator + urlencode(query), code=302)


def _page_error(message: str):
    answer = jsonify({"status": "error", "message": message})
    answer.status_code = 400
    return answer


@bp.post(f"/oauth/{VERSION}/token")
def token():
    """Exchange an authorization code or a refresh token for tokens."""
    emu = current_emulator()
    form = request.form
    _check_client(form.get("client_id"), form.get("client_secret"))
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request", "code and redirect_uri are required",
                             "BAD_REQUEST")
        access, refresh = emu.tokens.exchange_code(code, redirect_uri)
    elif grant_type == "refresh_token":
        if not form.get("refresh_token"):
            raise OAuthError("invalid_request", "refresh_token is required", "BAD_REQUEST")
        access, refresh = emu.tokens.refresh(form["refresh_token"])
    else:
        raise OAuthError("unsupported_grant_type",
                         f"grant_type {grant_type!r} is not supported here", "BAD_GRANT_TYPE")
    return jsonify(token_response(emu.tokens, access, refresh))


def _check_client(client_id: str | None, client_secret: str | None) -> None:
    emu = current_emulator()
    if client_id != emu.client_id:
        raise OAuthError("invalid_client", "missing or unknown client id", "BAD_CLIENT_ID")
    if client_secret != emu.client_secret:
        raise OAuthError("invalid_client", "client secret does not match the client id",
                         "BAD_CLIENT_SECRET")


def _introspect():
    """Token introspection (v3 / 2026-03): `active` plus the token's owner and scopes."""
    emu = current_emulator()
    form = request.form
    _check_client(form.get("client_id"), form.get("client_secret"))
    # The spec names the field `token`; the v3 guide's prose names it after the token type.
    token = form.get("token") or form.get("access_token") or form.get("refresh_token") or ""
    found: AccessToken | RefreshToken | None = emu.tokens.access(token)
    if found is not None and (found.static or emu.tokens.seconds_left(found) <= 0):
        found = None
    found = found or emu.tokens.refresh_token(token)
    if found is None:
        return jsonify({"active": False})
    info = _owner(found.portal_id)
    body = {"active": True, "token": token, "hub_id": found.portal_id,
            "user_id": info["user_id"], "client_id": emu.client_id, "app_id": emu.app_id,
            "user": info["user"], "hub_domain": info["hub_domain"], "scopes": list(found.scopes)}
    if isinstance(found, AccessToken):
        # PublicAccessTokenInfoResponse requires expires_in and signed_access_token.
        body.update(expires_in=emu.tokens.seconds_left(found), token_use="access_token",
                    signed_access_token=_signed(found, info["user_id"]))
    else:
        body["token_use"] = "refresh_token"
    body.update(token_type="bearer", is_private_distribution=False)
    return jsonify(body)


bp.add_url_rule(f"/oauth/{VERSION}/token/introspect", view_func=_introspect, methods=["POST"])


def _signed(access: AccessToken, user_id: int) -> dict:
    emu = current_emulator()
    return {"expiresAt": int(access.expires_at * 1000), "scopes": " ".join(access.scopes),
            "hubId": access.portal_id, "userId": user_id, "appId": emu.app_id,
            "installingUserId": user_id, "isUserLevel": False, "isPrivateDistribution": False,
            "isServiceAccount": False, "hublet": "na1", "appInstallId": f"{access.portal_id}",
            "audience": emu.client_id, "newSignature": "", "signature": "",
            "scopeToScopeGroupPks": "", "trialScopes": "", "trialScopeToScopeGroupPks": ""}


@bp.post(f"/oauth/{VERSION}/token/revoke")
def revoke():
    """Revoke an access or refresh token (RFC 7009: 200 even when unknown)."""
    form = request.form
    _check_client(form.get("client_id"), form.get("client_secret"))
    current_emulator().tokens.revoke(form.get("token", ""))
    return Response(status=200)


def _owner(portal_id: int) -> dict:
    portal = current_emulator().portal(portal_id)
    return {"user": portal.user, "user_id": portal.user_id, "hub_domain": portal.domain}
