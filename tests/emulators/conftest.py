"""Fixtures for the emulator tests: a seeded QuickBooks emulator and a bearer-token client."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from emulators.quickbooks import QuickBooksEmulator
from emulators.quickbooks.wire import dumps, loads

US_REALM = "9130350000000001"
CA_REALM = "9130350000000002"
GB_REALM = "9130350000000003"


@dataclass
class QboResult:
    """One API answer: status, parsed JSON (Decimals kept) and the raw bytes."""

    status: int
    json: Any
    data: bytes

    @property
    def fault_code(self) -> str | None:
        """The first Fault error code, if the body is a Fault."""
        if isinstance(self.json, dict) and "Fault" in self.json:
            return self.json["Fault"]["Error"][0]["code"]
        return None

    @property
    def error(self) -> dict:
        """The first Fault error."""
        return self.json["Fault"]["Error"][0]


class QboApi:
    """Calls ``/v3/company/<realm>`` on an emulator's app with a valid bearer token."""

    def __init__(self, emulator: QuickBooksEmulator, realm_id: str) -> None:
        self.emulator = emulator
        self.realm_id = realm_id
        self.client = emulator.app.test_client()
        self.token = emulator.issue_tokens(realm_id)["access_token"]

    def call(self, method: str, path: str, body=None, *, params=None, data=None,
             content_type="application/json", token: str | None = None) -> QboResult:
        """Send a request to ``/v3/company/<realm>/<path>``."""
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        if body is not None:
            data = dumps(body)
        response = self.client.open(f"/v3/company/{self.realm_id}/{path}", method=method,
                                    headers=headers, query_string=params or {}, data=data,
                                    content_type=content_type)
        raw = response.get_data()
        parsed = loads(raw) if response.mimetype == "application/json" and raw else None
        return QboResult(response.status_code, parsed, raw)

    def post(self, resource: str, body, **params) -> QboResult:
        """POST a body to a resource (create / update)."""
        return self.call("POST", resource, body, params=params)

    def get(self, path: str, **params) -> QboResult:
        """GET a path under the company."""
        return self.call("GET", path, params=params)

    def create(self, resource: str, body, **params) -> dict:
        """Create an entity and return it, failing the test on a Fault."""
        result = self.post(resource, body, **params)
        assert result.status == 200, result.json
        (name,) = [key for key in result.json if key != "time"]
        return result.json[name]

    def query(self, text: str) -> QboResult:
        """Run a SELECT by GET."""
        return self.get("query", query=text)

    def rows(self, text: str) -> list[dict]:
        """The entities a SELECT returns (empty when none)."""
        result = self.query(text)
        assert result.status == 200, result.json
        response = result.json["QueryResponse"]
        return next((v for v in response.values() if isinstance(v, list)), [])

    def find(self, entity: str, **where) -> dict:
        """The one seeded entity matching ``Name``/``DisplayName`` etc."""
        (key, value), = where.items()
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        (row,) = self.rows(f"SELECT * FROM {entity} WHERE {key} = '{escaped}'")
        return row


def relax_throttles(emulator: QuickBooksEmulator) -> None:
    """Lift the rate limits so functional tests are not throttled."""
    emulator.config.update({"per_second": 100_000, "per_minute": 1_000_000,
                            "batch_per_minute": 100_000})


@pytest.fixture
def qbo() -> QuickBooksEmulator:
    """An emulator with a seeded US company and relaxed throttles."""
    emulator = QuickBooksEmulator(client_id="qbo-client", client_secret="qbo-secret")
    emulator.add_company(US_REALM, "Demo US LLC", country="US")
    relax_throttles(emulator)
    return emulator


@pytest.fixture
def qbo_us(qbo) -> QboApi:
    """A client of the US company."""
    return QboApi(qbo, US_REALM)


@pytest.fixture
def qbo_ca(qbo) -> QboApi:
    """A client of a seeded Canadian company (CAD, no multicurrency)."""
    qbo.add_company(CA_REALM, "Demo CA Ltd", country="CA")
    return QboApi(qbo, CA_REALM)


@pytest.fixture
def qbo_gb(qbo) -> QboApi:
    """A client of a seeded UK company (GBP, no multicurrency)."""
    qbo.add_company(GB_REALM, "Demo UK Ltd", country="GB")
    return QboApi(qbo, GB_REALM)


@pytest.fixture
def qbo_api_for():
    """Build a QboApi for any emulator and realm."""
    return QboApi


@pytest.fixture
def invoice_body():
    """Build a minimal valid invoice body with one sales line."""

    def build(customer_id: str, item_id: str, amount="200.00", qty=2, price="100.00",
              **extra) -> dict:
        line = {"DetailType": "SalesItemLineDetail", "Amount": Decimal(amount),
                "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": qty,
                                        "UnitPrice": Decimal(price)}}
        return {"CustomerRef": {"value": customer_id}, "Line": [line], **extra}

    return build
