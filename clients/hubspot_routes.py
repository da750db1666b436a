"""Every HubSpot API path the product calls, built from one date version (SPEC §9).

HubSpot's numbered APIs (`/crm/v3`, `/crm/v4`, `/automation/v4`, `/oauth/v1`, `/account-info/v3`)
are retired in 2027; the dated forms below are reference §9.2's map. Nothing else in the
product spells a HubSpot API path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

DEFAULT_VERSION = "2026-03"
# Prefixes of the retired numbered APIs; tests assert no call goes to one.
RETIRED_PREFIXES = ("/crm/v3", "/crm/v4", "/automation/v4", "/oauth/v1", "/account-info/v3")


def _id(value) -> str:
    return quote(str(value), safe="")


@dataclass(frozen=True)
class HubSpotRoutes:
    """The paths of one API version (e.g. ``2026-03``)."""

    version: str = DEFAULT_VERSION

    # --- CRM objects and associations ------------------------------------------------------

    def object(self, object_type: str, object_id) -> str:
        """Read one record."""
        return f"/crm/objects/{self.version}/{object_type}/{_id(object_id)}"

    def batch_read(self, object_type: str) -> str:
        """Read up to 100 records."""
        return f"/crm/objects/{self.version}/{object_type}/batch/read"

    def associations(self, from_type: str, object_id, to_type: str) -> str:
        """One record's associated records of a type (paged with limit/after)."""
        return f"/crm/objects/{self.version}/{from_type}/{_id(object_id)}/associations/{to_type}"

    def batch_associations(self, from_type: str, to_type: str) -> str:
        """Associations of many records of a type."""
        return f"/crm/associations/{self.version}/{from_type}/{to_type}/batch/read"

    def batch_update(self, object_type: str) -> str:
        """Update up to 100 records' properties."""
        return f"/crm/objects/{self.version}/{object_type}/batch/update"

    # --- properties (status write-back, reference §10.5) -----------------------------------

    def properties(self, object_type: str) -> str:
        """An object type's property definitions (list, create)."""
        return f"/crm/properties/{self.version}/{object_type}"

    def property_groups(self, object_type: str) -> str:
        """An object type's property groups (list, create)."""
        return f"/crm/properties/{self.version}/{object_type}/groups"

    # --- workflow actions ------------------------------------------------------------------

    def callback(self, callback_id: str) -> str:
        """Complete one blocked execution."""
        return f"/automation/actions/callbacks/{self.version}/{_id(callback_id)}/complete"

    def callbacks(self) -> str:
        """Complete several blocked executions."""
        return f"/automation/actions/callbacks/{self.version}/complete"

    def definitions(self, app_id) -> str:
        """An app's custom action definitions."""
        return f"/automation/actions/{self.version}/{_id(app_id)}"

    # --- OAuth and the account -------------------------------------------------------------

    def token(self) -> str:
        """Authorization-code exchange and refresh."""
        return f"/oauth/{self.version}/token"

    def introspect(self) -> str:
        """What a token is: portal (hub_id), app, scopes."""
        return f"/oauth/{self.version}/token/introspect"

    def revoke(self) -> str:
        """Revoke a refresh or access token."""
        return f"/oauth/{self.version}/token/revoke"

    def account_details(self) -> str:
        """The portal's id, time zone, company currency and UI domain."""
        return f"/account-info/{self.version}/details"


def routes_of(settings) -> HubSpotRoutes:
    """The routes of the version HUBSPOT_API_VERSION names."""
    return HubSpotRoutes(getattr(settings, "hubspot_api_version", "") or DEFAULT_VERSION)
