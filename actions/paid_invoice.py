"""Create paid QuickBooks invoice: an Invoice from a HubSpot payment, then a Payment settling it.

Two QuickBooks writes, each exactly once (its own requestid and ledger step), so a retried
execution that lost the Payment's answer finishes it without a second Invoice:

1. ``invoice`` — the Invoice, built as create-invoice builds it, dated hs_initiated_date;
2. ``payment`` — a Payment of hs_initial_amount linked to it (LinkedTxn type Invoice);
3. the Invoice read back: its Balance must be 0 and it must list the Payment.
"""

from __future__ import annotations

from decimal import Decimal

from actions import booking, books, invoice, money, payments, rejections
from actions.base import Action, Outcome
from actions.booking import Booked
from actions.fields import (
    BOOKS,
    COMMON,
    DEPOSIT_ACCOUNT,
    PAYMENT_METHOD,
    PAYMENT_TERMS,
    SKIP_INVOICE_PAYMENTS,
)
from actions.prefetch import PrefetchesSales
from clients.quickbooks import QuickBooksError
from failures import ActionFailed
from schemas.records import PAYMENT

INVOICE_STEP, PAYMENT_STEP = "invoice", "payment"


class CreatePaidInvoice(PrefetchesSales, Action):
    """Create paid QuickBooks invoice (Invoice + Payment)."""

    # A later execution for the payment finishes a failed one's steps (its Payment) instead
    # of answering "existing" with an unpaid invoice (SPEC §8).
    resumes = True

    def run(self, ctx) -> Outcome:
        """Skip invoice payments, book the Invoice and its Payment, check the balance is 0."""
        props = payments.properties(ctx)
        skipped = payments.invoice_payment_skip(ctx, props)
        if skipped:
            return skipped
        payments.require_received(ctx.record.id, props)
        prepared = booking.prepare(ctx)
        sale = prepared.sale
        currency = sale.currency
        paid = payments.gross(sale.properties, currency, ctx.record.id)
        tax = payments.collected_tax(ctx.connection, prepared.draft, paid, currency,
                                     code="PAYMENT_AMOUNT_MISMATCH", what="payment")
        inputs = {**ctx.inputs, "invoice_date": payments.txn_date(
            sale.properties, "hs_initiated_date", zone=sale.zone)}
        booked = booking.create(
            ctx, "Invoice", prepared,
            lambda draft: payments.with_tax(invoice.build(draft, inputs), tax),
            step=INVOICE_STEP,
        )  # fmt: skip
        result = booking.outcome(ctx, booked, prepared)
        result = payments.total_mismatch(
            result, paid, currency, "payment",
            "no Payment was recorded and the invoice was kept, unpaid, for review.")
        if result.result == "failed":
            return result
        payment_id = settle(ctx, booked, paid, sale.properties, prepared.draft.currency)
        return check_settled(ctx, booked, payment_id, currency, result)


def settle(ctx, booked: Booked, paid: Decimal, props: dict, currency_ref: str | None) -> str:
    """Create the Payment of ``paid`` applied to the invoice (exactly once); its Id."""
    done = ctx.step_done(PAYMENT_STEP)
    if done:
        return str(done["id"])
    body = payment(
        customer_id=booked.customer_id,
        invoice_id=booked.id,
        amount=paid,
        deposit_account=str(ctx.inputs.get("deposit_account") or "").strip(),
        payment_method=payments.method_for(ctx, props),
        ref_num=payments.ref_num(props, ctx.record.id),
        txn_date=payments.txn_date(props, "hs_initiated_date", zone=books.zone(ctx)),
        currency=currency_ref,
        note=books.with_head(ctx, payments.memo(props, ctx.record.id, "Payment")),
    )
    try:
        answer = ctx.quickbooks.create("Payment", body, ctx.request_id(PAYMENT_STEP))
    except QuickBooksError as exc:
        if not rejections.is_business_fault(exc):
            raise
        failure = rejections.failure(exc, entity="payment")
        raise ActionFailed(
            failure.code,
            f"{failure.message} The invoice {booked.doc_number or booked.id} was created and is "
            "kept, unpaid, for review.",
        ) from exc
    ctx.record_step(PAYMENT_STEP, {"id": str(answer["Id"]),
                                   "total": money.two_decimals(answer.get("TotalAmt"))})
    ctx.note("payment", {"id": str(answer["Id"]), "amount": money.plain(paid),
                         "method": body.get("PaymentMethodRef", {}).get("value", ""),
                         "reference": body.get("PaymentRefNum", "")})
    return str(answer["Id"])


def check_settled(ctx, booked: Booked, payment_id: str, currency: str,
                  result: Outcome) -> Outcome:
    """Read the invoice back: BALANCE_NOT_ZERO unless its balance is 0 and it lists the Payment."""
    txn = ctx.quickbooks.read("Invoice", booked.id)
    balance = money.parse(txn.get("Balance"))
    linked = any(
        str(link.get("TxnId")) == payment_id and link.get("TxnType") == "Payment"
        for link in txn.get("LinkedTxn") or []
    )
    if balance == 0 and linked:
        return result
    result.result = "failed"
    result.error_code = "BALANCE_NOT_ZERO"
    result.error_message = (
        f"After Payment {payment_id}, QuickBooks invoice {booked.doc_number or booked.id} still "
        f"has a balance of {balance} {currency}"
        + ("" if linked else " and does not list the Payment")
        + ": check for credits QuickBooks applied automatically and settle it in QuickBooks."
    )
    return result


def payment(*, customer_id: str, invoice_id: str, amount: Decimal, deposit_account: str = "",
            payment_method: str = "", ref_num: str = "", txn_date=None,
            currency: str | None = None, note: str = "") -> dict:
    """The Payment body: ``amount`` applied in full to one invoice (pure, no HTTP)."""
    body: dict = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": amount,
        "Line": [{"Amount": amount,
                  "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
    }
    if deposit_account:
        body["DepositToAccountRef"] = {"value": deposit_account}
    if payment_method:
        body["PaymentMethodRef"] = {"value": payment_method}
    if ref_num:
        body["PaymentRefNum"] = ref_num
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    if currency:
        body["CurrencyRef"] = {"value": currency}
    if note:
        body["PrivateNote"] = note
    return body


ACTION = CreatePaidInvoice(
    slug="create-paid-invoice",
    name="Create paid QuickBooks invoice",
    description=(
        "Creates a QuickBooks invoice from the HubSpot payment and a Payment that "
        "settles it."
    ),
    record_types=(PAYMENT,),
    fields=(*COMMON, DEPOSIT_ACCOUNT, PAYMENT_METHOD, PAYMENT_TERMS, SKIP_INVOICE_PAYMENTS,
            *BOOKS),
)
