"""Fixtures for the action tests: a clean per-company lookup cache for every test, and
QuickBooks allowing 100 requests a second."""

from __future__ import annotations

import pytest

from actions import lookups


@pytest.fixture(autouse=True)
def fresh_lookups():
    """Each test starts cold: no customer or item cached from another test's company."""
    lookups.forget_all()
    yield
    lookups.forget_all()


# These tests are about what gets booked and how many calls it takes, not QuickBooks' pace:
# at its 10 requests a second, tests booking a few documents waited about a second each for
# budget. The product's budget and the emulator's limit are raised together (one without the
# other would meet 429s). The budget itself is tested in tests/executions/test_budgets.py.
PER_SECOND = 100


@pytest.fixture
def settings(settings):
    """The root testing settings with QuickBooks' per-second budget raised."""
    return settings.replace(quickbooks_per_second=PER_SECOND)


@pytest.fixture
def quickbooks(quickbooks):
    """The QuickBooks emulator, admitting as many requests a second as the budget grants."""
    quickbooks.config.per_second = PER_SECOND
    return quickbooks
