"""Rules for HubSpot payments (commerce_payments): status, amounts, method, reference, accounts.

Shared by the four payment bookings: ``create-paid-invoice``, ``create-sales-receipt`` on a
payment, ``create-fee-expense`` and ``create-refund-receipt``. Property names and values follow
reference/hubspot-api.md §6.5.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from actions import lookups, money, names
from actions.base import Outcome
from actions.lookups import Found
from actions.portal import as_date
from clients.quickbooks import escape
from failures import ActionFailed
from schemas.records import RECORD_PROPERTIES

SUCCEEDED, REFUNDED, PARTIALLY_REFUNDED = "succeeded", "refunded", "partially_refunded"
# Statuses of a payment whose money was received. A refund or a dispute is a later event on
# money that came in: the sale is still booked (refunds by create-refund-receipt; disputes are
# settled in QuickBooks by hand). "processing" (e.g. ACH not cleared) and "failed" are not.
RECEIVED = frozenset({
    SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED, "processing_refund", "disputed_won",
    "disputed_lost", "disputed_action_required", "disputed_awaiting_decision",
})  # fmt: skip
INVOICE_SOURCE = "INVOICE"

# QuickBooks PaymentMethod names tried for each hs_payment_method_type, in order.
_BANK_TRANSFER = ("Bank transfer", "EFT", "Electronic funds transfer", "Direct debit",
                  "Direct deposit", "ACH")
METHOD_NAMES: dict[str, tuple[str, ...]] = {
    "card": ("Credit Card", "Card", "Credit/Debit Card", "Debit Card"),
    "ach": ("ACH", *_BANK_TRANSFER),
    "sepa": ("SEPA", "SEPA Direct Debit", *_BANK_TRANSFER),
    "bacs": ("BACS", "Bacs Direct Debit", *_BANK_TRANSFER),
    "pads": ("PAD", "PADs", "Pre-authorized debit", "Pre-authorised debit", *_BANK_TRANSFER),
    "wire_transfer": ("Wire transfer", "Wire", *_BANK_TRANSFER),
    "cash": ("Cash",),
    "check": ("Check", "Cheque"),
}
# Card brands as HubSpot may spell them (hs_payment_method_bank_or_issuer) → QuickBooks' names.
_CARD_BRANDS = {"amex": "American Express", "mc": "MasterCard", "diners": "Diners Club"}


# --- the payment's properties ------------------------------------------------------------------


def properties(ctx) -> dict:
    """The payment's properties from the execution payload, read from HubSpot only when the
    payload lacks its status (HubSpot normally sends them: objectRequestOptions)."""
    props = dict(ctx.record.properties or {})
    if props.get("hs_latest_status") in (None, ""):
        wanted = RECORD_PROPERTIES[ctx.record.type.path]
        answer = ctx.hubspot.get_object(ctx.record.type.path, str(ctx.record.id), wanted)
        for name, value in (answer.get("properties") or {}).items():
            if props.get(name) in (None, ""):
                props[name] = value
        ctx.record.properties = props  # the sale read later sees them too
    return props


def status(props: dict) -> str:
    """hs_latest_status, lower case ("" when unset)."""
    return str(props.get("hs_latest_status") or "").strip().lower()


def invoice_payment_skip(ctx, props: dict) -> Outcome | None:
    """``result = skipped`` for a payment of a HubSpot invoice when skip_invoice_payments is on."""
    source = str(props.get("hs_payment_source_app") or "").strip().upper()
    if source != INVOICE_SOURCE or not ctx.inputs.get("skip_invoice_payments", True):
        return None
    return Outcome(
        "skipped",
        error_code="INVOICE_PAYMENT_SKIPPED",
        error_message=(
            f"HubSpot payment {ctx.record.id} paid a HubSpot invoice (source INVOICE). HubSpot's "
            "invoice sync already books that invoice and its payment in QuickBooks; booking it "
            "again would count the sale twice. Turn off 'Skip invoice payments' only if "
            "invoices are not synced."
        ),
    )


def require_received(payment_id, props: dict) -> None:
    """PAYMENT_NOT_SUCCEEDED unless the payment's money was received (see RECEIVED)."""
    current = status(props)
    if current not in RECEIVED:
        shown = current or "no status"
        raise ActionFailed(
            "PAYMENT_NOT_SUCCEEDED",
            f"HubSpot payment {payment_id} is {shown!r}, not succeeded: nothing is booked for "
            "money that was not received. Enrol payments once their status is 'succeeded'.",
        )


