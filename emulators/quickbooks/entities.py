"""Which entities the API serves, and the create / update / read dispatch over them."""

from __future__ import annotations

from . import errors, lists, payments, purchases, sales, schema
from .company import Company

# URL resource segment -> entity name, as Intuit spells both.
RESOURCES = {
    "customer": "Customer",
    "item": "Item",
    "vendor": "Vendor",
    "account": "Account",
    "term": "Term",
    "paymentmethod": "PaymentMethod",
    "invoice": "Invoice",
    "estimate": "Estimate",
    "salesreceipt": "SalesReceipt",
    "payment": "Payment",
    "purchase": "Purchase",
    "refundreceipt": "RefundReceipt",
    "taxcode": "TaxCode",
    "taxrate": "TaxRate",
    "employee": "Employee",
}
CREATABLE = frozenset(
    {"Customer", "Item", "Vendor", "Account", "Term", "PaymentMethod", "Invoice", "Estimate",
     "SalesReceipt", "Payment", "Purchase", "RefundReceipt"}
)
SENDABLE = frozenset({"Invoice", "Estimate", "SalesReceipt"})


def write(company: Company, entity_name: str, body, *, allow_duplicate_doc_number: bool = False,
          strict_schema: bool = True) -> dict:
    """Create (no Id) or update (with Id) an entity; returns the stored dict."""
    if entity_name not in CREATABLE:
        raise errors.unsupported_operation(f"create on {entity_name}")
    if not isinstance(body, dict):
        raise errors.unsupported_property(entity_name, f"the {entity_name} body must be an object")
    if strict_schema:
        check_schema(entity_name, body)
    if body.get("Id") not in (None, ""):
        if entity_name in lists.PREPARE:
            return lists.update(company, entity_name, body)
        raise errors.unsupported_operation(f"update on {entity_name} in this emulator")
    if entity_name in lists.PREPARE:
        return lists.create(company, entity_name, body)
    if entity_name in sales.SALES_TYPES:
        return sales.create(company, entity_name, body, allow_duplicate_doc_number)
    if entity_name == "Payment":
        return payments.create(company, body)
    return purchases.create(company, body)


def check_schema(entity_name: str, body: dict) -> None:
    """2010 for the first field the XSD does not accept."""
    issues = schema.check(entity_name, body)
    if issues:
        issue = issues[0]
        detail = issue.message if issue.unknown else str(issue)
        raise errors.unsupported_property(issue.path or entity_name, detail)


def read(company: Company, entity_name: str, entity_id: str) -> dict:
    """The stored entity, or 610 when the Id names nothing."""
    entity = company.get(entity_name, entity_id)
    if entity is None:
        raise errors.object_not_found("Id")
    return entity
