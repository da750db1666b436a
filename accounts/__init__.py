"""Accounts: installing the app in a HubSpot portal, connecting and disconnecting QuickBooks
companies, and which portals a browser session is signed in to."""

from __future__ import annotations

import secrets
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy.exc import IntegrityError

import store
from clients.quickbooks import QuickBooksAuthError, QuickBooksError
from clients.tokens import (
    QUICKBOOKS_SCOPE,
    ReconnectRequired,
    apply_hubspot_tokens,
    apply_quickbooks_tokens,
    hubspot_token_info,
    revoke_quickbooks_token,
)
from clients.transport import StaticToken, Unavailable
from failures import ActionFailed
from store import Portal, QuickBooksConnection, utcnow
from store.cipher import InvalidToken

# An authorization must come back within this long, and a browser keeps only a few pending.
STATE_TTL_SECONDS = 15 * 60
MAX_PENDING_STATES = 5
_STATES = "oauth_states"


class StateRefused(Exception):
    """The OAuth callback's state is missing, unknown, used or expired."""


# --- the dashboard session: which portals this browser may see ------------------------------


def sign_in(session: MutableMapping, portal_id: int) -> None:
    """Let this browser see a portal and make it the current one."""
    portal_id = int(portal_id)
    ids = [int(i) for i in session.get("portal_ids") or []]
    if portal_id not in ids:
        ids.append(portal_id)
    session["portal_ids"] = ids
    session["portal_id"] = portal_id


def signed_in_portals(session: MutableMapping) -> list[int]:
    """The portals this browser is signed in to."""
    return [int(i) for i in session.get("portal_ids") or []]


def signed_in_portal(session: MutableMapping) -> int | None:
    """The current portal, if this browser is signed in to it."""
    current = session.get("portal_id")
    if current is None:
        return None
    return int(current) if int(current) in signed_in_portals(session) else None


# --- OAuth state: random, bound to the browser session, single use --------------------------


def begin_authorization(session: MutableMapping, kind: str, **data) -> str:
    """A fresh state for an authorization of ``kind`` ('hubspot' or 'quickbooks')."""
    now = time.time()
    pending = {
        s: entry for s, entry in (session.get(_STATES) or {}).items()
        if now - entry.get("at", 0) < STATE_TTL_SECONDS
    }  # fmt: skip
    state = secrets.token_urlsafe(24)
    pending[state] = {"kind": kind, "at": now, **data}
    newest = sorted(pending.items(), key=lambda item: item[1]["at"])[-MAX_PENDING_STATES:]
    session[_STATES] = dict(newest)
    return state


def finish_authorization(session: MutableMapping, kind: str, state: str | None) -> dict:
    """Consume the state of a callback; StateRefused unless this session issued it unused."""
    if not state:
        raise StateRefused("the authorization answer has no state parameter")
    pending = dict(session.get(_STATES) or {})
    entry = pending.pop(state, None)
    session[_STATES] = pending
    if entry is None or entry.get("kind") != kind:
        raise StateRefused(
            "the state parameter does not match an authorization started in this browser "
            "(or it was already used); start again"
        )
    if time.time() - entry.get("at", 0) >= STATE_TTL_SECONDS:
        raise StateRefused("the authorization took too long; start again")
    return entry


# --- authorize URLs ------------------------------------------------------------------------


def hubspot_redirect_uri(settings) -> str:
    """Where HubSpot sends the browser back after an install."""
    return f"{settings.public_base_url}/oauth/hubspot/callback"


def quickbooks_redirect_uri(settings) -> str:
    """Where Intuit sends the browser back after a connect."""
    return f"{settings.public_base_url}/oauth/quickbooks/callback"


def hubspot_install_url(settings, state: str) -> str:
    """HubSpot's consent page for installing the app (scopes space-separated)."""
    query = {
        "client_id": settings.hubspot_client_id,
        "scope": " ".join(settings.hubspot_scopes),
        "optional_scope": " ".join(settings.hubspot_optional_scopes),
        "redirect_uri": hubspot_redirect_uri(settings),
        "state": state,
    }
    return f"{settings.hubspot_authorize_url}?{urlencode(query, quote_via=quote)}"


def quickbooks_connect_url(settings, state: str) -> str:
    """Intuit's consent page for connecting a company."""
    query = {
        "client_id": settings.quickbooks_client_id,
        "scope": QUICKBOOKS_SCOPE,
        "redirect_uri": quickbooks_redirect_uri(settings),
        "response_type": "code",
        "state": state,
    }
    return f"{settings.quickbooks_authorize_url}?{urlencode(query, quote_via=quote)}"


# --- install, connect, disconnect ------------------------------------------------------------


