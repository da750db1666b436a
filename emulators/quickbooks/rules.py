"""Validation rules shared by every entity: required fields, refs, names, currency, numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from . import currency, errors
from .company import NAME_LISTS, Company
from .wire import decimal

# Which entity a ref of each name points at. A name missing here is not checked, except that
# refs to entity types the emulator never stores (Class, Department) can only be invalid.
REF_TARGETS: dict[str, tuple[str, ...]] = {
    "CustomerRef": ("Customer",),
    "ItemRef": ("Item",),
    "AccountRef": ("Account",),
    "DepositToAccountRef": ("Account",),
    "IncomeAccountRef": ("Account",),
    "ExpenseAccountRef": ("Account",),
    "AssetAccountRef": ("Account",),
    "ARAccountRef": ("Account",),
    "APAccountRef": ("Account",),
    "ItemAccountRef": ("Account",),
    "DiscountAccountRef": ("Account",),
    "SalesTermRef": ("Term",),
    "TermRef": ("Term",),
    "PaymentMethodRef": ("PaymentMethod",),
    "VendorRef": ("Vendor",),
    "TaxCodeRef": ("TaxCode",),
    "SalesTaxCodeRef": ("TaxCode",),
    "PurchaseTaxCodeRef": ("TaxCode",),
    "TxnTaxCodeRef": ("TaxCode",),
    "TaxRateRef": ("TaxRate",),
    "EntityRef": ("Vendor", "Customer", "Employee"),
    "ClassRef": ("Class",),
    "DepartmentRef": ("Department",),
}
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
# Refs whose checks live elsewhere: currency has its own rules and LinkedTxn is not a ref.
_WALK_SKIPS = frozenset({"CurrencyRef", "LinkedTxn", "TxnTaxDetail"})


def require(value, element: str):
    """Raise 2020 unless ``value`` is present and non-empty."""
    if value is None or value == "" or value == [] or value == {}:
        raise errors.required_missing(element)
    return value


def require_ref(body: dict, key: str, element: str | None = None) -> dict:
    """Raise 2020 unless ``body[key]`` is a ref with a value."""
    ref = body.get(key)
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        raise errors.required_missing(element or key)
    return ref


def number(value, element: str) -> Decimal:
    """A JSON number as Decimal, or 2010 when it is not one (schema checks may be off)."""
    try:
        return decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        detail = f"invalid number {value!r} for {element}"
        raise errors.unsupported_property(element, detail) from None


def resolve(
    company: Company, targets: tuple[str, ...], ref: dict, element: str
) -> tuple[str, dict]:
    """The (type, entity) a ref names: 2500 when it names nothing, 610 when inactive."""
    value = str(ref.get("value", ""))
    kind = ref.get("type")
    if kind and len(targets) > 1:
        if kind not in targets:
            raise errors.invalid_reference(element)
        targets = (kind,)
    for entity_name in targets:
        entity = company.get(entity_name, value)
        if entity is None:
            continue
        if entity_name in NAME_LISTS and entity.get("Active") is False:
            raise errors.inactive_reference(element)
        return entity_name, entity
    raise errors.invalid_reference(element)


def check_refs(company: Company, body, path: str = "", skip: frozenset[str] = frozenset()) -> None:
    """Resolve every known ``...Ref`` in ``body`` (recursively), filling in missing names."""
    if isinstance(body, list):
        for item in body:
            check_refs(company, item, path, skip)
        return
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        element = f"{path}.{key}" if path else key
        if key in _WALK_SKIPS or element in skip:
            continue
        if key.endswith("Ref") and key in REF_TARGETS and isinstance(value, dict):
            if value.get("value") in (None, ""):
                continue
            kind, entity = resolve(company, REF_TARGETS[key], value, element)
            value.setdefault("name", display_name(kind, entity))
            if key == "EntityRef":
                value.setdefault("type", kind)
        elif isinstance(value, dict | list):
            check_refs(company, value, element, skip)


def display_name(entity_name: str, entity: dict) -> str:
    """How QBO names an entity inside a ref."""
    return str(entity.get("DisplayName") or entity.get("Name") or entity.get("Id"))


def check_length(body: dict, key: str, maximum: int, element: str | None = None) -> None:
    """6000 when a string field is longer than QBO stores."""
    value = body.get(key)
    if isinstance(value, str) and len(value) > maximum:
        raise errors.string_length(element or key, maximum, len(value))


def check_name_characters(body: dict, keys) -> None:
    """6000 when a name field carries a colon, tab or newline (reference §3)."""
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and any(ch in value for ch in ":\t\n"):
            raise errors.business(f"{key} cannot contain a colon (:), tab or newline.", key)


def check_unique_party_name(company: Company, name: str, exclude: tuple[str, str] | None) -> None:
    """6240 when a Customer, Vendor or Employee already uses ``name`` (case-insensitive)."""
    folded = name.casefold()
    for entity_name in ("Customer", "Vendor", "Employee"):
        for entity in company.all(entity_name, visible_only=False):
            if exclude == (entity_name, entity["Id"]):
                continue
            if str(entity.get("DisplayName", "")).casefold() == folded:
                raise errors.duplicate_name("Another customer, vendor or employee")


def check_unique_name(company: Company, entity_name: str, name: str, exclude: str | None,
                      who: str) -> None:
    """6240 when another entity of the type already uses ``name`` (case-insensitive)."""
    folded = name.casefold()
    for entity in company.all(entity_name, visible_only=False):
        if entity["Id"] != exclude and str(entity.get("Name", "")).casefold() == folded:
            raise errors.duplicate_name(who)


def currency_of(company: Company, body: dict, element: str = "CurrencyRef") -> str:
    """The currency a body is in (home when omitted); 6000 when multicurrency is off."""
    ref = body.get("CurrencyRef")
    code = str(ref.get("value", "")) if isinstance(ref, dict) else ""
    if not code:
        return company.home_currency
    if not currency.is_known(code):
        raise errors.invalid_reference(element)
    if code != company.home_currency and not company.multicurrency:
        raise errors.business(
            f"Multicurrency is not enabled for this company, so every amount must be in the "
            f"home currency {company.home_currency}; CurrencyRef {code} cannot be used. "
            "Turn on multicurrency in the company settings first.",
            element,
        )
    return code


def party_currency(party: dict, company: Company) -> str:
    """The currency fixed on a Customer or Vendor."""
    ref = party.get("CurrencyRef")
    return str(ref.get("value")) if isinstance(ref, dict) else company.home_currency


def check_same_currency(txn_currency: str, party: dict, company: Company, who: str) -> None:
    """6000 when a transaction is not in its customer's (or vendor's) currency."""
    expected = party_currency(party, company)
    if txn_currency != expected:
        raise errors.business(
            f"The transaction currency {txn_currency} must match the {who} currency "
            f"{expected} of {display_name(who, party)}.",
            "CurrencyRef",
        )


def check_doc_number(company: Company, txn_type: str, doc_number: str | None,
                     allow_duplicates: bool) -> None:
    """DocNumber length (≤ 21) and uniqueness per transaction type (6140)."""
    if doc_number is None:
        return
    text = str(doc_number)
    if len(text) > 21:
        raise errors.string_length("DocNumber", 21, len(text))
    if allow_duplicates or not text:
        return
    for entity in company.all(txn_type, visible_only=False):
        if str(entity.get("DocNumber", "")) == text:
            raise errors.duplicate_doc_number(text, txn_type, entity["Id"])


def assign_doc_number(company: Company, txn_type: str, txn: dict) -> None:
    """Fill DocNumber by QBO's next-in-sequence rule unless custom numbers are on."""
    requested = txn.get("DocNumber")
    if requested == "AUTO_GENERATE" or (requested in (None, "") and not company.custom_txn_numbers):
        txn["DocNumber"] = company.next_doc_number(txn_type)
    elif requested in (None, ""):
        txn.pop("DocNumber", None)
