"""Schemathesis hooks: sign every HubSpot request as HubSpot does, and aim some at real data.

Loaded with SCHEMATHESIS_HOOKS=tests.fuzz.hooks; FUZZ_CONTEXT names the JSON file the fuzz
server wrote (client secret, PUBLIC_BASE_URL, the seeded portal, company and record ids).

The v3 signature covers the exact bytes sent, so the hook serializes the body itself (as
schemathesis would), signs those bytes, and hands them to the transport as ``data``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import time
from functools import cache
from urllib.parse import urlsplit

import requests
import schemathesis

from actions import ACTIONS
from web.signatures import sign_v3

_rng = random.Random(20240917)
_callbacks: list[str] = []
_fresh = itertools.count(int(time.time()))
# What the auth provider puts in the signature header; the hook replaces it with the real
# signature. Schemathesis' auth probes (no or invalid credentials) lack it and stay unsigned.
SIGN_ME = "sign-me"


@cache
def context() -> dict:
    """What the fuzz server seeded."""
    with open(os.environ["FUZZ_CONTEXT"], encoding="utf-8") as fh:
        return json.load(fh)


@schemathesis.auth().apply_to(path_regex="^/hubspot/")
class HubSpotSignature:
    """Marks a request as carrying HubSpot credentials (signed in before_call)."""

    def get(self, case, ctx):
        """The placeholder; the real signature needs the final body."""
        return SIGN_ME

    def set(self, case, data, ctx):
        """Put the placeholder where the signature goes."""
        case.headers = {**(case.headers or {}), "X-HubSpot-Signature-v3": data}


@schemathesis.auth().apply_to(path_regex="^/quickbooks/webhooks$")
class IntuitSignature:
    """Marks a webhook notification as signed by Intuit (signed in before_call)."""

    def get(self, case, ctx):
        """The placeholder; the real signature needs the final body."""
        return SIGN_ME

    def set(self, case, data, ctx):
        """Put the placeholder where the signature goes."""
        case.headers = {**(case.headers or {}), "intuit-signature": data}


@schemathesis.auth().apply_to(path_regex="^/(?!hubspot/|quickbooks/webhooks$)")
class DashboardSession:
    """A signed-in dashboard session for the seeded portal (its forms' CSRF token too)."""

    def get(self, case, ctx):
        """The session cookie the fuzz server signed."""
        return context()["session_cookie"]

    def set(self, case, data, ctx):
        """Send the cookie; POSTs also carry the session's CSRF token."""
        case.cookies = {**(case.cookies or {}), "session": data}
        if case.method.upper() == "POST":
            case.headers = {**(case.headers or {}), "X-CSRF-Token": context()["csrf_token"]}


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """Sign HubSpot-bound requests (after steering half of the valid ones at seeded data)."""
    if (case.headers or {}).get("intuit-signature") == SIGN_ME:
        _sign_for_intuit(case, kwargs)
        return
    if (case.headers or {}).get("X-HubSpot-Signature-v3") != SIGN_ME:
        return
    meta = getattr(case, "_meta", None)
    positive = meta is None or meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and _rng.random() < 0.6:
        _steer(case)
    prepared, body = _wire(case)
    parts = urlsplit(prepared.url)
    uri = context()["public_base_url"] + parts.path + (f"?{parts.query}" if parts.query else "")
    stamp = str(int(time.time() * 1000))
    case.headers = {
        **(case.headers or {}),
        "Content-Type": prepared.headers.get("Content-Type", "application/json"),
        "X-HubSpot-Request-Timestamp": stamp,
        "X-HubSpot-Signature-v3": sign_v3(context()["secret"], prepared.method, uri, body, stamp),
    }
    kwargs["data"] = body


def _wire(case) -> tuple[requests.PreparedRequest, bytes]:
    """The request as it will be sent, and its exact body bytes (what signatures cover)."""
    data = case.as_transport_kwargs(base_url=case.operation.base_url)
    prepared = requests.Request(
        method=data["method"], url=data["url"], headers=data.get("headers"),
        params=data.get("params"), json=data.get("json"), data=data.get("data"),
    ).prepare()  # fmt: skip
    body = prepared.body or b""
    return prepared, body.encode("utf-8") if isinstance(body, str) else body


def _sign_for_intuit(case, kwargs) -> None:
    """intuit-signature: base64 HMAC-SHA256 of the exact body with the verifier token."""
    prepared, body = _wire(case)
    digest = hmac.new(context()["webhook_verifier"].encode(), body, hashlib.sha256).digest()
    case.headers = {
        **(case.headers or {}),
        "Content-Type": prepared.headers.get("Content-Type", "application/json"),
        "intuit-signature": base64.b64encode(digest).decode(),
    }
    kwargs["data"] = body


def _steer(case) -> None:
    """Point a generated body at the seeded portal, a real record and its company."""
    body = dict(case.body)
    c = context()
    origin = body.get("origin")
    if isinstance(origin, dict):
        body["origin"] = {**origin, "portalId": c["portal_id"]}
    inputs = body.get("inputFields")
    if isinstance(inputs, dict):
        inputs = dict(inputs)
        roll = _rng.random()
        if roll < 0.5:
            inputs.pop("quickbooks_company", None)
        elif roll < 0.8:
            inputs["quickbooks_company"] = _typed(inputs, c["realm_id"], case)
        elif roll < 0.9:
            inputs["quickbooks_company"] = _typed(inputs, c["other_realm_id"], case)
        body["inputFields"] = inputs
    if case.path.startswith("/hubspot/actions/"):
        _steer_execution(case, body, c)
    case.body = body


def _typed(inputs: dict, realm: str, case) -> object:
    """Options payloads send typed references; executions send bare values."""
    if case.path.startswith("/hubspot/options/"):
        return {"type": "STATIC_VALUE", "value": realm}
    return realm


def _steer_execution(case, body: dict, c: dict) -> None:
    """A record the action accepts, and now and then a callbackId HubSpot already sent."""
    action = ACTIONS.get((case.path_parameters or {}).get("slug", ""))
    record = body.get("object")
    if action is not None and isinstance(record, dict):
        kind = _rng.choice(action.record_types).name
        body["object"] = {**record, "objectType": kind,
                          "objectId": _rng.choice(c["records"][kind])}  # fmt: skip
    roll = _rng.random()
    if _callbacks and roll < 0.2:
        body["callbackId"] = _rng.choice(_callbacks)  # a redelivery
        return
    if roll < 0.9:  # generated ids are mostly "0": most would be redeliveries of one
        body["callbackId"] = f"ap-{c['portal_id']}-{next(_fresh)}-1-0"
    if isinstance(body.get("callbackId"), str):
        _callbacks.append(body["callbackId"])
        del _callbacks[:-50]
