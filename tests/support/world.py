"""A portal wired to both emulators: the fixture end-to-end tests drive."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import timedelta

import store
from emulators.hubspot import HubSpotEmulator
from emulators.quickbooks import QuickBooksEmulator
from store import Portal, QuickBooksConnection, utcnow

PORTAL_ID = 1000001
US_REALM = "9130350000000001"
_callbacks = itertools.count(1)


@dataclass
class World:
    """The app under test, both emulators, one portal and its QuickBooks companies."""

    app: object
    runtime: object
    hubspot: HubSpotEmulator
    quickbooks: QuickBooksEmulator
    portal_id: int = PORTAL_ID
    connections: dict[str, QuickBooksConnection] = field(default_factory=dict)

    @property
    def portal(self):
        """The HubSpot emulator's portal."""
        return self.hubspot.portals[self.portal_id]

    def install_portal(self, portal_id: int | None = None) -> Portal:
        """Store HubSpot tokens for a portal as if the app had been installed."""
        portal_id = portal_id or self.portal_id
        if portal_id not in self.hubspot.portals:
            self.hubspot.add_portal(portal_id=portal_id, name=f"Portal {portal_id}")
        tokens = self.hubspot.issue_tokens(portal_id)
        cipher = self.runtime.cipher
        return store.save(self.runtime.db, Portal(
            id=portal_id, name=f"Portal {portal_id}",
            access_token=cipher.encrypt(tokens["access_token"]),
            refresh_token=cipher.encrypt(tokens["refresh_token"]),
            token_expires_at=utcnow() + timedelta(seconds=int(tokens.get("expires_in", 1800))),
            # An install reads the account details; a day later they are read again.
            time_zone="US/Eastern", company_currency="USD", ui_domain="app.hubspot.com",
            account_synced_at=utcnow(),
        ))  # fmt: skip

    def connect_company(self, realm_id: str = US_REALM, *, country: str = "US",
                        currency: str = "USD", multicurrency: bool = False,
                        name: str | None = None, portal_id: int | None = None,
                        custom_txn_numbers: bool = False, class_tracking: str = "",
                        track_locations: bool = False):
        """Create a QuickBooks company in the emulator and connect it to a portal."""
        portal_id = portal_id or self.portal_id
        if realm_id not in self.quickbooks.companies:
            self.quickbooks.add_company(
                realm_id=realm_id, name=name or f"Company {realm_id}", country=country,
                home_currency=currency, multicurrency=multicurrency,
                custom_txn_numbers=custom_txn_numbers,
            )  # fmt: skip
            company = self.quickbooks.companies[realm_id]
            company.class_tracking = class_tracking
            company.track_departments = track_locations
        tokens = self.quickbooks.issue_tokens(realm_id)
        cipher = self.runtime.cipher
        row = store.save(self.runtime.db, QuickBooksConnection(
            portal_id=portal_id, realm_id=realm_id, company_name=name or f"Company {realm_id}",
            country=country, home_currency=currency, multicurrency=multicurrency,
            tax_mode="automated" if country == "US" else "codes",
            custom_txn_numbers=custom_txn_numbers, class_tracking=class_tracking,
            track_locations=track_locations,
            access_token=cipher.encrypt(tokens["access_token"]),
            refresh_token=cipher.encrypt(tokens["refresh_token"]),
            access_expires_at=utcnow() + timedelta(seconds=int(tokens.get("expires_in", 3600))),
        ))  # fmt: skip
        self.connections[realm_id] = row
        return self.quickbooks.companies[realm_id]

    def execute(self, slug: str, object_type: str, object_id, inputs: dict | None = None,
                *, callback_id: str | None = None, properties: dict | None = None,
                portal_id: int | None = None):
        """POST a signed execution of an action to the app, as HubSpot does."""
        from tests.support.signing import execution_payload, signed_headers

        portal_id = portal_id or self.portal_id
        path_type = {"DEAL": "deals", "QUOTE": "quotes", "COMMERCE_PAYMENT": "commerce_payments",
                     "0-3": "deals", "0-14": "quotes", "0-101": "commerce_payments"}[object_type]
        if properties is None:
            record = self.hubspot.portals[portal_id].get(path_type, str(object_id))
            properties = {k: v for k, v in record.items() if v is not None}
        payload = execution_payload(
            callback_id=callback_id or f"ap-{portal_id}-{next(_callbacks)}-0",
            portal_id=portal_id, object_type=object_type, object_id=int(object_id),
            inputs=inputs or {}, properties=properties,
        )  # fmt: skip
        body = json.dumps(payload).encode()
        path = f"/hubspot/actions/{slug}"
        with self.app.test_client() as client:
            return client.post(path, data=body, headers=signed_headers(path, body))