def amount(props: dict, name: str, currency: str) -> Decimal | None:
    """A money property rounded to the currency's minor unit (None when blank)."""
    value = money.parse(props.get(name))
    return None if value is None else money.rounded(value, currency)


def gross(props: dict, currency: str, payment_id) -> Decimal:
    """What the customer paid (hs_initial_amount); NO_AMOUNT when missing or not positive."""
    paid = amount(props, "hs_initial_amount", currency)
    if paid is None or paid <= 0:
        raise ActionFailed(
            "NO_AMOUNT",
            f"HubSpot payment {payment_id} has no amount (hs_initial_amount is "
            f"{props.get('hs_initial_amount')!r}).",
        )
    return paid


def txn_date(props: dict, *names_in_order: str, zone=None) -> date | None:
    """The first of these date properties that is set, as a transaction date (a moment on the
    portal's local day in ``zone``)."""
    for name in names_in_order:
        found = as_date(props.get(name), zone)
        if found:
            return found
    return None


def reference(props: dict, payment_id) -> str:
    """The payment's reference: hs_reference_number, else the HubSpot payment id."""
    return str(props.get("hs_reference_number") or "").strip() or str(payment_id)


def ref_num(props: dict, payment_id) -> str:
    """PaymentRefNum: the reference cut to QuickBooks' 21 characters."""
    return names.cut(reference(props, payment_id), names.PAYMENT_REF_MAX)


def memo(props: dict, payment_id, what: str, note: str = "") -> str:
    """A PrivateNote naming the payment (id and full reference), then the action's own note."""
    ref = str(props.get("hs_reference_number") or "").strip()
    text = f"{what} for HubSpot payment {payment_id}" + (f" (reference {ref})" if ref else "")
    return f"{text}. {note.strip()}" if note and note.strip() else text


# --- payment methods ---------------------------------------------------------------------------


def method_for(ctx, props: dict) -> str:
    """PaymentMethodRef value: the action's choice, else mapped from hs_payment_method_type
    by name among the company's active PaymentMethods; "" (omitted) when none matches."""
    chosen = str(ctx.inputs.get("payment_method") or "").strip()
    if chosen:
        return chosen
    kind = str(props.get("hs_payment_method_type") or "").strip().lower()
    wanted = list(METHOD_NAMES.get(kind, ()))
    if kind == "card":
        brand = str(props.get("hs_payment_method_bank_or_issuer") or "").strip()
        if brand:
            wanted.insert(0, _CARD_BRANDS.get(_key(brand), brand))
    if not wanted:
        return ""
    methods = _payment_methods(ctx)
    for name in wanted:
        found = methods.get(_key(name))
        if found:
            ctx.note("payment_method", {"id": found.id, "name": found.name, "mapped_from": kind})
            return found.id
    return ""


def _key(name: str) -> str:
    """Names compare case-insensitively, ignoring spaces and punctuation ("Credit card")."""
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


def _payment_methods(ctx) -> dict[str, Found]:
    """The company's active PaymentMethods by name key (one query, then cached)."""
    cache = lookups.for_company(ctx.settings.quickbooks_api_base, ctx.connection.realm_id)
    if cache.payment_methods is None:
        rows = ctx.quickbooks.select("PaymentMethod")
        found: dict[str, Found] = {}
        for row in rows:
            if row.get("Active", True) is not False:
                found.setdefault(_key(row.get("Name", "")),
                                 Found(str(row["Id"]), str(row.get("Name", ""))))
        cache.payment_methods = found
    return cache.payment_methods


# --- accounts ----------------------------------------------------------------------------------


def accounts(ctx, *ids: str) -> dict[str, dict]:
    """Active accounts by Id, in one query."""
    unique = list(dict.fromkeys(str(i) for i in ids if i))
    if not unique:
        return {}
    quoted = ", ".join(f"'{escape(i)}'" for i in unique)
    rows = ctx.quickbooks.select("Account", f"Id IN ({quoted})")
    return {str(r["Id"]): r for r in rows if r.get("Active", True) is not False}


