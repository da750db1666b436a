"""Queue mode (RQ workers) under the same faults: zero duplicates, zero lost."""

from __future__ import annotations

import pytest

from tests.faults import scenarios
from tests.faults.harness import Harness
from tests.support.queue import REDIS_URL, forget, new_prefix, redis_or_skip


@pytest.fixture
def settings(settings):
    """Queue mode under a Redis prefix of this test's own (skips without Redis)."""
    client = redis_or_skip()
    prefix = new_prefix()
    yield settings.replace(
        redis_url=REDIS_URL,
        redis_prefix=prefix, pending_grace_seconds=0, callback_window_seconds=0,
    )  # fmt: skip
    forget(client, prefix)
    client.close()


@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
def test_queue_mode_survives(fault_world, scenario):
    assert fault_world.runtime.queue is not None
    harness = Harness(fault_world, fault_world.url, "queue")
    tally = scenario(harness)
    print(tally.row())
    scenarios.check(tally)
    assert tally.executions == tally.deals
