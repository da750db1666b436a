"""Helpers for the payment action tests: QuickBooks bodies checked against Intuit's XSD,
call counts per execution, and the seeded accounts and methods by name.

Test modules import the autouse fixture ``xsd_checked``::

    from tests.support.payments import xsd_checked  # noqa: F401  (fixture)
"""

from __future__ import annotations

import copy

import pytest

from clients.quickbooks import QuickBooksClient
from emulators.quickbooks.schema import validate
from tests.support.crm import hubspot_calls, qbo_calls, qbo_named


def record_bodies(monkeypatch) -> list[tuple[str, dict]]:
    """Every (entity, body) the product sends to QuickBooks' create, in order.

    The real client still sends it: this only watches, so the emulator's answers stay real.
    """
    sent: list[tuple[str, dict]] = []
    original = QuickBooksClient.create

    def create(self, entity, body, request_id, **params):
        sent.append((entity, copy.deepcopy(body)))
        return original(self, entity, body, request_id, **params)

    monkeypatch.setattr(QuickBooksClient, "create", create)
    return sent


def assert_valid_bodies(sent: list[tuple[str, dict]]) -> None:
    """Every body sent validates against Intuit's XSD."""
    for entity, body in sent:
        assert validate(entity, body) == [], (entity, body)


def account_id(company, name: str) -> str:
    """A seeded account's Id by name."""
    return qbo_named(company, "Account", name)["Id"]


def method_id(company, name: str) -> str:
    """A seeded PaymentMethod's Id by name."""
    return qbo_named(company, "PaymentMethod", name)["Id"]


def call_counts(world) -> tuple[int, int]:
    """(QuickBooks API calls, HubSpot CRM calls) since the last reset."""
    return len(qbo_calls(world)), len(hubspot_calls(world))


def only(company, entity: str) -> dict:
    """The one stored entity of a type (asserting there is exactly one)."""
    rows = company.entities(entity)
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(autouse=True)
def xsd_checked(monkeypatch):
    """Every QuickBooks body sent during the test; all must validate against the XSD."""
    bodies = record_bodies(monkeypatch)
    yield bodies
    assert_valid_bodies(bodies)
