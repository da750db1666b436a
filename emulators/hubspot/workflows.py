"""HubSpot's side of custom workflow actions: signed executions, retries, BLOCK and callbacks.

`WorkflowDriver` builds the execution payload of §2.1 from a record stored in the emulator,
signs it (§4), POSTs it to the product's `/hubspot/actions/<slug>` and behaves as HubSpot does
with the answer (§3): 2xx done, 429 honour Retry-After and resend, 5xx or no answer resend with
backoff, BLOCK wait for the callbacks API.
"""

from __future__ import annotations

import itertools
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

from .catalog import object_type as resolve_object_type
from .signatures import signature_headers

if TYPE_CHECKING:
    from .emulator import HubSpotEmulator

USER_AGENT = "HubSpot Connect 2.0 (http://dev.hubspot.com/)"
# Execution ids in callbackIds; process-wide so two drivers never hand out the same callbackId.
_EXECUTIONS = itertools.count(56_776_413_549)


@dataclass
class Attempt:
    """One POST: its HTTP status (None when no answer came) and the wait before the next."""

    status: int | None
    error: str | None = None
    waited: float = 0.0


@dataclass
class Delivery:
    """What happened to one execution, as HubSpot's workflow history would see it."""

    callback_id: str
    payload: dict
    status: int | None = None  # the last HTTP status; None when the last attempt got no answer
    response_json: dict | None = None
    attempts: int = 0
    history: list[Attempt] = field(default_factory=list)
    output_fields: dict | None = None  # from the response, or from the callback completion
    state: str = "FAILED"  # SUCCESS | FAIL_CONTINUE | BLOCK (still waiting) | FAILED
    completion: dict | None = None
    exhausted: bool = False  # retries ran out on 429/5xx/no answer

    @property
    def succeeded(self) -> bool:
        """True when the action finished with SUCCESS."""
        return self.state == "SUCCESS"


@dataclass
class OptionsResult:
    """The answer to one options fetch."""

    payload: dict
    status: int | None
    response_json: dict | None
    error: str | None = None


@dataclass
class ActionOrigin:
    """Which definition an execution belongs to, and what it asks of the enrolled record."""

    definition_id: int
    version: int
    properties: list[str]


