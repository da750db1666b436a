"""Create QuickBooks sales receipt: a SalesReceipt (paid at sale) from a deal, quote or payment."""

from __future__ import annotations

from actions import booking, documents, payments
from actions.base import Action, Outcome
from actions.fields import (
    BOOKS,
    COMMON,
    DEPOSIT_ACCOUNT,
    PAYMENT_METHOD,
)
from actions.prefetch import PrefetchesSales
from schemas.records import DEAL, PAYMENT, QUOTE


class CreateSalesReceipt(PrefetchesSales, Action):
    """Create QuickBooks sales receipt (SalesReceipt)."""

    def run(self, ctx) -> Outcome:
        """Resolve the record, create the SalesReceipt, report it."""
        if ctx.record.type is PAYMENT:
            payments.require_received(ctx.record.id, payments.properties(ctx))
        prepared = booking.prepare(ctx, contact=payer(ctx))
        details = receipt_details(ctx, prepared)
        booked = booking.create(
            ctx, "SalesReceipt", prepared, lambda draft: build(draft, ctx.inputs, details)
        )
        result = booking.outcome(ctx, booked, prepared)
        if ctx.record.type is PAYMENT:
            result = payments.total_mismatch(result, details["paid"], prepared.sale.currency,
                                             "payment", "the sales receipt was kept for review.")
        return result


def payer(ctx):
    """Who pays, when the record says so better than its contact (payments: issue 5's seam)."""
    return None


def receipt_details(ctx, prepared: booking.Prepared) -> dict:
    """PaymentMethodRef and PaymentRefNum for the record.

    Deals and quotes: the action's payment method, no reference number. Payments: see
    ``payments.receipt_fields`` (method mapped from ``hs_payment_method_type``, reference
    ``hs_reference_number`` else the payment id, the payment's date and collected tax).
    """
    details = {"payment_method": str(ctx.inputs.get("payment_method") or "").strip(),
               "payment_ref": ""}
    if ctx.record.type is PAYMENT:
        details.update(payments.receipt_fields(ctx, prepared))
    return details


def build(draft: documents.Draft, inputs: dict, details: dict) -> dict:
    """The SalesReceipt body: deposit account (default Undeposited Funds), method, reference."""
    body = documents.sales_receipt(
        draft,
        deposit_account=str(inputs.get("deposit_account") or "").strip(),
        payment_method=details.get("payment_method", ""),
        payment_ref=details.get("payment_ref", ""),
        txn_date=details.get("txn_date"),
        customer_memo=inputs.get("customer_memo") or "",
        private_note=inputs.get("private_note") or "",
        doc_number=str(inputs.get("doc_number") or "").strip(),
    )
    return payments.with_tax(body, details.get("tax"))


ACTION = CreateSalesReceipt(
    slug="create-sales-receipt",
    name="Create QuickBooks sales receipt",
    description=(
        "Creates a QuickBooks Online sales receipt (paid at sale) from a deal, quote or "
        "payment."
    ),
    record_types=(DEAL, QUOTE, PAYMENT),
    fields=(*COMMON, DEPOSIT_ACCOUNT, PAYMENT_METHOD, *BOOKS),
)
