"""The emulator over real HTTP: the control API, concurrent latency, and the runnable entry."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import requests

from emulators.quickbooks import QuickBooksEmulator
from emulators.quickbooks.wire import dumps, loads
from emulators.server import serve_in_thread

REALM = "9130350000000001"


@pytest.fixture
def server():
    emulator = QuickBooksEmulator()
    running = serve_in_thread(emulator.app)
    yield emulator, running.url
    running.stop()


def test_end_to_end_over_http_driven_by_the_control_api(server):
    emulator, url = server
    session = requests.Session()
    created = session.post(f"{url}/_emulator/companies",
                           json={"realm_id": REALM, "name": "Demo US LLC", "country": "US"},
                           timeout=5)
    assert created.status_code == 201
    session.post(f"{url}/_emulator/config", json={"per_second": 1000}, timeout=5)
    tokens = session.post(f"{url}/_emulator/tokens/{REALM}", timeout=5).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}
    api = f"{url}/v3/company/{REALM}"

    select = "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien Plumbing'"
    found = session.post(f"{api}/query", data=select.encode(), timeout=5,
                         headers={**auth, "Content-Type": "application/text"})
    customer = found.json()["QueryResponse"]["Customer"][0]
    (item,) = session.get(f"{api}/query", params={"query": "SELECT * FROM Item WHERE Sku = "
                                                           "'CONS-H'"},
                          headers=auth, timeout=5).json()["QueryResponse"]["Item"]
    body = {"CustomerRef": {"value": customer["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("450.00"),
                      "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]},
                                              "Qty": 3, "UnitPrice": Decimal("150.00")}}]}
    invoice = session.post(f"{api}/invoice", params={"minorversion": "75", "requestid": "e2e-1"},
                           data=dumps(body), timeout=5,
                           headers={**auth, "Content-Type": "application/json"})
    assert invoice.status_code == 200
    assert loads(invoice.content)["Invoice"]["TotalAmt"] == Decimal("450.00")

    stored = session.get(f"{url}/_emulator/companies/{REALM}/entities/Invoice", timeout=5).json()
    assert len(stored["Invoice"]) == 1
    calls = session.get(f"{url}/_emulator/calls", timeout=5).json()["calls"]
    assert calls[-1]["requestid"] == "e2e-1" and calls[-1]["minorversion"] == "75"

    session.post(f"{url}/_emulator/faults", json={"kind": "error_500", "count": 1}, timeout=5)
    assert session.get(f"{api}/preferences", headers=auth, timeout=5).status_code == 500
    session.post(f"{url}/_emulator/faults", json={"kind": "error_500", "probability": 1.0},
                 timeout=5)
    assert session.delete(f"{url}/_emulator/faults", timeout=5).json() == {"faults": []}
    assert session.get(f"{api}/preferences", headers=auth, timeout=5).status_code == 200

    session.post(f"{url}/_emulator/clock/advance", json={"seconds": 3600}, timeout=5)
    expired = session.get(f"{api}/preferences", headers=auth, timeout=5)
    assert expired.status_code == 401
    assert session.post(f"{url}/_emulator/config", json={"nope": 1}, timeout=5).status_code == 400


def test_latency_overlaps_across_concurrent_requests(server):
    emulator, url = server
    emulator.add_company(REALM, "Demo US LLC")
    emulator.config.latency_seconds = 0.3
    token = emulator.issue_tokens(REALM)["access_token"]
    statuses = []

    def call():
        response = requests.get(f"{url}/v3/company/{REALM}/preferences", timeout=5,
                                headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert statuses == [200] * 4
    assert 0.3 <= elapsed < 1.0  # four sleeps of 0.3 s ran side by side, not one after another


def test_module_entry_point_serves_seeded_companies():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.quickbooks", "--port", str(port), "--seed"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        companies = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                companies = requests.get(f"http://127.0.0.1:{port}/_emulator/companies",
                                         timeout=1).json()["companies"]
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert companies is not None
        assert sorted(c["country"] for c in companies) == ["CA", "US"]
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_concurrent_retries_with_one_requestid_create_once(server):
    emulator, url = server
    emulator.add_company(REALM, "Demo US LLC")
    emulator.config.per_second = 1000
    token = emulator.issue_tokens(REALM)["access_token"]
    bodies = []

    def create():
        response = requests.post(f"{url}/v3/company/{REALM}/customer",
                                 params={"requestid": "same-retry"}, timeout=5,
                                 json={"DisplayName": "Concurrent Co"},
                                 headers={"Authorization": f"Bearer {token}"})
        bodies.append((response.status_code, response.content))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(bodies)) == 1 and bodies[0][0] == 200
    names = [c["DisplayName"] for c in emulator.companies[REALM].entities("Customer")]
    assert names.count("Concurrent Co") == 1
