"""Token upkeep: refresh QuickBooks authorizations before their refresh token expires (§8).

Intuit's refresh token lives about 100 days and each refresh may rotate it. A company with no
executions for months would lose it, so `flask --app app connections refresh` (cron in inline
mode; daily in every queue worker's maintenance) refreshes those expiring within 30 days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from clients.tokens import QuickBooksTokens
from clients.transport import Unavailable
from failures import ActionFailed
from store import companies, utcnow
from store.upkeep import connections_expiring

log = logging.getLogger(__name__)

REFRESH_WITHIN = timedelta(days=30)


@dataclass
class Refreshed:
    """What happened to one connection."""

    realm_id: str
    portal_id: int
    ok: bool
    detail: str


def refresh_expiring(runtime, within: timedelta = REFRESH_WITHIN) -> list[Refreshed]:
    """Refresh every connected company whose refresh token expires within ``within``."""
    results = []
    for row in connections_expiring(runtime.db, utcnow() + within):
        tokens = QuickBooksTokens(runtime.db, runtime.cipher, row.id, runtime.settings)
        try:
            tokens.refresh_now()
        except (ActionFailed, Unavailable) as exc:  # marked reconnect required, or try tomorrow
            log.warning("token upkeep for realm %s failed: %s", row.realm_id, exc)
            results.append(Refreshed(row.realm_id, row.portal_id, False, str(exc)))
            continue
        fresh = companies.get_connection(runtime.db, row.portal_id, row.realm_id)
        until = fresh.refresh_expires_at if fresh else None
        results.append(Refreshed(row.realm_id, row.portal_id, True,
                                 f"authorization valid until {until:%Y-%m-%d}" if until else ""))
    return results
