"""The runtime an execution runs in: settings, database, cipher and API client factories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clients.hubspot import HubSpotClient
from clients.quickbooks import QuickBooksClient
from clients.tokens import HubSpotTokens, QuickBooksTokens
from clients.transport import StaticToken
from settings import Settings
from store import Database, Portal, QuickBooksConnection
from store.cipher import TokenCipher


@dataclass
class Runtime:
    """Shared by request handlers and queue workers; built once per app."""

    settings: Settings
    db: Database
    cipher: TokenCipher
    # Hooks others plug in (rate limits, metrics); keep the defaults inert.
    quickbooks_budget: Any = None
    hubspot_budget: Any = None
    outcome_observers: list = field(default_factory=list)
    # Told about every outbound API call (metrics); called like a client's on_call.
    call_observers: list = field(default_factory=list)
    # Set in queue mode (REDIS_URL): something with enqueue(execution_id).
    queue: Any = None
    # Extra readiness checks by name (e.g. "redis"), each raising when unhealthy.
    readiness_probes: dict = field(default_factory=dict)
    # HubSpot reads a queue worker made in batch for a chunk of executions, taken by each
    # execution's read (actions/prefetch.py makes it on first use).
    prefetched: Any = None
    # Inline mode: budget admission and the gathering of HubSpot reads (made on first use).
    admission: Any = None
    gatherer: Any = None
    # Until when each portal's account details are known fresh (accounts/details.py).
    details_fresh_until: dict = field(default_factory=dict)

    def hubspot_client(self, portal_id: int, on_call=None, portal: Portal | None = None
                       ) -> HubSpotClient:
        """A HubSpot client for one portal (static token or the installed portal's tokens;
        ``portal``, when the caller just read the row, saves reading it again)."""
        s = self.settings
        if s.hubspot_access_token and str(portal_id) == str(s.hubspot_portal_id or portal_id):
            tokens = StaticToken(s.hubspot_access_token)
        else:
            tokens = HubSpotTokens(self.db, self.cipher, portal_id, s, row=portal)
        before = self.hubspot_budget.for_portal(portal_id) if self.hubspot_budget else None
        return HubSpotClient(
            s.hubspot_api_base, tokens, timeout=s.http_timeout_seconds,
            version=s.hubspot_api_version, on_call=self.observed(_observed(on_call, before)),
            before_request=before, **self.client_tuning(),
        )  # fmt: skip

    def quickbooks_client(self, connection: QuickBooksConnection, on_call=None) -> QuickBooksClient:
        """A QuickBooks client for one of a portal's companies (the connection row as just read
        gives the first call its token)."""
        tokens = QuickBooksTokens(self.db, self.cipher, connection.id, self.settings,
                                  row=connection)  # fmt: skip
        return self.quickbooks_client_with(connection.realm_id, tokens, on_call)

    def quickbooks_client_with(self, realm_id: str, tokens, on_call=None) -> QuickBooksClient:
        """A QuickBooks client for a realm with these tokens, inside the realm's budget.

        Every call to a realm goes through here (connecting a company too), so the budget
        counts all of them and QuickBooks' own throttle is never reached.
        """
        s = self.settings
        before = self.quickbooks_budget.for_realm(realm_id) if self.quickbooks_budget else None
        return QuickBooksClient(
            s.quickbooks_api_base, realm_id, tokens, minor_version=s.quickbooks_minor_version,
            timeout=s.http_timeout_seconds, on_call=self.observed(_observed(on_call, before)),
            before_request=before,
            **self.client_tuning(),
        )  # fmt: skip

    def client_tuning(self) -> dict:
        """Retry tuning (tests shorten the backoff)."""
        return {
            "attempts": self.settings.client_attempts,
            "backoff": self.settings.client_backoff,
        }

    def observed(self, on_call):
        """A client's on_call that also tells the app-wide call observers."""
        listeners = [c for c in (on_call, *self.call_observers) if c is not None]
        if not listeners:
            return None

        def record(**call) -> None:
            for listener in listeners:
                listener(**call)

        return record

    def observe_outcome(self, execution, outcome) -> None:
        """Tell observers (metrics, logs) how an execution ended."""
        for observer in self.outcome_observers:
            observer(execution, outcome)


def _observed(on_call, gate):
    """Let a budget gate see every call's answer too (a 429 pauses the company or portal)."""
    observe = getattr(gate, "observe", None)
    if observe is None:
        return on_call
    if on_call is None:
        return observe

    def both(**call) -> None:
        observe(**call)
        on_call(**call)

    return both
