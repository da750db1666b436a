"""Every HubSpot-called route refuses requests HubSpot did not sign for exactly that URL."""

from __future__ import annotations

import json
import time

import pytest

from actions import ACTIONS
from actions.options import FIELDS
from tests.support.security import RECORD_FOR, SLUGS, ledger_rows
from tests.support.signing import HUBSPOT_SECRET, PUBLIC_BASE, execution_payload, signed_headers
from web.signatures import sign_v2

ROUTES = [f"/hubspot/actions/{slug}" for slug in SLUGS] + [
    f"/hubspot/options/{field}" for field in FIELDS
]


def body_for(path: str) -> bytes:
    """A valid body for the route (so only the signature can be the reason for a refusal)."""
    if path.startswith("/hubspot/actions/"):
        slug = path.rsplit("/", 1)[1]
        required = {f.name: "1" for f in ACTIONS[slug].fields if f.required}
        payload = execution_payload(callback_id=f"ap-sig-{slug}", object_type=RECORD_FOR[slug],
                                    inputs=required)  # fmt: skip
    else:
        payload = {"origin": {"portalId": 1000001}, "inputFields": {}}
    return json.dumps(payload).encode()


def now_ms() -> int:
    return int(time.time() * 1000)


def forged(path: str, body: bytes) -> dict[str, dict]:
    """Header sets HubSpot did not send for this request, by what is wrong with them."""
    other = "/hubspot/actions/create-estimate" if "create-estimate" not in path else \
        "/hubspot/actions/create-invoice"  # fmt: skip
    six_minutes = 6 * 60 * 1000
    return {
        "unsigned": {"Content-Type": "application/json"},
        "wrong secret": signed_headers(path, body, secret="not-the-client-secret"),
        "stale (6 minutes old)": signed_headers(path, body, timestamp_ms=now_ms() - six_minutes),
        "from the future": signed_headers(path, body, timestamp_ms=now_ms() + six_minutes),
        "replayed for another URL": signed_headers(other, body),
        "replayed for another host": signed_headers(path, body, base="https://evil.example"),
        "another body": signed_headers(path, body + b" "),
        "v3 signature without timestamp": {
            k: v for k, v in signed_headers(path, body).items()
            if k != "X-HubSpot-Request-Timestamp"
        },
        "v2 over another URL": {
            "Content-Type": "application/json",
            "X-HubSpot-Signature": sign_v2(HUBSPOT_SECRET, "POST", PUBLIC_BASE + other, body),
            "X-HubSpot-Signature-Version": "v2",
        },
        "v1 (not accepted)": {
            "Content-Type": "application/json",
            "X-HubSpot-Signature": "0" * 64,
            "X-HubSpot-Signature-Version": "v1",
        },
    }  # fmt: skip


@pytest.mark.parametrize("path", ROUTES)
def test_unsigned_and_forged_requests_are_refused_and_nothing_runs(tenants, path):
    world = tenants
    body = body_for(path)
    calls_before = (len(world.hubspot.calls), len(world.quickbooks.calls))
    with world.app.test_client() as client:
        for reason, headers in forged(path, body).items():
            response = client.post(path, data=body, headers=headers)
            assert response.status_code == 401, (reason, response.get_data(as_text=True))
            assert "invalid HubSpot signature" in response.json["error"], reason
        # the same request, signed properly, gets through: the refusals were the signature's
        assert client.post(path, data=body, headers=signed_headers(path, body)).status_code == 200
    assert ledger_rows(world.runtime.db) <= 1
    if path.startswith("/hubspot/options/"):
        return
    # only the properly signed execution ran
    assert ledger_rows(world.runtime.db) == 1
    assert calls_before[1] <= len(world.quickbooks.calls)


def test_a_refused_execution_leaves_no_trace(tenants):
    world = tenants
    path = "/hubspot/actions/create-invoice"
    body = body_for(path)
    with world.app.test_client() as client:
        for headers in forged(path, body).values():
            client.post(path, data=body, headers=headers)
    assert ledger_rows(world.runtime.db) == 0
    assert world.hubspot.calls == [] and world.quickbooks.calls == []
