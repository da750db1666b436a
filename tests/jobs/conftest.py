"""Queue-mode fixtures: the app with REDIS_URL and a key prefix of its own, short leases."""

from __future__ import annotations

import pytest

from tests.support.queue import REDIS_URL, scratch_redis


@pytest.fixture
def redis():
    """The test Redis (skips without one) and a prefix only this test uses; cleaned after."""
    with scratch_redis() as pair:
        yield pair


@pytest.fixture
def settings(settings, redis):
    """The root testing settings, in queue mode under this test's prefix."""
    _, prefix = redis
    return settings.replace(
        redis_url=REDIS_URL,
        execution_lease_seconds=2.0,
        redis_prefix=prefix,
        pending_grace_seconds=0,
        callback_window_seconds=0,
    )
