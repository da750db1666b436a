"""HubSpot's custom action definitions API on the dated version (reference §1.3, §9.2)."""

from __future__ import annotations

from typing import Any

from clients.hubspot import HubSpotError, _error, _next_after
from clients.hubspot_routes import DEFAULT_VERSION, HubSpotRoutes
from clients.transport import Transport, dumps, loads


class DefinitionsRefused(HubSpotError):
    """401/403 from the definitions API: the credential is not one it accepts."""


class DefinitionsClient:
    """Manages the app's workflow action definitions on the dated API.

    On 2026-03 the definitions API takes a Bearer credential with ``developers-write``
    (reference §1.3, §9.2); HUBSPOT_DEVELOPER_API_KEY holds it (a developer API key or such
    a token), never as a ``hapikey`` query parameter.
    """

    def __init__(self, base_url: str, app_id: str, developer_api_key: str, *,
                 timeout: float = 30.0, session=None, version: str = DEFAULT_VERSION):
        self.routes = HubSpotRoutes(version)
        self.base = base_url.rstrip("/") + self.routes.definitions(app_id)
        self.path = self.routes.definitions(app_id)
        self.key = developer_api_key
        self.transport = Transport("hubspot", timeout=timeout, session=session)

    def list(self) -> list[dict]:
        """Every definition of the app (all pages)."""
        found: list[dict] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            body = self._call("GET", "", params=params)
            found.extend(body.get("results", []))
            after = _next_after(body)
            if not after:
                return found
            params["after"] = after

    def create(self, definition: dict) -> dict:
        """Create a definition."""
        return self._call("POST", "", json_body=definition)

    def update(self, definition_id: str, definition: dict) -> dict:
        """Update a definition in place."""
        return self._call("PATCH", f"/{definition_id}", json_body=definition)

    def _call(self, method: str, path: str, *, params: dict | None = None,
              json_body: Any = None) -> dict:
        """One call with the credential as a Bearer token."""
        response = self.transport.send(
            method, self.base + path, log_path=self.path + path, params=params or None,
            data=dumps(json_body).encode() if json_body is not None else None,
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": f"Bearer {self.key}"},
        )  # fmt: skip
        if response.status_code in (401, 403):
            error = _error(response)
            raise DefinitionsRefused(error.status, error.message, error.category,
                                     error.correlation_id)  # fmt: skip
        if response.status_code >= 400:
            raise _error(response)
        return loads(response.text) if response.text else {}
