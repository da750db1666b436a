"""Name-list entities (Customer, Vendor, Item, Account, Term, PaymentMethod): create and update."""

from __future__ import annotations

import copy
from decimal import Decimal

from . import currency, errors, rules
from .company import Company
from .seed import CLASSIFICATION

SERVER_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")
# Fields QBO computes; a client may send them back but cannot set them.
READ_ONLY = {
    "Customer": ("Balance", "BalanceWithJobs"),
    "Vendor": ("Balance",),
    "Account": ("CurrentBalance", "CurrentBalanceWithSubAccounts"),
    "Item": (),
    "Term": (),
    "PaymentMethod": (),
}
INVENTORY_ONLY = ("QtyOnHand", "InvStartDate", "AssetAccountRef", "ReorderPoint")
INCOME_ACCOUNT_TYPES = frozenset({"Service", "Other Charge", "Inventory", "Assembly"})
ACCOUNT_SUBTYPES = {
    "Checking": "Bank",
    "Savings": "Bank",
    "MoneyMarket": "Bank",
    "CashOnHand": "Bank",
    "UndepositedFunds": "Other Current Asset",
    "OtherCurrentAssets": "Other Current Asset",
    "AccountsReceivable": "Accounts Receivable",
    "AccountsPayable": "Accounts Payable",
    "CreditCard": "Credit Card",
    "SalesOfProductIncome": "Income",
    "ServiceFeeIncome": "Income",
    "DiscountsRefundsGiven": "Income",
    "OtherPrimaryIncome": "Income",
    "BankCharges": "Expense",
    "OtherMiscellaneousServiceCost": "Expense",
    "OfficeGeneralAdministrativeExpenses": "Expense",
    "OtherMiscellaneousExpense": "Other Expense",
    "SuppliesMaterialsCogs": "Cost of Goods Sold",
}


def create(company: Company, entity_name: str, body: dict) -> dict:
    """Validate and store a new name-list entity."""
    fields = {k: v for k, v in body.items() if k not in SERVER_FIELDS + READ_ONLY[entity_name]}
    entity = PREPARE[entity_name](company, fields, None)
    if entity_name in ("Customer", "Vendor"):
        entity["Balance"] = Decimal("0")
    if entity_name == "Customer":
        entity["BalanceWithJobs"] = Decimal("0")
    if entity_name == "Account":
        entity["CurrentBalance"] = Decimal("0")
        entity["CurrentBalanceWithSubAccounts"] = Decimal("0")
    return company.store(entity_name, entity)


def update(company: Company, entity_name: str, body: dict) -> dict:
    """Apply a full or sparse update, guarded by SyncToken (5010 when stale)."""
    entity_id = rules.require(body.get("Id"), "Id")
    sync_token = rules.require(body.get("SyncToken"), "SyncToken")
    current = company.get(entity_name, entity_id)
    if current is None:
        raise errors.object_not_found("Id")
    if str(sync_token) != current["SyncToken"]:
        raise errors.stale_object()
    changes = {k: v for k, v in body.items() if k not in SERVER_FIELDS + READ_ONLY[entity_name]}
    kept = SERVER_FIELDS + READ_ONLY[entity_name]
    if body.get("sparse") is True:
        merged = {k: v for k, v in copy.deepcopy(current).items() if k not in kept}
        merged.update(changes)
    else:
        merged = changes
    entity = PREPARE[entity_name](company, merged, current)
    preserved = {k: current[k] for k in kept if k in current}
    current.clear()
    current.update(entity)
    current.update(preserved)
    company.touch(current)
    return current


def customer(company: Company, body: dict, current: dict | None) -> dict:
    """Customer rules: a name, unique across parties, and a fixed currency."""
    return _party(company, "Customer", body, current)


def vendor(company: Company, body: dict, current: dict | None) -> dict:
    """Vendor rules: the same NameBase rules as Customer."""
    return _party(company, "Vendor", body, current)


def _party(company: Company, kind: str, body: dict, current: dict | None) -> dict:
    party = copy.deepcopy(body)
    for key, maximum in (("DisplayName", 500), ("GivenName", 100), ("FamilyName", 100),
                         ("MiddleName", 100), ("CompanyName", 100), ("Title", 16),
                         ("Suffix", 16), ("PrintOnCheckName", 110)):
        rules.check_length(party, key, maximum)
    rules.check_name_characters(party, ("DisplayName", *rules.NAME_PARTS, "PrintOnCheckName"))
    if not str(party.get("DisplayName") or "").strip():
        parts = [str(party.get(k) or "").strip() for k in rules.NAME_PARTS]
        if not any(parts):
            raise errors.no_name()
        # QBO builds the DisplayName from the name parts when none is given.
        party["DisplayName"] = " ".join(p for p in parts if p)
    email = party.get("PrimaryEmailAddr")
    if isinstance(email, dict) and email.get("Address") is not None:
        address = str(email["Address"])
        rules.check_length(email, "Address", 100, "PrimaryEmailAddr.Address")
        if "@" not in address or "." not in address:
            raise errors.business(
                f"Invalid email address {address!r}: it must contain @ and a dot.",
                "PrimaryEmailAddr.Address")
    code = rules.currency_of(company, party)
    if current is not None and rules.party_currency(current, company) != code:
        raise errors.business(f"The currency of a {kind.lower()} cannot be changed once set.",
                              "CurrencyRef")
    party["CurrencyRef"] = currency.ref(code)
    exclude = (kind, current["Id"]) if current else None
    rules.check_unique_party_name(company, party["DisplayName"], exclude)
    rules.check_refs(company, party)
    party.setdefault("FullyQualifiedName", party["DisplayName"])
    party.setdefault("PrintOnCheckName", party["DisplayName"])
    party.setdefault("Active", True)
    if kind == "Customer":
        party.setdefault("Job", False)
        party.setdefault("BillWithParent", False)
        party.setdefault("Taxable", company.is_us)
        party.setdefault("PreferredDeliveryMethod", "Print")
    else:
        party.setdefault("Vendor1099", False)
    return party


