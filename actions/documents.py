"""QuickBooks sales documents built from resolved data: pure functions, no HTTP.

``Draft`` holds what every sales document shares (customer, lines with their item and tax code,
currency); ``invoice``, ``estimate`` and ``sales_receipt`` add each document's own fields.
Amounts are Decimals: each line's Amount is Qty × UnitPrice rounded to the currency's minor
unit, and HubSpot's line discounts become one transaction-level DiscountLineDetail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from actions import money, names
from actions.resolve import SourceLine

MEMO_MAX = 1000
NOTE_MAX = 4000


@dataclass(frozen=True)
class BilledLine:
    """A HubSpot line with the QuickBooks item and tax code it is billed on."""

    source: SourceLine
    item_id: str
    tax_code: str | None


@dataclass(frozen=True)
class Draft:
    """What every sales document is built from."""

    customer_id: str
    lines: tuple[BilledLine, ...]
    currency: str | None = None  # CurrencyRef to send; None leaves QuickBooks' home currency
    bill_email: str = ""
    non_us: bool = False  # prices are net of tax: say so (GlobalTaxCalculation)

    @property
    def discount(self) -> Decimal:
        """The sum of HubSpot's line discounts."""
        return sum((b.source.discount for b in self.lines), money.ZERO)

    @property
    def total(self) -> Decimal:
        """HubSpot's total (the lines' net amounts), which QuickBooks must reproduce."""
        return sum((b.source.amount for b in self.lines), money.ZERO)


def line(billed: BilledLine) -> dict:
    """One SalesItemLineDetail line: Amount = Qty × UnitPrice exactly."""
    src = billed.source
    detail: dict = {
        "ItemRef": {"value": billed.item_id},
        "Qty": src.quantity,
        "UnitPrice": src.unit_price,
    }
    if billed.tax_code:
        detail["TaxCodeRef"] = {"value": billed.tax_code}
    if src.service_date:
        detail["ServiceDate"] = src.service_date.isoformat()
    body: dict = {
        "DetailType": "SalesItemLineDetail",
        "Amount": src.gross,
        "SalesItemLineDetail": detail,
    }
    if src.description:
        body["Description"] = names.cut(src.description, names.DESCRIPTION_MAX)
    return body


def discount_line(amount: Decimal) -> dict:
    """The one transaction-level discount holding every HubSpot line discount."""
    return {
        "DetailType": "DiscountLineDetail",
        "Amount": amount,
        "Description": "Line item discounts from HubSpot",
        "DiscountLineDetail": {"PercentBased": False},
    }


def lines(draft: Draft) -> list[dict]:
    """Every line of the document, the discount (if any) last."""
    built = [line(b) for b in draft.lines]
    if draft.discount > 0:
        built.append(discount_line(draft.discount))
    return built


def sales_document(
    draft: Draft,
    *,
    txn_date: date | None = None,
    customer_memo: str = "",
    private_note: str = "",
    doc_number: str = "",
) -> dict:
    """The fields Invoice, Estimate and SalesReceipt share."""
    body: dict = {"CustomerRef": {"value": draft.customer_id}, "Line": lines(draft)}
    if draft.currency:
        body["CurrencyRef"] = {"value": draft.currency}
    if draft.non_us:
        body["GlobalTaxCalculation"] = "TaxExcluded"
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    if doc_number:
        body["DocNumber"] = names.cut(doc_number, names.DOC_NUMBER_MAX)
    if customer_memo:
        body["CustomerMemo"] = {"value": names.cut(customer_memo, MEMO_MAX)}
    if private_note:
        body["PrivateNote"] = names.cut(private_note, NOTE_MAX)
    if draft.bill_email:
        body["BillEmail"] = {"Address": names.cut(draft.bill_email, names.EMAIL_MAX)}
    return body


def invoice(draft: Draft, *, terms: str = "", due_date: date | None = None, **common) -> dict:
    """An Invoice: terms set the due date unless one is given."""
    body = sales_document(draft, **common)
    if terms:
        body["SalesTermRef"] = {"value": terms}
    if due_date:
        body["DueDate"] = due_date.isoformat()
    return body


def estimate(draft: Draft, *, expiration_date: date | None = None, **common) -> dict:
    """An Estimate, pending the customer's acceptance."""
    body = sales_document(draft, **common)
    if expiration_date:
        body["ExpirationDate"] = expiration_date.isoformat()
    return body


def sales_receipt(
    draft: Draft,
    *,
    deposit_account: str = "",
    payment_method: str = "",
    payment_ref: str = "",
    **common,
) -> dict:
    """A SalesReceipt; without a deposit account QuickBooks uses Undeposited Funds."""
    body = sales_document(draft, **common)
    if deposit_account:
        body["DepositToAccountRef"] = {"value": deposit_account}
    if payment_method:
        body["PaymentMethodRef"] = {"value": payment_method}
    if payment_ref:
        body["PaymentRefNum"] = names.cut(payment_ref, names.PAYMENT_REF_MAX)
    return body


def subtotal_after_discount(txn: dict) -> Decimal:
    """From QuickBooks' answer: the item lines' total minus the discount (tax excluded)."""
    subtotal = None
    items = money.ZERO
    discount = money.ZERO
    for entry in txn.get("Line") or []:
        amount = money.parse(entry.get("Amount")) or money.ZERO
        kind = entry.get("DetailType")
        if kind == "SubTotalLineDetail":
            subtotal = amount
        elif kind == "SalesItemLineDetail":
            items += amount
        elif kind == "DiscountLineDetail":
            discount += amount
    return (items if subtotal is None else subtotal) - discount
