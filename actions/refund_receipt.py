"""Create QuickBooks refund receipt: a RefundReceipt for a refunded HubSpot payment.

``refunded``: the payment's lines mirrored (same customer, items, tax codes and discount) for
hs_refunds_amount. ``partially_refunded``: PARTIAL_REFUND, or with ``allow_partial`` one line of
the refunded amount on the fallback item. Any other status: NOT_REFUNDED. The refund is paid
from ``refund_from_account`` (Bank or Other Current Asset), checked before anything is created.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from actions import booking, documents, payments
from actions.base import Action, Outcome
from actions.fields import (
    ALLOW_PARTIAL,
    BOOKS,
    COMMON,
    PAYMENT_METHOD,
    REFUND_FROM_ACCOUNT,
)
from actions.prefetch import PrefetchesSales
from actions.resolve import SourceLine
from failures import ActionFailed
from schemas.records import PAYMENT

STEP = "refund_receipt"
REFUND_ACCOUNT_TYPES = ("Bank", "Other Current Asset")


class CreateRefundReceipt(PrefetchesSales, Action):
    """Create QuickBooks refund receipt (RefundReceipt)."""

    def run(self, ctx) -> Outcome:
        """Check the status, amount and account, then create the RefundReceipt exactly once."""
        props = payments.properties(ctx)
        partial = refund_kind(ctx, props)
        currency = (str(props.get("hs_currency_code") or "").strip().upper()
                    or (ctx.connection.home_currency or "").upper())
        refunded = refunded_amount(ctx, props, currency)
        if partial and not str(ctx.inputs.get("fallback_item") or "").strip():
            raise ActionFailed(
                "FALLBACK_ITEM_REQUIRED",
                f"HubSpot payment {ctx.record.id} was partly refunded ({refunded} {currency}); "
                "a partial refund is booked as one line on the fallback item, and the action "
                "has none. Choose a 'Fallback item'.",
            )
        account = str(ctx.inputs["refund_from_account"]).strip()
        if not ctx.step_done(STEP):
            found = payments.accounts(ctx, account)
            row = payments.check_account(found, account, "'Refund from' account",
                                         REFUND_ACCOUNT_TYPES)
            payments.check_account_currency(row, "'Refund from' account", currency,
                                            ctx.connection.home_currency or "")
        single = (lambda sale: [refund_line(ctx.record.id, refunded)]) if partial else None
        prepared = booking.prepare(ctx, lines=single)
        currency = prepared.sale.currency
        tax = payments.collected_tax(ctx.connection, prepared.draft, refunded, currency,
                                     code="REFUND_AMOUNT_MISMATCH", what="refunded amount")
        details = {
            "deposit_account": account,
            "payment_method": payments.method_for(ctx, prepared.sale.properties),
            "payment_ref": payments.ref_num(prepared.sale.properties, ctx.record.id),
            "private_note": payments.memo(prepared.sale.properties, ctx.record.id,
                                          "Partial refund" if partial else "Refund",
                                          ctx.inputs.get("private_note") or ""),
        }
        booked = booking.create(
            ctx, "RefundReceipt", prepared,
            lambda draft: payments.with_tax(build(draft, ctx.inputs, details), tax), step=STEP,
        )  # fmt: skip
        result = booking.outcome(ctx, booked, prepared)
        return payments.total_mismatch(result, refunded, currency, "refunded amount",
                                       "the refund receipt was kept for review.")


def refund_kind(ctx, props: dict) -> bool:
    """True for a partial refund the action may book; NOT_REFUNDED / PARTIAL_REFUND otherwise."""
    state = payments.status(props)
    if state == payments.REFUNDED:
        return False
    if state == payments.PARTIALLY_REFUNDED:
        if ctx.inputs.get("allow_partial"):
            return True
        raise ActionFailed(
            "PARTIAL_REFUND",
            f"HubSpot payment {ctx.record.id} is only partly refunded "
            f"({props.get('hs_refunds_amount') or 'amount unknown'} of "
            f"{props.get('hs_initial_amount') or '?'}). Turn on 'Allow partial refunds' to book "
            "the refunded amount as one line on the fallback item.",
        )
    raise ActionFailed(
        "NOT_REFUNDED",
        f"HubSpot payment {ctx.record.id} is {state or 'without status'!r}, not refunded: a "
        "refund receipt is only booked once the status is 'refunded'.",
    )


def refunded_amount(ctx, props: dict, currency: str) -> Decimal:
    """hs_refunds_amount; for a full refund without one, the gross amount (the status says all
    of it was refunded)."""
    refunded = payments.amount(props, "hs_refunds_amount", currency)
    if refunded is None and payments.status(props) == payments.REFUNDED:
        return payments.gross(props, currency, ctx.record.id)
    if refunded is None or refunded <= 0:
        raise ActionFailed(
            "NOT_REFUNDED",
            f"HubSpot payment {ctx.record.id} has no refunded amount (hs_refunds_amount is "
            f"{props.get('hs_refunds_amount')!r}).",
        )
    return refunded


def refund_line(payment_id, refunded: Decimal) -> SourceLine:
    """The one line of a partial refund, billed on the fallback item."""
    text = f"Partial refund of HubSpot payment {payment_id}"
    return SourceLine(
        key="refund", name=text, description=text, sku="", quantity=Decimal(1),
        unit_price=refunded, gross=refunded, amount=refunded, taxable=False,
        fallback_first=True, tax_included=True,
    )  # fmt: skip


def build(draft: documents.Draft, inputs: dict, details: dict) -> dict:
    """The RefundReceipt body (pure): a SalesReceipt's shape, its deposit account being the
    account the refund is paid from."""
    # AUTO_GENERATE is for Invoice, Estimate and SalesReceipt only (reference §10).
    return documents.sales_receipt(
        replace(draft, auto_number=False),
        deposit_account=details["deposit_account"],
        payment_method=details.get("payment_method", ""),
        payment_ref=details.get("payment_ref", ""),
        customer_memo=inputs.get("customer_memo") or "",
        private_note=details.get("private_note", ""),
        doc_number=str(inputs.get("doc_number") or "").strip(),
    )


ACTION = CreateRefundReceipt(
    slug="create-refund-receipt",
    name="Create QuickBooks refund receipt",
    description="Creates a QuickBooks refund receipt when the HubSpot payment was fully refunded.",
    record_types=(PAYMENT,),
    fields=(*COMMON, REFUND_FROM_ACCOUNT, PAYMENT_METHOD, ALLOW_PARTIAL, *BOOKS),
)
