"""Installing the app in a HubSpot portal: the consent URL, and storing the portal's tokens."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from accounts import details as account_details
from clients.hubspot import HubSpotError
from clients.tokens import apply_hubspot_tokens, hubspot_token_info
from clients.transport import Unavailable
from store import Portal, portals
from store.database import save

log = logging.getLogger(__name__)


def hubspot_redirect_uri(settings) -> str:
    """Where HubSpot sends the browser back after an install."""
    return f"{settings.public_base_url}/oauth/hubspot/callback"


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


def install_portal(runtime, token: dict) -> Portal:
    """Store (or refresh) a portal's tokens after an install, with its account details.

    Introspection names the portal (hub_id, hub_domain; the token answer's hub_id is
    optional in 2026-03); the details (time zone, currency, UI domain) are read now and
    refreshed daily (accounts.details). A details read that fails does not stop the install:
    the first execution reads them.
    """
    info = hubspot_token_info(runtime.settings, token["access_token"])
    hub_id = info.get("hub_id") or token.get("hub_id")
    if not hub_id:
        raise Unavailable("HubSpot", "the token introspection has no hub_id")
    portal = portals.get_portal(runtime.db, int(hub_id)) or Portal(id=int(hub_id))
    portal.hub_domain = str(info.get("hub_domain") or portal.hub_domain or "")
    portal.name = portal.name or portal.hub_domain
    apply_hubspot_tokens(portal, token, runtime.cipher)
    try:
        account_details.apply(portal, account_details.read_with_token(
            runtime.settings, token["access_token"]))
    except (HubSpotError, Unavailable) as exc:
        log.warning("account details of portal %s not read at install: %s", hub_id, exc)
    return save(runtime.db, portal)


