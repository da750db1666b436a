"""The HubSpot emulator's rate limits, fault injection, latency, call log and control API."""

from __future__ import annotations

import time

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread

PORTAL = 1000001


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(PORTAL)
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


@pytest.fixture
def deal(emu):
    return emu.portal(PORTAL).create("deals", {"dealname": "D"})


def bearer(emu, portal=PORTAL) -> dict:
    return {"Authorization": f"Bearer {emu.issue_tokens(portal)['access_token']}"}


def test_rolling_window_per_portal_gives_hubspot_429(client, emu, deal):
    emu.config.rate_limit = 3
    auth = bearer(emu)
    remaining = [client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth)
                 .headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    limited = client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth)
    assert limited.status_code == 429
    body = limited.get_json()
    assert body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["correlationId"] and body["requestId"]
    assert limited.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert limited.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"

    # Another portal has its own budget; the window rolls with the emulated clock.
    emu.add_portal(2000002, "Other")
    other = emu.portal(2000002).create("deals", {})
    assert client.get(f"/crm/objects/2026-03/deals/{other}",
                      headers=bearer(emu, 2000002)).status_code == 200
    emu.clock.advance(10)
    assert client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth).status_code == 200


def test_oauth_endpoints_do_not_count(client, emu, deal):
    emu.config.rate_limit = 1
    tokens = emu.issue_tokens(PORTAL)
    for _ in range(3):
        client.get(f"/oauth/v1/access-tokens/{tokens['access_token']}")
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth).status_code == 200


def test_counted_faults_fire_then_stop(client, emu, deal):
    auth = bearer(emu)
    emu.faults.add("error_500", match="GET /crm/objects/2026-03/deals", count=2)
    statuses = [client.get(f"/crm/objects/2026-03/deals/{deal}", headers=auth).status_code
                for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_fault_kinds(client, emu, deal):
    auth = bearer(emu)
    path = f"/crm/objects/2026-03/deals/{deal}"
    emu.faults.add("error_502")
    gateway = client.get(path, headers=auth)
    assert gateway.status_code == 502
    assert gateway.mimetype == "text/html"

    emu.faults.add("rate_limit")
    limited = client.get(path, headers=auth)
    assert limited.status_code == 429
    assert limited.get_json()["policyName"] == "TEN_SECONDLY_ROLLING"

    emu.config.fault_timeout_seconds = 0.05
    emu.faults.add("timeout", match="deals")
    started = time.monotonic()
    assert client.get(path, headers=auth).status_code == 504
    assert time.monotonic() - started >= 0.05

    with pytest.raises(ValueError):
        emu.faults.add("explode")


def test_faults_only_hit_matching_requests(client, emu, deal):
    emu.faults.add("error_500", match="POST /oauth/2026-03/token")
    tokens = emu.issue_tokens(PORTAL)
    assert client.get(f"/crm/objects/2026-03/deals/{deal}", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
            "client_id": "hs-client", "client_secret": "hs-secret"}
    assert client.post("/oauth/2026-03/token", data=form).status_code == 500
    assert client.post("/oauth/2026-03/token", data=form).status_code == 200


def test_probabilistic_faults_repeat_with_a_seed(emu, deal):
    def run() -> list[int]:
        fresh = HubSpotEmulator()
        fresh.add_portal(PORTAL)
        record = fresh.portal(PORTAL).create("deals", {})
        fresh.faults.rate("error_503", 0.5, seed=7)
        client, auth = fresh.app.test_client(), bearer(fresh)
        return [client.get(f"/crm/objects/2026-03/deals/{record}", headers=auth).status_code
                for _ in range(20)]

    first = run()
    assert first == run()
    assert {200, 503} == set(first)


def test_calls_record_method_path_query_status_portal_and_body(client, emu, deal):
    auth = bearer(emu)
    client.get(f"/crm/objects/2026-03/deals/{deal}?properties=dealname", headers=auth)
    client.post("/crm/objects/2026-03/deals/batch/read", headers=auth,
                json={"properties": [], "propertiesWithHistory": [], "inputs": [{"id": deal}]})
    get_call, post_call = emu.calls
    assert get_call["method"] == "GET"
    assert get_call["path"] == f"/crm/objects/2026-03/deals/{deal}"
    assert get_call["query"] == {"properties": "dealname"}
    assert get_call["status"] == 200
    assert get_call["portal_id"] == PORTAL
    assert post_call["json"] == {"properties": [], "propertiesWithHistory": [],
                                 "inputs": [{"id": deal}]}
    emu.reset_calls()
    assert emu.calls == []


def test_latency_is_added(client, emu, deal):
    emu.config.latency_seconds = 0.05
    started = time.monotonic()
    client.get(f"/crm/objects/2026-03/deals/{deal}", headers=bearer(emu))
    assert time.monotonic() - started >= 0.05


def test_control_api_over_http(emu, deal):
    server = serve_in_thread(emu.app)
    base = f"{server.url}/_emulator"
    try:
        config = requests.post(f"{base}/config", json={"rate_limit": 2}, timeout=5)
        assert config.json()["rate_limit"] == 2
        assert requests.post(f"{base}/config", json={"nope": 1}, timeout=5).status_code == 400

        tokens = requests.post(f"{base}/tokens", json={"portal_id": PORTAL}, timeout=5).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert requests.post(f"{base}/faults", json={"kind": "error_500", "count": 1},
                             timeout=5).status_code == 201
        url = f"{server.url}/crm/objects/2026-03/deals/{deal}"
        assert requests.get(url, headers=auth, timeout=5).status_code == 500
        assert requests.post(f"{base}/faults", json={"kind": "error_500", "count": 5},
                             timeout=5).status_code == 201
        assert requests.delete(f"{base}/faults", timeout=5).status_code == 204
        assert requests.get(url, headers=auth, timeout=5).status_code == 200

        calls = requests.get(f"{base}/calls", timeout=5).json()["calls"]
        assert [c["status"] for c in calls] == [500, 200]

        requests.post(f"{base}/clock/advance", json={"seconds": 1801}, timeout=5)
        assert requests.get(url, headers=auth, timeout=5).status_code == 401

        created = requests.post(f"{base}/portals/{PORTAL}/objects/contacts",
                                json={"properties": {"email": "a@example.com"}}, timeout=5)
        contact = created.json()["id"]
        linked = requests.post(f"{base}/portals/{PORTAL}/associations", json={
            "from_type": "deals", "from_id": deal, "to_type": "contacts", "to_id": contact},
            timeout=5)
        assert linked.status_code == 204
        [(linked_id, types)] = emu.portal(PORTAL).associations("deals", deal, "contacts")
        assert (linked_id, types[0].type_id) == (contact, 3)
        assert requests.get(f"{base}/completions", timeout=5).json() == {"completions": []}
    finally:
        server.stop()
