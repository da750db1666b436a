"""One QBO company (realm): its stored entities, sequences, settings and replay memory."""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import currency
from .throttle import RealmThrottle
from .wire import meta_time

# Entities with an Active flag: inactive ones vanish from queries and cannot be referenced.
NAME_LISTS = frozenset(
    {"Customer", "Vendor", "Employee", "Item", "Account", "Term", "PaymentMethod", "TaxCode",
     "TaxRate", "Class", "Department"}
)
# Automated sales tax: the combined rate charged at each destination state (an emulator table,
# not real rates). A state not listed is charged the company's own rate.
STATE_RATES = {
    "CA": Decimal("8.25"), "NY": Decimal("8.875"), "TX": Decimal("8.25"), "WA": Decimal("10.1"),
    "IL": Decimal("10.25"), "FL": Decimal("7"), "MA": Decimal("6.25"), "OR": Decimal("0"),
    "NJ": Decimal("6.625"), "CO": Decimal("7.65"),
}
FIRST_DOC_NUMBER = 1001

_ZONES = {"US": "America/Los_Angeles", "CA": "America/Toronto", "GB": "Europe/London"}
_ADDRESSES = {
    "US": {"Line1": "2700 Coast Ave", "City": "Mountain View", "CountrySubDivisionCode": "CA",
           "PostalCode": "94043", "Country": "US"},
    "CA": {"Line1": "100 King St W", "City": "Toronto", "CountrySubDivisionCode": "ON",
           "PostalCode": "M5X 1A9", "Country": "CA"},
    "GB": {"Line1": "1 Poultry", "City": "London", "PostalCode": "EC2R 8EJ", "Country": "GB"},
}


@dataclass
class Replay:
    """The first response given to a ``requestid``, replayed byte for byte."""

    status: int
    body: bytes
    mimetype: str


