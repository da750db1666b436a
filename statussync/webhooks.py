"""Intuit webhook bodies: the `intuit-signature` check and both payload formats (reference §11)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

# CloudEvents name entities in lower case in `type` (qbo.<entity>.<verb>.v1).
ENTITY_NAMES = {"invoice": "Invoice", "payment": "Payment", "salesreceipt": "SalesReceipt"}
# CloudEvents verbs as the legacy operations they replace.
OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete", "voided": "Void",
              "emailed": "Emailed", "merged": "Merge"}


class BadPayload(ValueError):
    """The body is neither a legacy notification nor a CloudEvents array."""


def signature(body: bytes, verifier_token: str) -> str:
    """Base64(HMAC-SHA256(raw body, verifier token)), as Intuit computes it."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verified(body: bytes, header: str | None, verifier_token: str) -> bool:
    """The header matches the body's signature (constant-time compare)."""
    if not header or not verifier_token:
        return False
    return hmac.compare_digest(signature(body, verifier_token).encode(), header.strip().encode())


def parse(body: bytes) -> list[dict]:
    """The events of a notification, as WebhookEvent values (event_key, realm_id, ...)."""
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise BadPayload(f"the body is not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        return [e for n in data["eventNotifications"] for e in _legacy(n)]
    if isinstance(data, dict) and "specversion" in data:
        data = [data]  # a single structured CloudEvent
    if isinstance(data, list):
        return [_cloud_event(e) for e in data if isinstance(e, dict)]
    raise BadPayload("expected {'eventNotifications': [...]} or a CloudEvents array")


def _legacy(notification: dict) -> list[dict]:
    realm = str(notification.get("realmId") or "")
    entities = ((notification.get("dataChangeEvent") or {}).get("entities")) or []
    events = []
    for e in entities:
        name, eid = str(e.get("name") or ""), str(e.get("id") or "")
        operation, stamp = str(e.get("operation") or ""), str(e.get("lastUpdated") or "")
        # Legacy events carry no id: dedupe on what identifies the change (reference §11).
        key = f"legacy:{realm}:{name}:{eid}:{operation}:{stamp}"
        events.append({"event_key": key[:300], "realm_id": realm, "entity": name,
                       "entity_id": eid, "operation": operation,
                       "occurred_at": _time(stamp)})
    return events


def _cloud_event(event: dict) -> dict:
    parts = str(event.get("type") or "").split(".")
    entity = parts[1] if len(parts) > 2 else ""
    verb = parts[2] if len(parts) > 2 else ""
    realm = str(event.get("intuitaccountid") or "")
    key = str(event.get("id") or "") or f"ce:{realm}:{event.get('type')}:{event.get('time')}"
    return {"event_key": f"ce:{key}"[:300], "realm_id": realm,
            "entity": ENTITY_NAMES.get(entity.lower(), entity[:1].upper() + entity[1:]),
            "entity_id": str(event.get("intuitentityid") or ""),
            "operation": OPERATIONS.get(verb.lower(), verb.capitalize()),
            "occurred_at": _time(str(event.get("time") or ""))}


def _time(stamp: str) -> datetime | None:
    """An aware UTC time from Intuit's stamps (…-0700, Z, nanoseconds); None if unreadable."""
    if not stamp:
        return None
    text = stamp.strip().replace("Z", "+00:00")
    if "." in text:  # trim fractions beyond microseconds (CloudEvents send nanoseconds)
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
