"""Fault-injection fixtures: the served app with compressed waits; the summary table."""

from __future__ import annotations

import pytest

from emulators.server import serve_in_thread
from tests.faults.harness import RESULTS


@pytest.fixture
def fault_world(world, monkeypatch):
    """The world with a connected US company, short leases and compressed waits, served on HTTP."""
    world.connect_company()
    rt = world.runtime
    rt.settings = rt.settings.replace(
        execution_lease_seconds=0.5, http_timeout_seconds=2.0,
        client_backoff=0.01,
        # HubSpot's 10-second window (the pause after its 429) compressed for tests.
        hubspot_window_seconds=0.2,
        # QuickBooks' 60-second pause after a 429 compressed for tests.
        quickbooks_pause_seconds=0.2,
        # QuickBooks' 10 requests a second too (the emulator's limit with it, below): these
        # tests are about faults, and at 10 a second they mostly waited for budget.
        quickbooks_per_second=100,
    )  # fmt: skip
    world.quickbooks.config.per_second = 100
    world.quickbooks.config.timeout_sleep = 0.3
    world.hubspot.config.fault_timeout_seconds = 0.3
    server = serve_in_thread(world.app)
    world.url = server.url
    yield world
    server.stop()


def pytest_terminal_summary(terminalreporter):
    """The fault table, for docs/hardening.md."""
    if not RESULTS:
        return
    terminalreporter.section("fault injection: executions and QuickBooks transactions")
    terminalreporter.write_line(
        "| fault | mode | faults fired | deals | HubSpot deliveries (answers) | executions | "
        "succeeded | failed (codes) | transactions | duplicates | lost |"
    )
    terminalreporter.write_line("|---|---|---|---|---|---|---|---|---|---|---|")
    for tally in RESULTS:
        terminalreporter.write_line(tally.row())
