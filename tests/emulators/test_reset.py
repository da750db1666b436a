"""reset(): an emulator served once per test run starts every test as if new."""

from __future__ import annotations

from emulators.hubspot import HubSpotEmulator
from emulators.quickbooks import QuickBooksEmulator


def test_quickbooks_reset_forgets_companies_tokens_faults_settings_and_calls():
    emulator = QuickBooksEmulator()
    app = emulator.app
    emulator.add_company("9130350000000001", "Acme", "US", "USD")
    tokens = emulator.issue_tokens("9130350000000001")
    emulator.config.per_second = 1
    emulator.faults.add("throttle", count=5)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/v3/company/9130350000000001/companyinfo/9130350000000001",
                      headers=auth).status_code == 429  # fmt: skip
    assert emulator.calls

    emulator.reset()

    assert emulator.app is app  # the same server keeps serving it
    assert emulator.companies == {} and emulator.calls == []
    assert emulator.config.per_second == 10 and emulator.faults.pending() == []
    # The old token means nothing to the new state; the control API answers from it too.
    assert client.get("/v3/company/9130350000000001/companyinfo/9130350000000001",
                      headers=auth).status_code == 401  # fmt: skip
    assert client.get("/_emulator/companies").get_json() in ([], {"companies": []})


def test_hubspot_reset_forgets_portals_definitions_faults_and_calls():
    emulator = HubSpotEmulator(client_secret="s3cret", app_id=77)
    app = emulator.app
    emulator.add_portal(1000001)
    emulator.issue_tokens(1000001)
    emulator.faults.add("rate_limit", count=3)
    emulator.register_callback("ap-1", 1000001)
    emulator.config.latency_seconds = 0.5

    emulator.reset()

    assert emulator.app is app
    assert emulator.portals == {} and emulator.calls == [] and emulator.completions == []
    assert emulator.faults.rules() == [] and emulator.config.latency_seconds == 0
    assert emulator.definitions(77) == []
    # What it was built with stays: the app's id and secret.
    assert (emulator.app_id, emulator.client_secret) == (77, "s3cret")
    emulator.add_portal(1000001)  # the same portal id can be created again
