"""``QuickBooksEmulator``: the state behind the app (companies, tokens, faults, calls)."""

from __future__ import annotations

import copy
import threading
from dataclasses import asdict, dataclass, fields

from emulators.clock import Clock

from . import currency, notifications, payments
from .app import create_app
from .company import Company
from .faults import FaultInjector
from .seed import seed_company
from .tokens import TokenAuthority


@dataclass
class EmulatorConfig:
    """Settings a test may change at any time (or via ``POST /_emulator/config``)."""

    per_second: int = 10
    per_minute: int = 500
    batch_per_minute: int = 40
    latency_seconds: float = 0.0
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 8726400
    strict_schema: bool = True  # check bodies against the XSD (about 2 ms per body)
    timeout_sleep: float = 3.0  # how long the "timeout" fault hangs before its 504
    stall_seconds: float = 3.0  # how long the "stall_answer" fault holds a committed answer

    def update(self, values: dict) -> None:
        """Set several settings, converting each to its field's type."""
        types = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in types:
                raise ValueError(f"unknown setting {key!r}; known: {sorted(types)}")
            kind = {"int": int, "float": float, "bool": bool}[types[key]]
            setattr(self, key, kind(value))

    def as_dict(self) -> dict:
        """The settings as a plain dict."""
        return asdict(self)


class QuickBooksEmulator:
    """An in-memory QBO: every company, token, fault and call, behind one lock."""

    def __init__(self, client_id: str = "qbo-client", client_secret: str = "qbo-secret",
                 clock: Clock | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.reset(clock)
        self.app = create_app(self)

    def reset(self, clock: Clock | None = None) -> None:
        """Forget every company, token, fault, setting and call, as if new; the app stays."""
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.config = EmulatorConfig()
        self.faults = FaultInjector(self.lock)
        self.companies: dict[str, Company] = {}
        self.oauth = TokenAuthority(self.client_id, self.client_secret, self.clock, self.config,
                                    self.lock)
        self._calls: list[dict] = []
        if getattr(self, "webhooks", None) is not None:
            self.webhooks.flush(timeout=2.0)  # the last test's notifications go where it said
        self.webhooks = notifications.WebhookSender(self.clock)

    def add_company(self, realm_id: str, name: str, country: str = "US",
                    home_currency: str | None = None, multicurrency: bool = False, *,
                    custom_txn_numbers: bool = False, seed: bool = True,
                    automated_tax: bool | None = None) -> Company:
        """Create a company (seeded with demo data unless ``seed=False``)."""
        country = country.upper()
        home = home_currency or currency.DEFAULT_HOME.get(country, "USD")
        if not currency.is_known(home):
            raise ValueError(f"unknown currency {home!r}")
        with self.lock:
            if realm_id in self.companies:
                raise ValueError(f"company {realm_id} already exists")
            company = Company(realm_id, name, country, home, multicurrency, lock=self.lock,
                              clock=self.clock, custom_txn_numbers=custom_txn_numbers,
                              automated_tax=automated_tax)
            if seed:
                seed_company(company)
            company.on_change = lambda entity, eid, op, realm=realm_id: self.webhooks.changed(
                realm, entity, eid, op)
            self.companies[realm_id] = company
        return company

    def issue_tokens(self, realm_id: str) -> dict:
        """Mint a token pair for a company without the browser flow."""
        if realm_id not in self.companies:
            raise KeyError(f"unknown company {realm_id}")
        return self.oauth.issue(realm_id)

    @property
    def refresh_counts(self) -> dict[str, int]:
        """How many refresh-token grants each realm has seen."""
        with self.lock:
            return dict(self.oauth.refresh_counts)

    @property
    def calls(self) -> list[dict]:
        """A snapshot of every request received (method, path, query, status, realm_id, ...)."""
        with self.lock:
            return copy.deepcopy(self._calls)

    def record_call(self, entry: dict) -> None:
        """Append one request to the call log."""
        with self.lock:
            self._calls.append(entry)

    def reset_calls(self) -> None:
        """Forget the recorded calls."""
        with self.lock:
            self._calls.clear()

    # -- status sync demo: what a bookkeeper does in QuickBooks ---------------------------------

    def pay_invoice(self, realm_id: str, invoice_id: str, amount=None) -> dict:
        """Receive a payment for an invoice (its whole balance unless ``amount``)."""
        from decimal import Decimal

        with self.lock:
            company = self.companies[realm_id]
            invoice = company.get("Invoice", invoice_id)
            if invoice is None:
                raise KeyError(f"no invoice {invoice_id} in {realm_id}")
            paid = Decimal(str(amount if amount is not None else invoice["Balance"]))
            body = {"CustomerRef": dict(invoice["CustomerRef"]), "TotalAmt": str(paid),
                    "Line": [{"Amount": str(paid), "LinkedTxn": [
                        {"TxnId": str(invoice_id), "TxnType": "Invoice"}]}]}
            if invoice.get("CurrencyRef"):
                body["CurrencyRef"] = dict(invoice["CurrencyRef"])
            return copy.deepcopy(payments.create(company, body))

    def void_invoice(self, realm_id: str, invoice_id: str) -> dict:
        """Void an invoice as QuickBooks does (amounts zeroed, "Voided" in the note)."""
        with self.lock:
            company = self.companies[realm_id]
            invoice = company.get("Invoice", invoice_id)
            if invoice is None:
                raise KeyError(f"no invoice {invoice_id} in {realm_id}")
            notifications.void(company, invoice)
            self.webhooks.changed(realm_id, "Invoice", invoice_id, "Void")
            return copy.deepcopy(invoice)