def item(company: Company, body: dict, current: dict | None) -> dict:
    """Item rules: Name and Type, accounts by type, no inventory fields on other types."""
    entity = copy.deepcopy(body)
    name = str(rules.require(entity.get("Name"), "Name"))
    kind = str(rules.require(entity.get("Type"), "Type"))
    rules.check_length(entity, "Name", 100)
    rules.check_length(entity, "Sku", 100)
    rules.check_name_characters(entity, ("Name",))
    if kind != "Inventory":
        for key in INVENTORY_ONLY:
            if entity.get(key) is not None:
                raise errors.unsupported_property(
                    key, f'Unrecognized field "{key}" for an item of Type {kind}; '
                         "it applies to Inventory items only")
        if entity.get("TrackQtyOnHand") is True:
            raise errors.unsupported_property(
                "TrackQtyOnHand", f"TrackQtyOnHand cannot be true for an item of Type {kind}")
    if kind in INCOME_ACCOUNT_TYPES:
        rules.require_ref(entity, "IncomeAccountRef")
    if kind == "Inventory":
        for key in ("AssetAccountRef", "ExpenseAccountRef", "QtyOnHand", "InvStartDate"):
            rules.require(entity.get(key), key)
    rules.check_refs(company, entity)
    rules.check_unique_name(company, "Item", name, current["Id"] if current else None,
                            "Another product or service")
    entity.setdefault("FullyQualifiedName", name)
    entity.setdefault("Active", True)
    entity.setdefault("UnitPrice", Decimal("0"))
    entity.setdefault("Taxable", False)
    entity.setdefault("TrackQtyOnHand", kind == "Inventory")
    return entity


def account(company: Company, body: dict, current: dict | None) -> dict:
    """Account rules: Name, and AccountType or AccountSubType."""
    entity = copy.deepcopy(body)
    name = str(rules.require(entity.get("Name"), "Name"))
    rules.check_length(entity, "Name", 100)
    if any(ch in name for ch in '":'):
        raise errors.business('An account name cannot contain a double quote (") or colon (:).',
                              "Name")
    kind, subtype = entity.get("AccountType"), entity.get("AccountSubType")
    if not kind and not subtype:
        raise errors.required_missing("AccountType")
    if not kind:
        kind = ACCOUNT_SUBTYPES.get(str(subtype))
        if kind is None:
            raise errors.business(f"AccountSubType {subtype!r} is unknown; send AccountType too.",
                                  "AccountSubType")
        entity["AccountType"] = kind
    if kind == "Non-Posting":
        raise errors.business("Non-Posting accounts are not supported in QuickBooks Online.",
                              "AccountType")
    code = rules.currency_of(company, entity)
    rules.check_refs(company, entity)
    rules.check_unique_name(company, "Account", name, current["Id"] if current else None,
                            "Another account")
    entity["CurrencyRef"] = currency.ref(code)
    entity["Classification"] = CLASSIFICATION.get(kind, "Asset")
    entity.setdefault("FullyQualifiedName", name)
    entity.setdefault("SubAccount", False)
    entity.setdefault("Active", True)
    return entity


def term(company: Company, body: dict, current: dict | None) -> dict:
    """Term rules: Name, and either DueDays or the date-driven set."""
    entity = copy.deepcopy(body)
    name = str(rules.require(entity.get("Name"), "Name"))
    rules.check_length(entity, "Name", 31)
    due_days = entity.get("DueDays")
    date_driven = entity.get("DayOfMonthDue") is not None
    if due_days is None and not date_driven:
        raise errors.required_missing("DueDays")
    if due_days is not None and date_driven:
        raise errors.business("A term takes either DueDays or DayOfMonthDue, not both.", "DueDays")
    if due_days is not None and not 0 <= int(due_days) <= 999:
        raise errors.business("DueDays must be between 0 and 999.", "DueDays")
    rules.check_unique_name(company, "Term", name, current["Id"] if current else None,
                            "Another term")
    entity["Type"] = "STANDARD" if due_days is not None else "DATE_DRIVEN"
    entity.setdefault("Active", True)
    return entity


def payment_method(company: Company, body: dict, current: dict | None) -> dict:
    """PaymentMethod rules: Name, and Type CREDIT_CARD or NON_CREDIT_CARD."""
    entity = copy.deepcopy(body)
    name = str(rules.require(entity.get("Name"), "Name"))
    rules.check_length(entity, "Name", 31)
    entity.setdefault("Type", "NON_CREDIT_CARD")
    if entity["Type"] not in ("CREDIT_CARD", "NON_CREDIT_CARD"):
        raise errors.business("PaymentMethod Type must be CREDIT_CARD or NON_CREDIT_CARD.", "Type")
    rules.check_unique_name(company, "PaymentMethod", name, current["Id"] if current else None,
                            "Another payment method")
    entity.setdefault("Active", True)
    return entity


PREPARE = {
    "Customer": customer,
    "Vendor": vendor,
    "Item": item,
    "Account": account,
    "Term": term,
    "PaymentMethod": payment_method,
}
