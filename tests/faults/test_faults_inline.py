"""Inline mode under injected faults: zero duplicates, zero lost (SPEC §6 reliability)."""

from __future__ import annotations

import pytest

from tests.faults import scenarios
from tests.faults.harness import Harness


@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
def test_inline_mode_survives(fault_world, scenario):
    harness = Harness(fault_world, fault_world.url, "inline")
    tally = scenario(harness)
    print(tally.row())
    scenarios.check(tally)
    if scenario is not scenarios.refresh_revoked:
        assert tally.injected > 0, "the fault never fired"
    assert tally.executions == tally.deals  # one ledger row per callbackId, however often sent
