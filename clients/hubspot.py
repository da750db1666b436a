"""The HubSpot API client: CRM reads, associations, callback completion, definitions, account.

Every path comes from clients.hubspot_routes (the 2026-03 date-versioned APIs, SPEC §9).
"""

from __future__ import annotations

from typing import Any

from clients.hubspot_routes import DEFAULT_VERSION, HubSpotRoutes
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
ASSOCIATION_PAGE_LIMIT = 500  # the association list's default and largest page
# An object read lists at most this many associated ids per type before paging them.
EMBEDDED_ASSOCIATIONS = 100


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


class HubSpotBusy(HubSpotRateLimited):
    """423 (locked: wait at least 2 s) or 477 (portal migrating: its Retry-After): transient."""


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
    if response.status_code in (423, 477):
        retry = response.headers.get("Retry-After")
        wait = float(retry) if retry and retry.isdigit() else 60.0 * (response.status_code == 477)
        return HubSpotBusy(*args, retry_after=max(2.0, wait))
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
        version: str = DEFAULT_VERSION,
    ):
        self.base = base_url.rstrip("/")
        self.routes = HubSpotRoutes(version)
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
        """Read one record with the given properties and the ids of every associated record.

        An object read lists a limited page of associated ids per type; a type with more
        (``paging.next``, or a full page) is read to the end with the association list.
        """
        params = {}
        if properties:
            params["properties"] = ",".join(properties)
        if associations:
            params["associations"] = ",".join(associations)
        body = self._call("GET", self.routes.object(object_type, object_id), params=params)
        for key, block in (body.get("associations") or {}).items():
            if isinstance(block, dict) and _incomplete(block):
                to_type = _association_type(key, associations)
                block["results"] = _completed(
                    block.get("results") or [], self.associations(object_type, object_id, to_type)
                )
                block.pop("paging", None)
        return body

    def batch_read(
        self, object_type: str, ids: list[str], properties: list[str] | tuple[str, ...]
    ) -> list[dict]:
        """Read many records (100 per request); missing ids (a 207's errors) are left out."""
        results: list[dict] = []
        unique = list(dict.fromkeys(str(i) for i in ids))
        for start in range(0, len(unique), BATCH_READ_LIMIT):
            chunk = unique[start : start + BATCH_READ_LIMIT]
            body = self._call(
                "POST",
                self.routes.batch_read(object_type),
                # The 2026-03 schema requires propertiesWithHistory (reference §9.2).
                json_body={"properties": list(properties), "propertiesWithHistory": [],
                           "inputs": [{"id": i} for i in chunk]},
            )  # fmt: skip
            results.extend(body.get("results", []))
        order = {oid: n for n, oid in enumerate(unique)}
        return sorted(results, key=lambda r: order.get(str(r.get("id")), len(order)))

    def associations(self, from_type: str, object_id: str, to_type: str) -> list[dict]:
        """Associated records of one type: [{toObjectId, associationTypes}], all pages."""
        found: list[dict] = []
        params: dict[str, Any] = {"limit": ASSOCIATION_PAGE_LIMIT}
        while True:
            body = self._call(
                "GET", self.routes.associations(from_type, object_id, to_type), params=params
            )
            found.extend(body.get("results", []))
            after = _next_after(body)
            if not after:
                return found
            params["after"] = after

    def batch_associations(
        self, from_type: str, to_type: str, ids: list[str]
    ) -> dict[str, list[dict]]:
        """Associations of many records, every page: {fromId: [to...]}.

        A record with more associations than one page comes back with ``paging``; its id is
        sent again with ``after`` until it has none. Ids without associations are a 207's
        per-id errors and map to [].
        """
        out: dict[str, list[dict]] = {str(i): [] for i in ids}
        pending: list[dict] = [{"id": str(i)} for i in dict.fromkeys(str(i) for i in ids)]
        while pending:
            chunk, pending = pending[:ASSOCIATION_BATCH_LIMIT], pending[ASSOCIATION_BATCH_LIMIT:]
            body = self._call(
                "POST", self.routes.batch_associations(from_type, to_type),
                json_body={"inputs": chunk},
            )  # fmt: skip
            for result in body.get("results", []):
                from_id = str(result["from"]["id"])
                out.setdefault(from_id, []).extend(result.get("to", []))
                after = _next_after(result)
                if after:
                    pending.append({"id": from_id, "after": after})
        return out

    # --- status write-back (SPEC §10) --------------------------------------------------------

    def batch_update(self, object_type: str, inputs: list[dict]) -> list[dict]:
        """Update records, 100 per call: inputs are {id, properties}."""
        results: list[dict] = []
        for start in range(0, len(inputs), BATCH_READ_LIMIT):
            body = self._call("POST", self.routes.batch_update(object_type),
                              json_body={"inputs": inputs[start : start + BATCH_READ_LIMIT]})
            results.extend(body.get("results", []))
        return results

    def property_group(self, object_type: str, name: str) -> dict | None:
        """A property group, or None when it does not exist (read from the list: no 404)."""
        body = self._call("GET", self.routes.property_groups(object_type))
        return next((g for g in body.get("results", []) if g.get("name") == name), None)

    def create_property_group(self, object_type: str, group: dict) -> dict:
        """Create a property group ({name, label, displayOrder})."""
        return self._call("POST", self.routes.property_groups(object_type),
                          json_body=group)

    def property_names(self, object_type: str) -> set[str]:
        """Names of the properties defined on an object type."""
        body = self._call("GET", self.routes.properties(object_type))
        return {str(p.get("name")) for p in body.get("results", [])}

    def create_property(self, object_type: str, definition: dict) -> dict:
        """Create one property."""
        return self._call("POST", self.routes.properties(object_type),
                          json_body=definition)

    # --- workflow callbacks --------------------------------------------------------------

    def complete_callback(self, callback_id: str, output_fields: dict[str, str]) -> None:
        """Complete a BLOCKed execution (typedOutputs is required by HubSpot's schema)."""
        self._call(
            "POST",
            self.routes.callback(callback_id),
            json_body={"outputFields": output_fields, "typedOutputs": {}},
        )

    def complete_callbacks(self, completions: list[tuple[str, dict[str, str]]]) -> None:
        """Complete several BLOCKed executions in one call."""
        self._call(
            "POST",
            self.routes.callbacks(),
            json_body={
                "inputs": [
                    {"callbackId": cid, "outputFields": out, "typedOutputs": {}}
                    for cid, out in completions
                ]
            },
        )

    # --- the account ---------------------------------------------------------------------

    def account_details(self) -> dict:
        """portalId, timeZone, companyCurrency, uiDomain... of the token's portal (§10.4)."""
        return self._call("GET", self.routes.account_details())

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


def _next_after(body: dict) -> str | None:
    """The cursor of the next page, when HubSpot says there is one."""
    return ((body.get("paging") or {}).get("next") or {}).get("after")


def _incomplete(block: dict) -> bool:
    """An object read's association block that may not hold every associated id."""
    return bool(_next_after(block)) or len(block.get("results") or []) >= EMBEDDED_ASSOCIATIONS


def _association_type(key: str, requested) -> str:
    """The object type an association block is keyed by ("line items" is line_items)."""
    for name in requested:
        if key in (name, name.replace("_", " ")):
            return name
    return key.replace(" ", "_")


def _completed(entries: list[dict], listed: list[dict]) -> list[dict]:
    """The read's entries, then every listed id they lack (as {id, type})."""
    seen = {str(e.get("id")) for e in entries}
    more = [
        {"id": str(a["toObjectId"]), "type": ""}
        for a in listed if str(a.get("toObjectId")) not in seen
    ]  # fmt: skip
    return entries + list({e["id"]: e for e in more}.values())
