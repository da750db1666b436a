"""Connecting and disconnecting QuickBooks companies: the consent URL, the company's facts,
revoking at Intuit, and confirming a disconnect made from inside QuickBooks."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy.exc import IntegrityError

from clients.quickbooks import QuickBooksAuthError, QuickBooksError
from clients.tokens import (
    QUICKBOOKS_SCOPE,
    ReconnectRequired,
    apply_quickbooks_tokens,
    revoke_quickbooks_token,
)
from clients.transport import StaticToken, Unavailable
from failures import ActionFailed
from store import QuickBooksConnection, companies, utcnow
from store.cipher import InvalidToken
from store.database import save


def quickbooks_redirect_uri(settings) -> str:
    """Where Intuit sends the browser back after a connect."""
    return f"{settings.public_base_url}/oauth/quickbooks/callback"


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


@dataclass(frozen=True)
class CompanyFacts:
    """What a connection records about a company, read from CompanyInfo and Preferences."""

    name: str
    country: str
    home_currency: str
    multicurrency: bool
    custom_txn_numbers: bool
    automated_tax: bool = False
    class_tracking: str = ""
    track_locations: bool = False

    @property
    def tax_mode(self) -> str:
        """'automated' when QuickBooks runs automated sales tax (TaxPrefs.PartnerTaxEnabled),
        'codes' outside the US, 'manual' for a US company without it."""
        if self.automated_tax:
            return "automated"
        return "manual" if self.country in {"US", "USA"} else "codes"


def read_company(runtime, realm_id: str, access_token: str) -> CompanyFacts:
    """Read a company's name, country, currency and numbering settings with a fresh token."""
    client = runtime.quickbooks_client_with(realm_id, StaticToken(access_token))
    info = client.company_info()
    prefs = client.preferences()
    currency = prefs.get("CurrencyPrefs") or {}
    sales = prefs.get("SalesFormsPrefs") or {}
    accounting = prefs.get("AccountingInfoPrefs") or {}
    per_line = bool(accounting.get("ClassTrackingPerTxnLine"))
    country = info.get("Country") or (info.get("CompanyAddr") or {}).get("Country") or ""
    return CompanyFacts(
        name=str(info.get("CompanyName") or info.get("LegalName") or realm_id),
        country=str(country).upper(),
        home_currency=str((currency.get("HomeCurrency") or {}).get("value") or ""),
        multicurrency=bool(currency.get("MultiCurrencyEnabled")),
        custom_txn_numbers=bool(sales.get("CustomTxnNumbers")),
        automated_tax=bool((prefs.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
        class_tracking="line" if per_line else (
            "txn" if accounting.get("ClassTrackingPerTxn") else ""),
        track_locations=bool(accounting.get("TrackDepartments")),
    )


def connect_company(runtime, portal_id: int, realm_id: str, token: dict) -> QuickBooksConnection:
    """Store a portal's connection to a company (new or reconnected) with its facts."""
    facts = read_company(runtime, realm_id, token["access_token"])
    for _attempt in range(2):  # a concurrent first connect of the same pair may win the insert
        row = companies.get_connection(runtime.db, portal_id, realm_id) or QuickBooksConnection(
            portal_id=portal_id, realm_id=realm_id, connected_at=utcnow()
        )
        row.company_name = facts.name
        row.country = facts.country
        row.home_currency = facts.home_currency
        row.multicurrency = facts.multicurrency
        row.custom_txn_numbers = facts.custom_txn_numbers
        row.tax_mode = facts.tax_mode
        row.class_tracking = facts.class_tracking
        row.track_locations = facts.track_locations
        apply_quickbooks_tokens(row, token, runtime.cipher)
        try:
            return save(runtime.db, row)
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
    companies.delete_connection(runtime.db, connection.id)
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
        row = companies.get_connection(runtime.db, portal_id, realm_id)
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
    row = companies.get_connection(runtime.db, connection.portal_id, connection.realm_id)
    if row is not None:
        row.status = "reconnect_required"
        row.last_error = reason
        row.updated_at = utcnow()
        save(runtime.db, row)