def install_portal(runtime, token: dict) -> Portal:
    """Store (or refresh) a portal's tokens after an install; its hub id from HubSpot."""
    info: dict = {}
    hub_id = token.get("hub_id")
    if not hub_id:
        info = hubspot_token_info(runtime.settings, token["access_token"])
        hub_id = info.get("hub_id")
    if not hub_id:
        raise Unavailable("HubSpot", "the token info has no hub_id")
    portal = store.get_portal(runtime.db, int(hub_id)) or Portal(id=int(hub_id))
    portal.hub_domain = str(info.get("hub_domain") or portal.hub_domain or "")
    portal.name = portal.name or portal.hub_domain
    apply_hubspot_tokens(portal, token, runtime.cipher)
    return store.save(runtime.db, portal)


@dataclass(frozen=True)
class CompanyFacts:
    """What a connection records about a company, read from CompanyInfo and Preferences."""

    name: str
    country: str
    home_currency: str
    multicurrency: bool
    custom_txn_numbers: bool

    @property
    def tax_mode(self) -> str:
        """US companies use automated sales tax; elsewhere each line needs a tax code."""
        return "automated" if self.country in {"US", "USA"} else "codes"


def read_company(runtime, realm_id: str, access_token: str) -> CompanyFacts:
    """Read a company's name, country, currency and numbering settings with a fresh token."""
    client = runtime.quickbooks_client_with(realm_id, StaticToken(access_token))
    info = client.company_info()
    prefs = client.preferences()
    currency = prefs.get("CurrencyPrefs") or {}
    sales = prefs.get("SalesFormsPrefs") or {}
    country = info.get("Country") or (info.get("CompanyAddr") or {}).get("Country") or ""
    return CompanyFacts(
        name=str(info.get("CompanyName") or info.get("LegalName") or realm_id),
        country=str(country).upper(),
        home_currency=str((currency.get("HomeCurrency") or {}).get("value") or ""),
        multicurrency=bool(currency.get("MultiCurrencyEnabled")),
        custom_txn_numbers=bool(sales.get("CustomTxnNumbers")),
    )


def connect_company(runtime, portal_id: int, realm_id: str, token: dict) -> QuickBooksConnection:
    """Store a portal's connection to a company (new or reconnected) with its facts."""
    facts = read_company(runtime, realm_id, token["access_token"])
    for _attempt in range(2):  # a concurrent first connect of the same pair may win the insert
        row = store.get_connection(runtime.db, portal_id, realm_id) or QuickBooksConnection(
            portal_id=portal_id, realm_id=realm_id, connected_at=utcnow()
        )
        row.company_name = facts.name
        row.country = facts.country
        row.home_currency = facts.home_currency
        row.multicurrency = facts.multicurrency
        row.custom_txn_numbers = facts.custom_txn_numbers
        row.tax_mode = facts.tax_mode
        apply_quickbooks_tokens(row, token, runtime.cipher)
        try:
            return store.save(runtime.db, row)
        except IntegrityError:
            continue
    raise RuntimeError("could not store the QuickBooks connection")  # pragma: no cover


def disconnect_company(runtime, connection: QuickBooksConnection) -> bool:
    """Revoke a connection's tokens at Intuit, then forget it; True when Intuit confirmed.

    Intuit refusing the token (already revoked or expired) still forgets the connection;
    Intuit being unreachable raises Unavailable and keeps it, so the grant is never orphaned.
    """
    stored = connection.refresh_token or connection.access_token
    revoked = False
    if stored:
        try:
            token = runtime.cipher.decrypt(stored)
        except InvalidToken:  # a token no key can read cannot be revoked either
            token = ""
        if token:
            revoked = revoke_quickbooks_token(runtime.settings, token)
    store.delete_connection(runtime.db, connection.id)
    return revoked


def check_disconnected(runtime, portal_ids: list[int], realm_id: str) -> list[tuple[str, str]]:
    """After Intuit's disconnect redirect, confirm with Intuit which of these portals'
    connections to the realm lost their authorization, and mark them.

    A link to this page proves nothing by itself, so a connection is only marked once Intuit
    refuses its tokens. Returns (company name, outcome) pairs; outcome is one of
    'reconnect_required', 'still_connected', 'unknown'.
    """
    results = []
    for portal_id in portal_ids:
        row = store.get_connection(runtime.db, portal_id, realm_id)
        if row is None:
            continue
        name = row.company_name or row.realm_id
        if row.status == "reconnect_required":
            results.append((name, "reconnect_required"))
            continue
        client = runtime.quickbooks_client(row)
        try:
            client.company_info()
            results.append((name, "still_connected"))
        except ReconnectRequired:
            results.append((name, "reconnect_required"))  # the refresh marked the row
        except QuickBooksAuthError:
            mark_reconnect_required(runtime, row, "QuickBooks refused the token after a refresh")
            results.append((name, "reconnect_required"))
        except (QuickBooksError, Unavailable, ActionFailed):
            results.append((name, "unknown"))
    return results


def mark_reconnect_required(runtime, connection: QuickBooksConnection, reason: str) -> None:
    """Flag a connection so executions fail with QUICKBOOKS_RECONNECT_REQUIRED."""
    row = store.get_connection(runtime.db, connection.portal_id, connection.realm_id)
    if row is not None:
        row.status = "reconnect_required"
        row.last_error = reason
        row.updated_at = utcnow()
        store.save(runtime.db, row)
