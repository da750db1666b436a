"""OAuth: HubSpot app install and QuickBooks company connect/disconnect (SPEC §2.2)."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.routing import BuildError

import accounts
from clients.quickbooks import QuickBooksError
from clients.tokens import (
    AuthorizationRefused,
    exchange_hubspot_code,
    exchange_quickbooks_code,
)
from clients.transport import Unavailable
from statussync import properties as status_properties
from store import companies
from web.csrf import csrf_protected
from web.http import BadRequest, runtime

bp = Blueprint("oauth", __name__, template_folder="templates")
log = logging.getLogger(__name__)


@bp.get("/oauth/hubspot/install")
def hubspot_install():
    """Send the browser to HubSpot's consent page to install the app.

    ---
    get:
        operationId: installHubSpot
        tags: [OAuth]
        security: []
        responses:
          "302":
            description: "To HubSpot's authorize URL with a fresh state."
            headers: {Location: Location}
          "503":
            description: "The HubSpot app is not configured."
            content: {application/json: {schema: Error}}
    """
    settings = runtime().settings
    if not settings.hubspot_client_id:
        raise BadRequest("the HubSpot app is not configured: set HUBSPOT_CLIENT_ID", 503)
    state = accounts.begin_authorization(session, "hubspot")
    return redirect(accounts.hubspot_install_url(settings, state))


@bp.get("/oauth/hubspot/callback")
def hubspot_callback():
    """HubSpot's redirect after consent: store the portal and sign it in.

    ---
    get:
        operationId: hubspotCallback
        tags: [OAuth]
        security: []
        parameters: [code, state, error]
        responses:
          "302":
            description: "To the dashboard."
            headers: {Location: Location}
          "400":
            description: "Missing, reused or foreign state, a declined consent or a refused code."
            content: {application/json: {schema: Error}}
          "502":
            description: "HubSpot could not be reached."
            content: {application/json: {schema: Error}}
    """
    _consume_state("hubspot")
    _refuse_denied("HubSpot")
    rt = runtime()
    code = _required("code")
    try:
        token = exchange_hubspot_code(rt.settings, code, accounts.hubspot_redirect_uri(rt.settings))
        portal = accounts.install_portal(rt, token)
    except AuthorizationRefused as refused:
        raise BadRequest(f"HubSpot refused the authorization code ({refused.error}); "
                         "install the app again", 400) from None  # fmt: skip
    except Unavailable as exc:
        raise BadRequest(f"{exc}; try again in a moment", 502) from None
    accounts.sign_in(session, portal.id)
    log.info("HubSpot portal %s installed the app", portal.id)
    status_properties.setup_portal(rt, portal)
    return redirect("/")  # the dashboard


@bp.get("/oauth/quickbooks/connect")
def quickbooks_connect():
    """Send the browser to Intuit to connect a company to the signed-in portal.

    ---
    get:
        operationId: connectQuickBooks
        tags: [OAuth]
        security: []
        responses:
          "302":
            description: "To Intuit's consent page, or to the HubSpot sign-in."
            headers: {Location: Location}
          "401":
            description: "Not signed in (and no HubSpot app to sign in)."
            content: {application/json: {schema: Error}}
          "503":
            description: "The QuickBooks app is not configured."
            content: {application/json: {schema: Error}}
    """
    rt = runtime()
    portal_id = accounts.signed_in_portal(session)
    if portal_id is None:
        if rt.settings.hubspot_client_id:
            return redirect(url_for("oauth.hubspot_install"))
        raise BadRequest("sign in through HubSpot before connecting QuickBooks", 401)
    if not rt.settings.quickbooks_client_id:
        raise BadRequest("the QuickBooks app is not configured: set QUICKBOOKS_CLIENT_ID", 503)
    state = accounts.begin_authorization(session, "quickbooks", portal_id=portal_id)
    return redirect(accounts.quickbooks_connect_url(rt.settings, state))


@bp.get("/oauth/quickbooks/callback")
def quickbooks_callback():
    """Intuit's redirect after consent: store the company for the portal that asked.

    ---
    get:
        operationId: quickbooksCallback
        tags: [OAuth]
        security: []
        parameters: [code, state, error, realmId]
        responses:
          "302":
            description: "To the dashboard's Connections page."
            headers: {Location: Location}
          "400":
            description: "Missing, reused or foreign state, a declined consent or a refused code."
            content: {application/json: {schema: Error}}
          "403":
            description: "The browser is no longer signed in to that portal."
            content: {application/json: {schema: Error}}
          "502":
            description: "QuickBooks could not be reached."
            content: {application/json: {schema: Error}}
    """
    started = _consume_state("quickbooks")
    _refuse_denied("QuickBooks")
    # The portal comes from the state this session issued, never from the query string.
    portal_id = int(started["portal_id"])
    if portal_id not in accounts.signed_in_portals(session):
        raise BadRequest("this browser is no longer signed in to the portal that started "
                         "the connection; sign in and connect again", 403)  # fmt: skip
    code, realm_id = _required("code"), _required("realmId")
    rt = runtime()
    try:
        token = exchange_quickbooks_code(
            rt.settings, code, accounts.quickbooks_redirect_uri(rt.settings)
        )
        connection = accounts.connect_company(rt, portal_id, realm_id, token)
    except AuthorizationRefused as refused:
        raise BadRequest(f"QuickBooks refused the authorization code ({refused.error}); "
                         "connect again", 400) from None  # fmt: skip
    except QuickBooksError as exc:
        reason = f"{exc.code or exc.status}: {exc.message}"
        raise BadRequest(f"QuickBooks did not share the company's settings ({reason}); "
                         "connect again", 502) from None  # fmt: skip
    except Unavailable as exc:
        raise BadRequest(f"{exc}; try again in a moment", 502) from None
    log.info("portal %s connected QuickBooks company %s", portal_id, connection.realm_id)
    return redirect(_connections_page())


@bp.post("/quickbooks/<realm_id>/disconnect")
@csrf_protected
def quickbooks_disconnect(realm_id: str):
    """Revoke a company's tokens at Intuit and forget it (the signed-in portal's only).

    ---
    post:
        operationId: disconnectQuickBooks
        tags: [OAuth]
        security: [{DashboardSession: []}]
        responses:
          "302":
            description: "To the Connections page."
            headers: {Location: Location}
          "400":
            description: "The form's CSRF token is missing or wrong."
            content: {application/json: {schema: Error}}
          "401":
            description: "Not signed in."
            content: {application/json: {schema: Error}}
          "404":
            description: "The signed-in portal has no such company."
            content: {application/json: {schema: Error}}
          "413": TooLarge
          "502":
            description: "Intuit could not be reached; still connected."
            content: {application/json: {schema: Error}}
    """
    rt = runtime()
    portal_id = accounts.signed_in_portal(session)
    if portal_id is None:
        raise BadRequest("sign in through HubSpot first", 401)
    connection = companies.get_connection(rt.db, portal_id, realm_id)
    if connection is None:
        # Another portal's realm looks exactly like an unknown one.
        raise BadRequest(f"QuickBooks company {realm_id} is not connected to this portal", 404)
    try:
        revoked = accounts.disconnect_company(rt, connection)
    except Unavailable as exc:
        raise BadRequest(f"{exc}; the company is still connected, try again", 502) from None
    log.info("portal %s disconnected QuickBooks company %s (revoked at Intuit: %s)",
             portal_id, realm_id, revoked)  # fmt: skip
    return redirect(_connections_page())


@bp.get("/oauth/quickbooks/disconnected")
def quickbooks_disconnected():
    """Intuit's disconnect URL: a company disconnected the app from inside QuickBooks.

    ---
    get:
        operationId: quickbooksDisconnected
        tags: [OAuth]
        security: []
        parameters: [realmId]
        responses:
          "200":
            description: What happened to the signed-in portals' connections.
            content: {text/html: {schema: {type: string}}}
          "400":
            description: "The URL holds a NUL character."
            content: {application/json: {schema: Error}}
    """
    portal_ids = accounts.signed_in_portals(session)
    realm_id = (request.args.get("realmId") or "").strip()
    results: list[tuple[str, str]] = []
    if portal_ids and realm_id:
        results = accounts.check_disconnected(runtime(), portal_ids, realm_id)
    return render_template(
        "oauth/disconnected.html", signed_in=bool(portal_ids), realm_id=realm_id, results=results,
        install_url=url_for("oauth.hubspot_install"), back=_connections_page(),
    )  # fmt: skip


def _consume_state(kind: str) -> dict:
    """The state entry of this callback, or a 400 naming what is wrong."""
    try:
        return accounts.finish_authorization(session, kind, request.args.get("state"))
    except accounts.StateRefused as refused:
        raise BadRequest(str(refused), 400) from None


def _refuse_denied(service: str) -> None:
    """The user declined, or the provider reported an error instead of a code."""
    error = request.args.get("error")
    if error:
        raise BadRequest(f"{service} did not authorize the app ({error[:100]})", 400)


def _required(name: str) -> str:
    """A query parameter the callback cannot do without."""
    value = (request.args.get(name) or "").strip()
    if not value:
        raise BadRequest(f"the authorization answer has no {name} parameter", 400)
    return value


def _connections_page() -> str:
    """The dashboard's connections page when it exists, else the dashboard's root."""
    try:
        return url_for("dashboard.connections")
    except BuildError:
        return "/"
