"""The HubSpot API client: CRM reads, associations, callback completion, definitions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from clients.transport import (
    BeforeRequest,
    OnCall,
    TokenSource,
    Transport,
    dumps,
    loads,
)

BATCH_READ_LIMIT = 100
ASSOCIATION_BATCH_LIMIT = 1000


class HubSpotError(Exception):
    """A HubSpot error answer, with its status, category and message."""

    def __init__(self, status: int, message: str, category: str = "", correlation_id: str = ""):
        super().__init__(f"HubSpot {status} {category}: {message}".strip())
        self.status = status
        self.message = message
        self.category = category
        self.correlation_id = correlation_id


class HubSpotRateLimited(HubSpotError):
    """429: the portal's burst budget is spent; wait for the interval."""

    def __init__(self, *args, retry_after: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class HubSpotNotFound(HubSpotError):
    """404: the object does not exist (or was archived)."""


def _error(response) -> HubSpotError:
    """The typed error for a non-2xx answer."""
    try:
        body = loads(response.text) if response.text else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    args = (
        response.status_code,
        str(body.get("message") or response.reason or "error"),
        str(body.get("category") or body.get("errorType") or ""),
        str(body.get("correlationId") or ""),
    )
    if response.status_code == 429:
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        retry = response.headers.get("Retry-After")
        wait = float(retry) if retry and retry.isdigit() else (
            int(interval) / 1000 if interval and interval.isdigit() else 10.0
        )
        return HubSpotRateLimited(*args, retry_after=wait)
    if response.status_code == 404:
        return HubSpotNotFound(*args)
    return HubSpotError(*args)


class HubSpotClient:
    """Calls the HubSpot API for one portal with a token source."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        timeout: float = 30.0,
        on_call: OnCall | None = None,
        before_request: BeforeRequest | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        session=None,
    ):
        self.base = base_url.rstrip("/")
        self.tokens = tokens
        self.transport = Transport(
            "hubspot", timeout=timeout, session=session, on_call=on_call,
            before_request=before_request, attempts=attempts, backoff=backoff,
        )  # fmt: skip

    # --- CRM -----------------------------------------------------------------------------

    def get_object(
        self, object_type: str, object_id: str, properties: list[str] | tuple[str, ...] = (),
        associations: list[str] | tuple[str, ...] = (),
    ) -> dict:
        """Read one record with the given properties (and associated ids)."""
        params = {}
        if properties:
            params["properties"] = ",".join(properties)
        if associations:
            params["associations"] = ",".join(associations)
        return self._call(
            "GET", f"/crm/v3/objects/{object_type}/{quote(str(object_id))}", params=params
        )

    def batch_read(
        self, object_type: str, ids: list[str], properties: list[str] | tuple[str, ...]
    ) -> list[dict]:
        """Read many records (100 per request); missing ids are left out."""
        results: list[dict] = []
        unique = list(dict.fromkeys(str(i) for i in ids))
        for start in range(0, len(unique), BATCH_READ_LIMIT):
            chunk = unique[start : start + BATCH_READ_LIMIT]
            body = self._call(
                "POST",
                f"/crm/v3/objects/{object_type}/batch/read",
                json_body={"properties": list(properties), "inputs": [{"id": i} for i in chunk]},
            )
            results.extend(body.get("results", []))
        order = {oid: n for n, oid in enumerate(unique)}
        return sorted(results, key=lambda r: order.get(str(r.get("id")), len(order)))

    def associations(self, from_type: str, object_id: str, to_type: str) -> list[dict]:
        """Associated records of one type: [{toObjectId, associationTypes}], all pages."""
        found: list[dict] = []
        params: dict[str, Any] = {"limit": 500}
        while True:
            body = self._call(
                "GET",
                f"/crm/v4/objects/{from_type}/{quote(str(object_id))}/associations/{to_type}",
                params=params,
            )
            found.extend(body.get("results", []))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return found
            params["after"] = after

    def batch_associations(
        self, from_type: str, to_type: str, ids: list[str]
    ) -> dict[str, list[dict]]:
        """Associations of many records in one call per 1,000: {fromId: [to...]}."""
        out: dict[str, list[dict]] = {str(i): [] for i in ids}
        for start in range(0, len(ids), ASSOCIATION_BATCH_LIMIT):
            chunk = ids[start : start + ASSOCIATION_BATCH_LIMIT]
            body = self._call(
                "POST",
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                json_body={"inputs": [{"id": str(i)} for i in chunk]},
            )
            for result in body.get("results", []):
                out[str(result["from"]["id"])] = result.get("to", [])
        return out

    # --- status write-back (SPEC §10; 2026-03 paths) -----------------------------------------

    def dated_associations(self, from_type: str, object_id: str, to_type: str) -> list[str]:
        """Ids of a record's associated records of one type, all pages (2026-03)."""
        found: list[str] = []
        params: dict[str, Any] = {"limit": 500}
        path = f"/crm/objects/2026-03/{from_type}/{quote(str(object_id))}/associations/{to_type}"
        while True:
            body = self._call("GET", path, params=params)
            found.extend(str(r.get("toObjectId")) for r in body.get("results", []))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return found
            params["after"] = after

    def batch_update(self, object_type: str, inputs: list[dict]) -> list[dict]:
        """Update records, 100 per call: inputs are {id, properties}."""
        results: list[dict] = []
        for start in range(0, len(inputs), BATCH_READ_LIMIT):
            body = self._call("POST", f"/crm/objects/2026-03/{object_type}/batch/update",
                              json_body={"inputs": inputs[start : start + BATCH_READ_LIMIT]})
            results.extend(body.get("results", []))
        return results

    def property_group(self, object_type: str, name: str) -> dict | None:
        """A property group, or None when it does not exist (read from the list: no 404)."""
        body = self._call("GET", f"/crm/properties/2026-03/{object_type}/groups")
        return next((g for g in body.get("results", []) if g.get("name") == name), None)

    def create_property_group(self, object_type: str, group: dict) -> dict:
        """Create a property group ({name, label, displayOrder})."""
        return self._call("POST", f"/crm/properties/2026-03/{object_type}/groups",
                          json_body=group)

    def property_names(self, object_type: str) -> set[str]:
        """Names of the properties defined on an object type."""
        body = self._call("GET", f"/crm/properties/2026-03/{object_type}")
        return {str(p.get("name")) for p in body.get("results", [])}

    def create_property(self, object_type: str, definition: dict) -> dict:
        """Create one property."""
        return self._call("POST", f"/crm/properties/2026-03/{object_type}",
                          json_body=definition)

    # --- workflow callbacks --------------------------------------------------------------

    def complete_callback(self, callback_id: str, output_fields: dict[str, str]) -> None:
        """Complete a BLOCKed execution (typedOutputs is required by HubSpot's schema)."""
        self._call(
            "POST",
            f"/automation/v4/actions/callbacks/{quote(callback_id)}/complete",
            json_body={"outputFields": output_fields, "typedOutputs": {}},
        )

    def complete_callbacks(self, completions: list[tuple[str, dict[str, str]]]) -> None:
        """Complete several BLOCKed executions in one call."""
        self._call(
            "POST",
            "/automation/v4/actions/callbacks/complete",
            json_body={
                "inputs": [
                    {"callbackId": cid, "outputFields": out, "typedOutputs": {}}
                    for cid, out in completions
                ]
            },
        )

    # --- transport -----------------------------------------------------------------------

    def _call(self, method: str, path: str, *, params: dict | None = None,
              json_body: Any = None) -> dict:
        """One call: refresh once on 401, typed errors otherwise."""
        token = self.tokens.access_token()
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if json_body is not None:
                headers["Content-Type"] = "application/json"
            response = self.transport.send(
                method, self.base + path, log_path=path, params=params or None,
                data=dumps(json_body).encode() if json_body is not None else None,
                headers=headers,
            )  # fmt: skip
            if response.status_code == 401 and attempt == 1:
                token = self.tokens.refresh(token)
                continue
            break
        if response.status_code >= 400:
            raise _error(response)
        return loads(response.text) if response.text else {}


class DefinitionsClient:
    """Manages the app's workflow action definitions (developer API key auth)."""

    def __init__(self, base_url: str, app_id: str, developer_api_key: str, *,
                 timeout: float = 30.0, session=None):
        self.base = f"{base_url.rstrip('/')}/automation/v4/actions/{app_id}"
        self.key = developer_api_key
        self.transport = Transport("hubspot", timeout=timeout, session=session)

    def list(self) -> list[dict]:
        """Every definition of the app (all pages)."""
        found: list[dict] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            body = self._call("GET", "", params=params)
            found.extend(body.get("results", []))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return found
            params["after"] = after

    def create(self, definition: dict) -> dict:
        """Create a definition."""
        return self._call("POST", "", json_body=definition)

    def update(self, definition_id: str, definition: dict) -> dict:
        """Update a definition in place."""
        return self._call("PATCH", f"/{quote(str(definition_id))}", json_body=definition)

    def _call(self, method: str, path: str, *, params: dict | None = None,
              json_body: Any = None) -> dict:
        """One call with the developer key as hapikey."""
        response = self.transport.send(
            method, self.base + path, log_path=path or "/",
            params={"hapikey": self.key, **(params or {})},
            data=dumps(json_body).encode() if json_body is not None else None,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )  # fmt: skip
        if response.status_code >= 400:
            raise _error(response)
        return loads(response.text) if response.text else {}
