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
    non_us: bool = False  # outside the US every document says GlobalTaxCalculation
    quote_discount: Decimal = money.ZERO  # a quote's own discounts (0-84), after line discounts
    expected: Decimal | None = None  # what QuickBooks must reach when not the lines' total
    bill_addr: dict | None = None
    ship_addr: dict | None = None
    note_head: str = ""  # the PrivateNote's first line: the HubSpot record and its link
    auto_number: bool = False  # CustomTxnNumbers on: ask QuickBooks for its next number
    class_id: str = ""
    class_per_line: bool = False
    department: str = ""
    tax_inclusive: bool = False  # amounts are gross (paid/refunded): TaxInclusive outside the US
    linked_estimate: str = ""

    @property
    def discount(self) -> Decimal:
        """The sum of HubSpot's line discounts and the quote's own discounts."""
        lines = sum((b.source.discount for b in self.lines), money.ZERO)
        return lines + self.quote_discount

    @property
    def total(self) -> Decimal:
        """HubSpot's total, which QuickBooks' subtotal after discount must reproduce."""
        if self.expected is not None:
            return self.expected
        lines = sum((b.source.amount for b in self.lines), money.ZERO)
        return lines - self.quote_discount


def line(billed: BilledLine, class_id: str = "") -> dict:
    """One SalesItemLineDetail line: Amount = Qty × UnitPrice exactly."""
    src = billed.source
    detail: dict = {
        "ItemRef": {"value": billed.item_id},
        "Qty": src.quantity,
        "UnitPrice": src.unit_price,
    }
    if class_id:
        detail["ClassRef"] = {"value": class_id}
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


def discount_line(amount: Decimal, quote: bool = False, class_id: str = "") -> dict:
    """The one transaction-level discount holding every HubSpot line and quote discount."""
    detail: dict = {"PercentBased": False}
    if class_id:
        detail["ClassRef"] = {"value": class_id}
    return {
        "DetailType": "DiscountLineDetail",
        "Amount": amount,
        "Description": "Quote and line item discounts from HubSpot" if quote
        else "Line item discounts from HubSpot",
        "DiscountLineDetail": detail,
    }


def lines(draft: Draft) -> list[dict]:
    """Every line of the document, the discount (if any) last."""
    per_line = draft.class_id if draft.class_per_line else ""
    built = [line(b, per_line) for b in draft.lines]
    if draft.discount > 0:
        built.append(discount_line(draft.discount, draft.quote_discount > 0, per_line))
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
        body["GlobalTaxCalculation"] = "TaxInclusive" if draft.tax_inclusive else "TaxExcluded"
    elif draft.discount > 0:
        # Tax on HubSpot's net amounts: the discount comes off before tax (US only field).
        body["ApplyTaxAfterDiscount"] = True
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    if doc_number:
        body["DocNumber"] = names.cut(doc_number, names.DOC_NUMBER_MAX)
    elif draft.auto_number:
        body["DocNumber"] = "AUTO_GENERATE"
    if customer_memo:
        body["CustomerMemo"] = {"value": names.cut(customer_memo, MEMO_MAX)}
    note = "\n".join(p for p in (draft.note_head, (private_note or "").strip()) if p)
    if note:
        body["PrivateNote"] = names.cut(note, NOTE_MAX)
    if draft.bill_email:
        body["BillEmail"] = {"Address": names.cut(draft.bill_email, names.EMAIL_MAX)}
    if draft.bill_addr:
        body["BillAddr"] = dict(draft.bill_addr)
    if draft.ship_addr:
        body["ShipAddr"] = dict(draft.ship_addr)
    if draft.class_id and not draft.class_per_line:
        body["ClassRef"] = {"value": draft.class_id}
    if draft.department:
        body["DepartmentRef"] = {"value": draft.department}
    return body


def invoice(draft: Draft, *, terms: str = "", due_date: date | None = None, **common) -> dict:
    """An Invoice: terms set the due date unless one is given."""
    body = sales_document(draft, **common)
    if draft.linked_estimate:
        body["LinkedTxn"] = [{"TxnId": draft.linked_estimate, "TxnType": "Estimate"}]
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
