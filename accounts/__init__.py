"""Accounts: the HubSpot install flow (hubspot_install), the QuickBooks connect and disconnect
flow (quickbooks_connection), OAuth state (oauth_state) and the dashboard sign-in (signin)."""

from __future__ import annotations

from accounts.hubspot_install import hubspot_install_url, hubspot_redirect_uri, install_portal
from accounts.oauth_state import (
    MAX_PENDING_STATES,
    STATE_TTL_SECONDS,
    StateRefused,
    begin_authorization,
    finish_authorization,
)
from accounts.quickbooks_connection import (
    CompanyFacts,
    check_disconnected,
    connect_company,
    disconnect_company,
    mark_reconnect_required,
    quickbooks_connect_url,
    quickbooks_redirect_uri,
    read_company,
)
from accounts.signin import sign_in, sign_out, signed_in_portal, signed_in_portals, switch_to

__all__ = [
    "MAX_PENDING_STATES", "STATE_TTL_SECONDS", "CompanyFacts", "StateRefused",
    "begin_authorization", "check_disconnected", "connect_company", "disconnect_company",
    "finish_authorization", "hubspot_install_url", "hubspot_redirect_uri", "install_portal",
    "mark_reconnect_required", "quickbooks_connect_url", "quickbooks_redirect_uri",
    "read_company", "sign_in", "sign_out", "signed_in_portal", "signed_in_portals", "switch_to",
]  # fmt: skip
