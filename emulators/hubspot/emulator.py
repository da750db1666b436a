"""The HubSpot emulator: every portal, credential, definition and recorded call behind one lock."""

from __future__ import annotations

import copy
import itertools
import threading
from dataclasses import dataclass

from emulators.clock import Clock

from .app import create_app
from .catalog import OBJECT_TYPES
from .faults import Faults
from .ratelimit import RollingWindow
from .state import Config, Portal
from .tokens import TokenStore, token_response

# What a token gets when a test doesn't say: every read scope the product needs (§5.4).
DEFAULT_SCOPES = ("oauth", "automation", "tax_rates.read",
                  *(t.scopes[0] for t in OBJECT_TYPES))


@dataclass
class PendingCallback:
    """A callbackId the workflow driver sent and HubSpot is waiting on."""

    callback_id: str
    portal_id: int
    completed: bool = False


class HubSpotEmulator:
    """HubSpot's OAuth, CRM, associations, callbacks and action-definition APIs in one process."""

    def __init__(self, client_id: str = "hs-client", client_secret: str = "hs-secret",
                 app_id: int = 424242, developer_api_key: str = "dev-key",
                 clock: Clock | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_id = int(app_id)
        self.developer_api_key = developer_api_key
        self.reset(clock)
        self.app = create_app(self)

    def reset(self, clock: Clock | None = None) -> None:
        """Forget every portal, token, definition, fault and call, as if new; the app stays."""
        # One re-entrant lock guards all state; the parts below share it.
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.config = Config()
        self.faults = Faults(self.lock)
        self.tokens = TokenStore(self.lock, self.clock, self.config, self.client_id)
        self.limiter = RollingWindow(self.lock)
        self.search_limiter = RollingWindow(self.lock)
        self.portals: dict[int, Portal] = {}
        self._ids = itertools.count(10_000_000_001)
        self._calls: list[dict] = []
        self._completions: list[dict] = []
        self._callbacks: dict[str, PendingCallback] = {}
        self._definitions: dict[int, dict[str, dict]] = {self.app_id: {}}
        self._definition_ids = itertools.count(10_646_377)
        # (portal, object type) -> custom property groups and definitions (properties API).
        self.property_schemas: dict[tuple[int, str], dict] = {}

    # -- portals and credentials -------------------------------------------------------------

    def add_portal(self, portal_id: int, name: str = "Demo Co", currency: str = "USD",
                   currencies: list[str] | None = None) -> Portal:
        """Create a HubSpot account (portal) with a home currency and optional extra ones."""
        portal = Portal(portal_id, name, currency, currencies or [], lock=self.lock,
                        clock=self.clock, next_id=self._next_id)
        with self.lock:
            if portal.portal_id in self.portals:
                raise ValueError(f"portal {portal_id} already exists")
            self.portals[portal.portal_id] = portal
        return portal

    def portal(self, portal_id: int) -> Portal:
        """The portal with this id; KeyError when unknown."""
        with self.lock:
            return self.portals[int(portal_id)]

    def issue_tokens(self, portal_id: int, scopes: list[str] | None = None) -> dict:
        """Mint a token pair as if the app had been installed, skipping the browser flow."""
        self.portal(portal_id)
        access, refresh = self.tokens.issue_pair(int(portal_id), list(scopes or DEFAULT_SCOPES))
        return token_response(self.tokens, access, refresh)

    def add_static_token(self, portal_id: int, token: str,
                         scopes: list[str] | None = None) -> None:
        """Register a private-app token for a portal (never expires)."""
        self.portal(portal_id)
        self.tokens.add_static(int(portal_id), token, list(scopes or DEFAULT_SCOPES))

    # -- what the emulator saw ---------------------------------------------------------------

    @property
    def calls(self) -> list[dict]:
        """Every API request received so far (control requests excluded)."""
        with self.lock:
            return copy.deepcopy(self._calls)

    @property
    def completions(self) -> list[dict]:
        """Every callback completion received so far."""
        with self.lock:
            return copy.deepcopy(self._completions)

    def reset_calls(self) -> None:
        """Forget the recorded calls (completions stay)."""
        with self.lock:
            self._calls.clear()

    def record_call(self, call: dict) -> None:
        """Append one request to `calls`."""
        with self.lock:
            self._calls.append(call)

    # -- callbacks ---------------------------------------------------------------------------

    def register_callback(self, callback_id: str, portal_id: int) -> None:
        """Note a callbackId HubSpot sent and now waits on (the workflow driver calls this)."""
        with self.lock:
            self._callbacks[callback_id] = PendingCallback(callback_id, int(portal_id))

    def awaiting(self, callback_id: str) -> bool:
        """True once a callbackId was answered BLOCK and until it is completed."""
        with self.lock:
            pending = self._callbacks.get(callback_id)
            return pending is not None and not pending.completed

    def record_completion(self, completion: dict, portal_id: int) -> dict:
        """Store one callback completion, marking whether the callbackId was one we sent."""
        with self.lock:
            pending = self._callbacks.get(completion["callbackId"])
            entry = dict(completion)
            entry["known"] = pending is not None and pending.portal_id == portal_id
            entry["duplicate"] = bool(pending and pending.completed)
            entry["portal_id"] = portal_id
            entry["at"] = self.clock.now()
            if entry["known"]:
                pending.completed = True
            self._completions.append(entry)
            return entry

    def completion(self, callback_id: str) -> dict | None:
        """The first completion received for a callbackId, or None."""
        with self.lock:
            found = next((c for c in self._completions if c["callbackId"] == callback_id), None)
            return copy.deepcopy(found)

    # -- action definitions ------------------------------------------------------------------

    def definitions(self, app_id: int, archived: bool = False) -> list[dict]:
        """The stored action definitions of an app (live ones unless archived=True)."""
        with self.lock:
            stored = self._definitions.get(int(app_id), {})
            return [copy.deepcopy(d) for d in stored.values()
                    if bool(d.get("archived")) == archived]

    def definition_store(self, app_id: int) -> dict[str, dict] | None:
        """The live dict of an app's definitions (callers hold `lock`); None for other apps."""
        return self._definitions.get(int(app_id))

    def new_definition_id(self) -> str:
        """A fresh definition id (HubSpot returns ids as strings)."""
        with self.lock:
            return str(next(self._definition_ids))

    def _next_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

