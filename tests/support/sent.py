"""The QuickBooks create bodies the product sends, recorded for assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from actions import lookups
from clients.quickbooks import QuickBooksClient


@contextmanager
def recorded_creates(monkeypatch) -> Iterator[list[tuple[str, dict]]]:
    """(entity, body) of every create sent while inside, in order; lookups start cold."""
    bodies: list[tuple[str, dict]] = []
    original = QuickBooksClient.create

    def create(self, entity, body, request_id, **params):
        bodies.append((entity, body))
        return original(self, entity, body, request_id, **params)

    monkeypatch.setattr(QuickBooksClient, "create", create)
    lookups.forget_all()
    try:
        yield bodies
    finally:
        lookups.forget_all()