class WorkflowDriver:
    """Plays HubSpot's workflow engine against the product's action endpoints."""

    def __init__(self, emu: HubSpotEmulator, portal_id: int, server_url: str,
                 public_base_url: str | None = None, *, workflow_id: int | None = None,
                 max_attempts: int = 5, backoff_seconds: float = 1.0, backoff_cap: float = 30.0,
                 retry_after_cap: float = 60.0, request_timeout: float = 20.0,
                 poll_interval: float = 0.01, client_secret: str | None = None,
                 now: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.emu = emu
        self.portal_id = int(portal_id)
        self.server_url = server_url.rstrip("/")
        # HubSpot signs the URL it called, which behind a proxy is the public one.
        self.public_base_url = (public_base_url or server_url).rstrip("/")
        self.workflow_id = workflow_id or 192_814_114 + self.portal_id % 1000
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.request_timeout = request_timeout
        self.poll_interval = poll_interval
        self.client_secret = client_secret or emu.client_secret
        self.now = now
        self.sleep = sleep
        self._steps = itertools.count(1)

    # -- executions --------------------------------------------------------------------------

    def execute(self, slug: str, object_type: str, object_id: str | int,
                input_fields: dict, *, callback_id: str | None = None,
                properties: list[str] | None = None, signature: str = "v3",
                retry: bool = True, wait_for_callback: bool = False,
                callback_timeout: float = 5.0, object_type_format: str = "enum") -> Delivery:
        """Deliver one execution of an action for a record and follow it to its end."""
        payload = self.execution_payload(slug, object_type, object_id, input_fields,
                                         callback_id=callback_id, properties=properties,
                                         object_type_format=object_type_format)
        delivery = Delivery(callback_id=payload["callbackId"], payload=payload)
        path = f"/hubspot/actions/{slug}"
        attempts = self.max_attempts if retry else 1
        for number in range(1, attempts + 1):
            attempt = self._send(path, payload, signature)
            delivery.history.append(attempt.record)
            delivery.attempts = number
            delivery.status, delivery.response_json = attempt.status, attempt.json
            wait = self._retry_wait(attempt, number)
            if wait is None:
                break
            if number == attempts:
                delivery.exhausted = retry
                break
            attempt.record.waited = wait
            self.sleep(wait)
        self._settle(delivery, wait_for_callback, callback_timeout)
        return delivery

    def execution_payload(self, slug: str, object_type: str, object_id: str | int,
                          input_fields: dict, *, callback_id: str | None = None,
                          properties: list[str] | None = None,
                          object_type_format: str = "enum") -> dict:
        """The §2.1 payload for a stored record (raises KeyError if the record is unknown)."""
        t = resolve_object_type(object_type)
        if t is None:
            raise ValueError(f"unknown object type {object_type!r}")
        origin = self._origin(slug)
        stored = self.emu.portal(self.portal_id).get(t.name, str(object_id))
        wanted = origin.properties if properties is None else properties
        # HubSpot keeps no empty values, so empty properties are left out.
        values = {name: stored[name] for name in wanted if stored.get(name) not in (None, "")}
        return {
            "callbackId": callback_id or self.new_callback_id(),
            "origin": {"portalId": self.portal_id, "actionDefinitionId": origin.definition_id,
                       "actionDefinitionVersion": origin.version},
            "context": {"source": "WORKFLOWS", "workflowId": self.workflow_id},
            "object": {"objectId": int(object_id), "properties": values,
                       "objectType": t.type_id if object_type_format == "id" else t.enum},
            "inputFields": dict(input_fields),
        }

    def new_callback_id(self) -> str:
        """A fresh callbackId shaped like HubSpot's (ap-<portal>-<execution>-<step>-<n>)."""
        return f"ap-{self.portal_id}-{next(_EXECUTIONS)}-{next(self._steps)}-0"

    # -- options -----------------------------------------------------------------------------

    def fetch_options(self, field_name: str, input_fields: dict, q: str | None = None,
                      after: str | None = None, *, object_type_id: str = "0-3",
                      signature: str = "v3") -> OptionsResult:
        """Ask the product for a dropdown's options with the §2.2 payload."""
        origin = self._origin_for_field(field_name)
        typed = {name: value if isinstance(value, dict) and "type" in value
                 else {"type": "STATIC_VALUE", "value": value}
                 for name, value in input_fields.items()}
        payload: dict = {
            "origin": {"portalId": self.portal_id, "actionDefinitionId": origin.definition_id,
                       "actionDefinitionVersion": origin.version},
            "objectTypeId": object_type_id, "inputFieldName": field_name, "inputFields": typed}
        fetch = {key: value for key, value in (("q", q), ("after", after)) if value is not None}
        if fetch:
            payload["fetchOptions"] = fetch
        sent = self._send(f"/hubspot/options/{field_name}", payload, signature)
        return OptionsResult(payload, sent.status, sent.json, sent.record.error)

    # -- sending -----------------------------------------------------------------------------

    def post(self, path: str, payload: dict | str, signature: str = "v3") -> requests.Response:
        """POST a payload (or raw body text) to the product, signed as HubSpot signs."""
        body = payload if isinstance(payload, str) else json.dumps(
            payload, ensure_ascii=False, separators=(",", ":"))
        uri = self.public_base_url + path
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   **signature_headers(signature, self.client_secret, "POST", uri, body,
                                       int(self.now() * 1000))}
        return requests.post(self.server_url + path, data=body.encode("utf-8"), headers=headers,
                             timeout=self.request_timeout)

    def _send(self, path: str, payload: dict, signature: str) -> _Sent:
        # Each attempt is signed afresh: the v3 timestamp must be recent.
        try:
            response = self.post(path, payload, signature)
        except requests.RequestException as exc:
            return _Sent(Attempt(None, f"{type(exc).__name__}: {exc}"), None, None)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        return _Sent(Attempt(response.status_code), body, response)

    def _retry_wait(self, sent: _Sent, number: int) -> float | None:
        """Seconds to wait before resending, or None when HubSpot would not resend."""
        status = sent.status
        backoff = min(self.backoff_seconds * 2 ** (number - 1), self.backoff_cap)
        if status is None or status >= 500:
            return backoff
        if status == 429:
            retry_after = _retry_after(sent.response)
            return backoff if retry_after is None else min(retry_after, self.retry_after_cap)
        return None

    def _settle(self, delivery: Delivery, wait: bool, timeout: float) -> None:
        status = delivery.status
        if status is None or not 200 <= status < 300:
            delivery.state = "FAILED"
            return
        outputs = (delivery.response_json or {}).get("outputFields")
        outputs = outputs if isinstance(outputs, dict) else {}
        delivery.output_fields = outputs
        delivery.state = str(outputs.get("hs_execution_state") or "SUCCESS")
        if delivery.state != "BLOCK":
            return
        self.emu.register_callback(delivery.callback_id, self.portal_id)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            completion = self.emu.completion(delivery.callback_id)
            if completion is not None:
                delivery.completion = completion
                delivery.output_fields = completion["outputFields"]
                delivery.state = completion["outputFields"]["hs_execution_state"]
                return
            time.sleep(self.poll_interval)

    # -- definitions -------------------------------------------------------------------------

    def _origin(self, slug: str) -> ActionOrigin:
        """The stored definition whose actionUrl ends in /hubspot/actions/<slug>, if any."""
        for d in self.emu.definitions(self.emu.app_id):
            if urlsplit(d["actionUrl"]).path.rstrip("/").endswith(f"/hubspot/actions/{slug}"):
                return _origin_of(d)
        # No definition published (e.g. a unit test): stable made-up ids, no properties.
        return ActionOrigin(10_000_000 + zlib.crc32(slug.encode()) % 1_000_000, 1, [])

    def _origin_for_field(self, field_name: str) -> ActionOrigin:
        for d in self.emu.definitions(self.emu.app_id):
            names = {f["typeDefinition"]["name"] for f in d.get("inputFields", [])}
            if field_name in names:
                return _origin_of(d)
        return ActionOrigin(10_000_000 + zlib.crc32(field_name.encode()) % 1_000_000, 1, [])


@dataclass
class _Sent:
    record: Attempt
    json: dict | None
    response: requests.Response | None

    @property
    def status(self) -> int | None:
        return self.record.status


def _origin_of(definition: dict) -> ActionOrigin:
    options = definition.get("objectRequestOptions") or {}
    return ActionOrigin(int(definition["id"]), int(definition["revisionId"]),
                        list(options.get("properties", [])))


def _retry_after(response: requests.Response | None) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), if the answer has one."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None
