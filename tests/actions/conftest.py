"""Fixtures for the action tests: a clean per-company lookup cache for every test."""

from __future__ import annotations

import pytest

from actions import lookups


@pytest.fixture(autouse=True)
def fresh_lookups():
    """Each test starts cold: no customer or item cached from another test's company."""
    lookups.forget_all()
    yield
    lookups.forget_all()
