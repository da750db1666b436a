"""Installing the app in a HubSpot portal: the consent URL, and storing the portal's tokens."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from clients.tokens import apply_hubspot_tokens, hubspot_token_info
from clients.transport import Unavailable
from store import Portal, portals
from store.database import save


def hubspot_redirect_uri(settings) -> str:
    """Where HubSpot sends the browser back after an install."""
    return f"{settings.public_base_url}/oauth/hubspot/callback"


def hubspot_install_url(settings, state: str) -> str:
    """HubSpot's consent page for installing the app (scopes space-separated)."""
    query = {
        "client_id": settings.hubspot_client_id,
        "scope": " ".join(settings.hubspot_scopes),
        "redirect_uri": hubspot_redirect_uri(settings),
        "state": state,
    }
    return f"{settings.hubspot_authorize_url}?{urlencode(query, quote_via=quote)}"


def install_portal(runtime, token: dict) -> Portal:
    """Store (or refresh) a portal's tokens after an install; its hub id from HubSpot."""
    info: dict = {}
    hub_id = token.get("hub_id")
    if not hub_id:
        info = hubspot_token_info(runtime.settings, token["access_token"])
        hub_id = info.get("hub_id")
    if not hub_id:
        raise Unavailable("HubSpot", "the token info has no hub_id")
    portal = portals.get_portal(runtime.db, int(hub_id)) or Portal(id=int(hub_id))
    portal.hub_domain = str(info.get("hub_domain") or portal.hub_domain or "")
    portal.name = portal.name or portal.hub_domain
    apply_hubspot_tokens(portal, token, runtime.cipher)
    return save(runtime.db, portal)