def check_account(found: dict[str, dict], account_id: str, label: str,
                  allowed: tuple[str, ...]) -> dict:
    """The account if it exists and has an allowed AccountType, else INVALID_ACCOUNT."""
    row = found.get(str(account_id))
    if row is None:
        raise ActionFailed(
            "INVALID_ACCOUNT",
            f"The {label} (account {account_id}) does not exist or is inactive in QuickBooks: "
            "choose another account in the action's settings.",
        )
    kind = str(row.get("AccountType") or "")
    if kind not in allowed:
        raise ActionFailed(
            "INVALID_ACCOUNT",
            f"The {label} {row.get('Name', account_id)!r} is a {kind or 'untyped'} account; it "
            f"must be {_either(allowed)}. Choose another account in the action's settings.",
        )
    return row


def check_account_currency(row: dict, label: str, currency: str, home: str) -> None:
    """INVALID_ACCOUNT when the account keeps a third currency (neither the payment's nor the
    home currency: QuickBooks converts home-currency accounts, nothing else)."""
    ref = row.get("CurrencyRef")
    kept = str(ref.get("value") or "").upper() if isinstance(ref, dict) else ""
    if kept and currency and kept not in (currency.upper(), (home or "").upper()):
        raise ActionFailed(
            "INVALID_ACCOUNT",
            f"The {label} {row.get('Name', row.get('Id'))!r} is kept in {kept} but the payment "
            f"is in {currency}: choose an account in {currency} or {home}.",
        )


def _either(kinds: tuple[str, ...]) -> str:
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]


# --- amounts against QuickBooks' totals ----------------------------------------------------------


def collected_tax(connection, draft, expected: Decimal, currency: str, *, code: str,
                  what: str) -> Decimal | None:
    """The TotalTax to send so a US transaction comes to ``expected`` (what was paid/refunded).

    US lines marked TAX: the difference between ``expected`` and the lines is the tax HubSpot
    collected, sent as TxnTaxDetail.TotalTax (QuickBooks honours an explicit amount under
    automated sales tax), so the total is exact. US without taxable lines: the lines must come
    to ``expected``. Either mismatch fails with ``code`` before anything is created. Outside the
    US the tax codes decide the tax and the total is checked after the create (None here).
    """
    lines = money.rounded(draft.total, currency)
    if not connection.is_us:
        return None
    taxable = any(b.tax_code == "TAX" for b in draft.lines)
    tax = expected - lines
    if tax == 0 and not taxable:
        return None
    if tax < 0 or not taxable:
        raise ActionFailed(
            code,
            f"The {what} is {expected} {currency} but its line items come to {lines} {currency}"
            + ("" if taxable else " and none is taxable")
            + ": QuickBooks could not book it to the cent, so no transaction was created. Fix "
            "the line items in HubSpot or book this one in QuickBooks by hand.",
        )
    return tax


def with_tax(body: dict, tax: Decimal | None) -> dict:
    """The body with an explicit TotalTax when one is given (see collected_tax)."""
    if tax is not None:
        body["TxnTaxDetail"] = {"TotalTax": tax}
    return body


def total_mismatch(outcome: Outcome, expected: Decimal, currency: str, what: str,
                   consequence: str) -> Outcome:
    """``outcome`` failed with TOTAL_MISMATCH when QuickBooks' TotalAmt is not ``expected``."""
    total = money.parse(outcome.qbo_total) or money.ZERO
    if outcome.result == "failed" or money.rounded(total, currency) == expected:
        return outcome
    outcome.result = "failed"
    outcome.error_code = "TOTAL_MISMATCH"
    outcome.error_message = (
        f"QuickBooks {outcome.qbo_type} {outcome.qbo_doc_number or outcome.qbo_id} totals "
        f"{money.rounded(total, currency)} {currency} (tax included) but the {what} is "
        f"{expected} {currency}; {consequence} Check the tax code against the tax HubSpot "
        "charged."
    )
    return outcome


# --- create-sales-receipt on a payment -----------------------------------------------------------


def receipt_fields(ctx, prepared) -> dict:
    """What a SalesReceipt booked from a payment adds: method (mapped from
    hs_payment_method_type unless chosen), PaymentRefNum, the payment's date, the US tax
    HubSpot collected (see collected_tax) and ``paid``, the total QuickBooks must reach."""
    sale = prepared.sale
    props = sale.properties
    paid = gross(props, sale.currency, ctx.record.id)
    return {
        "payment_method": method_for(ctx, props),
        "payment_ref": ref_num(props, ctx.record.id),
        "txn_date": txn_date(props, "hs_initiated_date", zone=sale.zone),
        "tax": collected_tax(ctx.connection, prepared.draft, paid, sale.currency,
                             code="PAYMENT_AMOUNT_MISMATCH", what="payment"),
        "paid": paid,
    }
