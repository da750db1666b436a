"""What HubSpot sends the app in tests: signed headers and execution payloads."""

from __future__ import annotations

import time

from web.signatures import sign_v3

HUBSPOT_SECRET = "test-hubspot-client-secret"
PUBLIC_BASE = "https://qbo-actions.example.com"


def signed_headers(path: str, body: bytes, secret: str = HUBSPOT_SECRET,
                   base: str = PUBLIC_BASE, timestamp_ms: int | None = None) -> dict:
    """HubSpot v3 signature headers for a POST to ``path``."""
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": sign_v3(secret, "POST", base + path, body, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
    }


def execution_payload(callback_id: str = "ap-1-1-1", portal_id: int = 1000001,
                      object_type: str = "DEAL", object_id: int = 101,
                      inputs: dict | None = None, properties: dict | None = None) -> dict:
    """An execution payload shaped as reference §2.1."""
    return {
        "callbackId": callback_id,
        "origin": {"portalId": portal_id, "actionDefinitionId": 7, "actionDefinitionVersion": 1},
        "context": {"source": "WORKFLOWS", "workflowId": 55},
        "object": {"objectId": object_id, "objectType": object_type,
                   "properties": properties or {}},
        "inputFields": inputs or {},
    }
