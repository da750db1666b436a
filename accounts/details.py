"""A portal's HubSpot account details (time zone, company currency, UI domain), kept fresh.

Read with `GET /account-info/{version}/details` (reference §10.4) at install, then again once
they are a day old: by queue workers' maintenance loop, lazily before an inline execution, or
by `flask --app app hubspot refresh-accounts` (cron).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from clients.hubspot import HubSpotClient, HubSpotError
from clients.transport import StaticToken, Unavailable
from failures import ActionFailed
from store import Portal, portals, utcnow
from store.database import save

log = logging.getLogger(__name__)

MAX_AGE = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def apply(portal: Portal, details: dict) -> Portal:
    """Copy the details HubSpot answered onto the portal row."""
    portal.time_zone = str(details.get("timeZone") or portal.time_zone or "")
    portal.company_currency = str(details.get("companyCurrency") or portal.company_currency or "")
    portal.ui_domain = str(details.get("uiDomain") or portal.ui_domain or "")
    portal.account_synced_at = utcnow()
    return portal


def read_with_token(settings, access_token: str) -> dict:
    """The details for a token just issued (the install, before the portal row exists)."""
    client = HubSpotClient(settings.hubspot_api_base, StaticToken(access_token),
                           timeout=settings.http_timeout_seconds,
                           version=settings.hubspot_api_version)  # fmt: skip
    try:
        return client.account_details()
    finally:
        client.transport.session.close()


def stale(portal: Portal, now=None) -> bool:
    """True when the details were never read or were read more than a day ago."""
    return (now or utcnow()) - _synced(portal) >= MAX_AGE


def _synced(portal: Portal) -> datetime:
    """When the details were last read (the epoch when never)."""
    synced = portal.account_synced_at
    if synced is None:
        return EPOCH
    return synced if synced.tzinfo else synced.replace(tzinfo=UTC)


def refresh(runtime, portal_id: int) -> Portal | None:
    """Read one portal's details with its stored tokens and save them; None if not installed."""
    portal = portals.get_portal(runtime.db, portal_id)
    if portal is None:
        return None
    details = runtime.hubspot_client(portal_id).account_details()
    # Re-read: the token refresh above may have saved the row meanwhile.
    portal = portals.get_portal(runtime.db, portal_id) or portal
    return save(runtime.db, apply(portal, details))


def refresh_if_stale(runtime, portal_id: int) -> bool:
    """Refresh a portal's details when a day old; failures are logged, never raised.

    Each process remembers until when a portal's details are fresh, so inline executions
    read the portal row for this only once they may be stale, not on every delivery.
    """
    fresh_until = runtime.details_fresh_until
    if utcnow() < fresh_until.get(portal_id, EPOCH):
        return False
    portal = portals.get_portal(runtime.db, portal_id)
    if portal is None:
        return False
    if not stale(portal):
        fresh_until[portal_id] = _synced(portal) + MAX_AGE
        return False
    try:
        refresh(runtime, portal_id)
    except (HubSpotError, Unavailable, ActionFailed) as exc:
        log.warning("account details of portal %s not refreshed: %s", portal_id, exc)
        return False
    return True


def refresh_all_stale(runtime) -> dict[str, int]:
    """Refresh every portal whose details are a day old: {'refreshed': n, 'failed': n}."""
    counts = {"refreshed": 0, "failed": 0}
    for portal_id in portals.portal_ids(runtime.db):
        portal = portals.get_portal(runtime.db, portal_id)
        if portal is None or not stale(portal):
            continue
        key = "refreshed" if refresh_if_stale(runtime, portal_id) else "failed"
        counts[key] += 1
    return counts