class Company:
    """A realm's data. Mutate only while holding the emulator's lock (``add`` takes it)."""

    def __init__(
        self,
        realm_id: str,
        name: str,
        country: str,
        home_currency: str,
        multicurrency: bool,
        *,
        lock,
        clock,
        custom_txn_numbers: bool = False,
        sales_tax_rate: Decimal = Decimal("8.25"),
        automated_tax: bool | None = None,
    ) -> None:
        self.realm_id = realm_id
        self.name = name
        self.country = country.upper()
        self.home_currency = home_currency
        self.multicurrency = multicurrency
        self.custom_txn_numbers = custom_txn_numbers
        self.sales_tax_rate = sales_tax_rate  # US only: the rate at the company's own address
        # US companies run automated sales tax unless told otherwise (TaxPrefs.PartnerTaxEnabled).
        self.automated_tax = self.country == "US" if automated_tax is None else automated_tax
        self.class_tracking = ""  # "" | "txn" (header ClassRef) | "line" (line ClassRef)
        self.track_departments = False  # locations (DepartmentRef)
        # The reference finds no company preference for tax-after-discount; QBO's documented
        # default when the field is not sent is false (tax first, then the discount).
        self.tax_after_discount = False
        self.zone = ZoneInfo(_ZONES.get(self.country, "UTC"))
        self.replays: dict[str, Replay] = {}
        self.throttle = RealmThrottle()
        self._lock = lock
        self._clock = clock
        self._store: dict[str, dict[str, dict]] = {}
        self._next_id = 1
        self._doc_numbers: dict[str, int] = {}
        self._hidden: set[tuple[str, str]] | None = None
        self._created = clock.now()
        # Told (entity, id, operation) about every create: the webhook sender listens here.
        self.on_change = None

    # -- public helpers for tests and the sandbox -------------------------------------------

    @property
    def is_us(self) -> bool:
        """Whether the company follows the US sales-tax model (TAX/NON line codes)."""
        return self.country == "US"

    def entities(self, entity_name: str) -> list[dict]:
        """Copies of every stored entity of a type, in Id order (inactive ones included)."""
        with self._lock:
            return copy.deepcopy(self.all(entity_name, visible_only=False))

    def add(self, entity_name: str, body: dict) -> dict:
        """Store ``body`` as-is (no business rules), assigning Id, SyncToken and MetaData."""
        with self._lock:
            return copy.deepcopy(self.store(entity_name, copy.deepcopy(body)))

    # -- storage used by the rules -----------------------------------------------------------

    def store(self, entity_name: str, entity: dict) -> dict:
        """Give ``entity`` its server fields and keep it; returns the stored dict."""
        table = self._store.setdefault(entity_name, {})
        entity_id = str(entity.get("Id") or "")
        if not entity_id or entity_id in table:
            entity_id = str(self._next_id)
            self._next_id += 1
        stamp = meta_time(self.now())
        entity["Id"] = entity_id
        entity["SyncToken"] = "0"
        entity["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        entity["domain"] = "QBO"
        entity["sparse"] = False
        if entity_name in NAME_LISTS:
            entity.setdefault("Active", True)
        table[entity_id] = entity
        if self._hidden is not None:
            self._hidden.add((entity_name, entity_id))
        if self.on_change is not None:
            self.on_change(entity_name, entity_id, "Create")
        return entity

    def get(self, entity_name: str, entity_id, *, visible_only: bool = True) -> dict | None:
        """The stored entity (not a copy), or None."""
        key = str(entity_id)
        if visible_only and self._hidden and (entity_name, key) in self._hidden:
            return None
        return self._store.get(entity_name, {}).get(key)

    def all(self, entity_name: str, *, visible_only: bool = True) -> list[dict]:
        """Stored entities of a type (not copies) in Id order."""
        table = self._store.get(entity_name, {})
        rows = [
            entity
            for key, entity in table.items()
            if not (visible_only and self._hidden and (entity_name, key) in self._hidden)
        ]
        return sorted(rows, key=_id_order)

    def touch(self, entity: dict) -> None:
        """Record a change: bump SyncToken and LastUpdatedTime."""
        entity["SyncToken"] = str(int(entity.get("SyncToken", "0")) + 1)
        entity.setdefault("MetaData", {})["LastUpdatedTime"] = meta_time(self.now())

    def next_doc_number(self, txn_type: str) -> str:
        """The next free number in the type's sequence (skipping numbers already used)."""
        used = {str(e.get("DocNumber")) for e in self.all(txn_type, visible_only=False)}
        number = self._doc_numbers.get(txn_type, FIRST_DOC_NUMBER)
        while str(number) in used:
            number += 1
        self._doc_numbers[txn_type] = number + 1
        return str(number)

    @contextmanager
    def batch_isolation(self):
        """Hide objects created by earlier items of a batch from later items (reference §6)."""
        self._hidden = set()
        try:
            yield
        finally:
            self._hidden = None

    # -- time -------------------------------------------------------------------------------

    def now(self) -> float:
        """The emulated epoch."""
        return self._clock.now()

    def today(self) -> date:
        """The company's local date, QBO's default TxnDate."""
        return datetime.fromtimestamp(self.now(), self.zone).date()

    # -- read-only views built from settings -------------------------------------------------

    def company_info(self) -> dict:
        """The CompanyInfo entity, rebuilt from the current settings."""
        address = dict(_ADDRESSES.get(self.country, {"Country": self.country}))
        slug = "".join(ch for ch in self.name.lower() if ch.isalnum()) or "company"
        return {
            "CompanyName": self.name,
            "LegalName": self.name,
            "CompanyAddr": address,
            "CustomerCommunicationAddr": dict(address),
            "LegalAddr": dict(address),
            "PrimaryPhone": {"FreeFormNumber": "(650) 555-0100"},
            "CompanyStartDate": datetime.fromtimestamp(self._created, self.zone).date().isoformat(),
            "FiscalYearStartMonth": "January",
            "Country": self.country,
            "Email": {"Address": f"owner@{slug}.example"},
            "WebAddr": {},
            "SupportedLanguages": "en",
            "DefaultTimeZone": self.zone.key,
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IsQbdtMigrated", "Value": "false"},
                {"Name": "CompanyType", "Value": "Other"},
            ],
            "Id": "1",
            "SyncToken": "0",
            "MetaData": {"CreateTime": meta_time(self._created),
                         "LastUpdatedTime": meta_time(self._created)},
            "domain": "QBO",
            "sparse": False,
        }

    def preferences(self) -> dict:
        """The Preferences entity, rebuilt from the current settings."""
        terms = [t for t in self.all("Term") if t.get("Name") == "Net 30"]
        sales_forms = {
            "CustomTxnNumbers": self.custom_txn_numbers,
            "AllowDeposit": True,
            "AllowDiscount": True,
            "AllowEstimates": True,
            "AllowServiceDate": False,
            "AllowShipping": False,
            "ETransactionEnabledStatus": "NotApplicable",
            "IPNSupportEnabled": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "PrintItemWithZeroAmount": True,
            "UsingProgressInvoicing": False,
            "UsingPriceLevels": False,
            "EmailCopyToCompany": False,
        }
        if terms:
            sales_forms["DefaultTerms"] = {"value": terms[0]["Id"]}
        return {
            "AccountingInfoPrefs": {"TrackDepartments": self.track_departments,
                                    "DepartmentTerminology": "Location",
                                    "ClassTrackingPerTxn": self.class_tracking == "txn",
                                    "ClassTrackingPerTxnLine": self.class_tracking == "line",
                                    "CustomerTerminology": "Customers"},
            "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True,
                                        "QuantityWithPriceAndRate": True,
                                        "QuantityOnHand": True},
            "SalesFormsPrefs": sales_forms,
            "VendorAndPurchasesPrefs": {"TrackingByCustomer": True,
                                        "BillableExpenseTracking": True},
            # US companies run Automated Sales Tax; CA/GB use explicit tax codes per line.
            "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": self.automated_tax},
            "CurrencyPrefs": {"MultiCurrencyEnabled": self.multicurrency,
                              "HomeCurrency": {"value": self.home_currency}},
            "Id": "1",
            "SyncToken": "0",
            "MetaData": {"CreateTime": meta_time(self._created),
                         "LastUpdatedTime": meta_time(self._created)},
            "domain": "QBO",
            "sparse": False,
        }

    def destination_rate(self, ship_addr) -> tuple[str, Decimal]:
        """Automated sales tax: (state, rate) at the transaction's ShipAddr state, else at the
        company's own address (reference §9)."""
        own = _ADDRESSES["US"]["CountrySubDivisionCode"]
        state = ""
        if isinstance(ship_addr, dict):
            state = str(ship_addr.get("CountrySubDivisionCode") or "").strip().upper()
        if not state or state == own:
            return own, self.sales_tax_rate
        return state, STATE_RATES.get(state, self.sales_tax_rate)

    def home_currency_ref(self) -> dict:
        """CurrencyRef of the home currency."""
        return currency.ref(self.home_currency)


def _id_order(entity: dict):
    entity_id = str(entity.get("Id", ""))
    return (0, int(entity_id), "") if entity_id.isdigit() else (1, 0, entity_id)
