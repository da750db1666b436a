"""Book payment processing fee: a QuickBooks Purchase (expense) of a payment's hs_fees_amount.

Paid from ``payment_account`` (Bank → PaymentType Cash, which QuickBooks shows as an Expense;
Credit Card → CreditCard) to ``expense_account`` (Expense, Other Expense or Cost of Goods Sold).
Both accounts are checked in one query before anything is created. No customer is involved and,
when HubSpot sent the payment's properties, no HubSpot call is made.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actions import booking, books, documents, money, names, payments, rejections
from actions.base import Action, Outcome
from actions.fields import (
    CLASS,
    COMMON,
    EXPENSE_ACCOUNT,
    LOCATION,
    PAYMENT_ACCOUNT,
    VENDOR,
)
from clients.quickbooks import QuickBooksError, transaction_url
from schemas.records import PAYMENT

STEP = "purchase"
# The paying account's type decides the Purchase's PaymentType.
PAYMENT_TYPES = {"Bank": "Cash", "Credit Card": "CreditCard"}
EXPENSE_TYPES = ("Expense", "Other Expense", "Cost of Goods Sold")


class CreateFeeExpense(Action):
    """Book payment processing fee (Purchase)."""

    def run(self, ctx) -> Outcome:
        """Check the fee and both accounts, then create the Purchase exactly once."""
        books.check_inputs(ctx.inputs)
        props = payments.properties(ctx)
        payments.require_received(ctx.record.id, props)
        connection = ctx.connection
        currency = (str(props.get("hs_currency_code") or "").strip().upper()
                    or (connection.home_currency or "").upper())
        fee = payments.amount(props, "hs_fees_amount", currency)
        if not fee or fee <= 0:
            return Outcome(
                "skipped",
                error_code="NO_FEE",
                error_message=f"HubSpot payment {ctx.record.id} has no processing fee "
                f"(hs_fees_amount is {props.get('hs_fees_amount')!r}); nothing to book.",
            )
        currency_ref = booking.currency_for(connection, currency)
        done = ctx.step_done(STEP)
        if done is None:
            payment_type = check_accounts(ctx, currency)
            body = purchase(
                payment_type=payment_type,
                payment_account=str(ctx.inputs["payment_account"]).strip(),
                expense_account=str(ctx.inputs["expense_account"]).strip(),
                amount=fee,
                vendor=str(ctx.inputs.get("vendor") or "").strip(),
                txn_date=payments.txn_date(props, "hs_initiated_date", "hs_payout_date",
                                          zone=books.zone(ctx)),
                currency=currency_ref,
                note=books.with_head(ctx, payments.memo(props, ctx.record.id, "Processing fee",
                                                        ctx.inputs.get("private_note") or "")),
                doc_number=str(ctx.inputs.get("doc_number") or "").strip(),
                tax_code="" if connection.is_us else str(ctx.inputs.get("tax_code") or ""),
                class_id=str(ctx.inputs.get("class") or "").strip()
                if connection.class_tracking else "",
                location=str(ctx.inputs.get("location") or "").strip()
                if connection.track_locations else "",
            )
            done = create(ctx, body)
        result = Outcome(
            "created", qbo_type="Purchase", qbo_id=done["id"], qbo_doc_number=done["doc_number"],
            qbo_total=done["total"],
            qbo_url=transaction_url(ctx.settings.quickbooks_environment, "Purchase", done["id"]),
        )  # fmt: skip
        return payments.total_mismatch(result, fee, currency, "processing fee",
                                       "the expense was kept for review.")


def check_accounts(ctx, currency: str) -> str:
    """Both accounts exist with the right types (INVALID_ACCOUNT otherwise); the PaymentType."""
    paying = str(ctx.inputs["payment_account"]).strip()
    expense = str(ctx.inputs["expense_account"]).strip()
    found = payments.accounts(ctx, paying, expense)
    row = payments.check_account(found, paying, "'Paid from' account", tuple(PAYMENT_TYPES))
    payments.check_account(found, expense, "expense account", EXPENSE_TYPES)
    payments.check_account_currency(row, "'Paid from' account", currency,
                                    ctx.connection.home_currency or "")
    return PAYMENT_TYPES[row["AccountType"]]


def create(ctx, body: dict) -> dict:
    """Create the Purchase with this step's requestid and record it."""
    try:
        answer = ctx.quickbooks.create("Purchase", body, ctx.request_id(STEP))
    except QuickBooksError as exc:
        if not rejections.is_business_fault(exc):
            raise
        raise rejections.failure(exc, entity="expense", non_us=not ctx.connection.is_us) from exc
    done = {"id": str(answer["Id"]), "doc_number": str(answer.get("DocNumber") or ""),
            "total": money.two_decimals(answer.get("TotalAmt"))}
    ctx.record_step(STEP, done)
    ctx.note("purchase", {**done, "payment_type": body["PaymentType"]})
    return done


def purchase(*, payment_type: str, payment_account: str, expense_account: str, amount: Decimal,
             vendor: str = "", txn_date: date | None = None, currency: str | None = None,
             note: str = "", doc_number: str = "", tax_code: str = "", class_id: str = "",
             location: str = "") -> dict:
    """The Purchase body: one expense line of ``amount`` (pure, no HTTP)."""
    detail: dict = {"AccountRef": {"value": expense_account}}
    if class_id:
        detail["ClassRef"] = {"value": class_id}
    if tax_code:
        detail["TaxCodeRef"] = {"value": tax_code}
    body: dict = {
        "PaymentType": payment_type,
        "AccountRef": {"value": payment_account},
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
                  "Description": "Payment processing fee",
                  "AccountBasedExpenseLineDetail": detail}],
    }
    if vendor:
        body["EntityRef"] = {"value": vendor, "type": "Vendor"}
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    if currency:
        body["CurrencyRef"] = {"value": currency}
    if note:
        body["PrivateNote"] = names.cut(note, documents.NOTE_MAX)
    if doc_number:
        body["DocNumber"] = names.cut(doc_number, names.DOC_NUMBER_MAX)
    if location:
        body["DepartmentRef"] = {"value": location}
    if tax_code:
        # hs_fees_amount is what the processor charged, tax included (SPEC §7 "gross").
        body["GlobalTaxCalculation"] = "TaxInclusive"
    return body


ACTION = CreateFeeExpense(
    slug="create-fee-expense",
    name="Book payment processing fee",
    description="Books the HubSpot payment's processing fee as a QuickBooks expense.",
    record_types=(PAYMENT,),
    fields=(*COMMON, PAYMENT_ACCOUNT, EXPENSE_ACCOUNT, VENDOR, CLASS, LOCATION),
)
