"""From an enrolled record to a booked QuickBooks sales document, shared by every sales action.

    prepared = booking.prepare(ctx)                      # HubSpot reads, currency, tax,
                                                         # customer, items → documents.Draft
    booked = booking.create(ctx, "Invoice", prepared,   # the create, exactly once per step
                            lambda draft: documents.invoice(draft, ...))
    booking.send(ctx, booked, prepared)                  # optional: QuickBooks emails it
    return booking.outcome(ctx, booked, prepared)        # checks the total, builds outputs

Each QuickBooks create carries ``ctx.request_id(step)`` and is recorded with
``ctx.record_step(step, …)`` right after it succeeds, so a retried execution reuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from actions import books, customers, documents, items, lookups, money, rejections, resolve
from actions.base import Outcome
from actions.customers import Customer
from actions.documents import BilledLine, Draft
from actions.items import Match
from actions.resolve import Contact, Sale
from clients.quickbooks import QuickBooksError, transaction_url
from failures import ActionFailed


@dataclass
class Prepared:
    """A record resolved against HubSpot and QuickBooks, ready to build a document from."""

    sale: Sale
    customer: Customer
    matches: list[Match]
    draft: Draft
    contact: Contact | None = None  # the override given to prepare(), kept for re-resolving


@dataclass(frozen=True)
class Booked:
    """A created QuickBooks transaction, as recorded in the execution's progress."""

    entity: str
    id: str
    doc_number: str
    total: str  # TotalAmt, two decimals
    subtotal: str  # subtotal after discount, tax excluded
    customer_id: str

    def as_step(self) -> dict:
        """What record_step keeps (JSON)."""
        return {"entity": self.entity, "id": self.id, "doc_number": self.doc_number,
                "total": self.total, "subtotal": self.subtotal, "customer_id": self.customer_id}


def prepare(ctx, *, contact: Contact | None = None,
            lines: Callable[[Sale], list[resolve.SourceLine]] | None = None) -> Prepared:
    """Read the record from HubSpot and resolve currency, tax, customer and items.

    Fails early — before any QuickBooks call — with CURRENCY_NOT_ENABLED or TAX_CODE_REQUIRED.
    ``contact`` overrides the record's contact (e.g. a payment's customer email); ``lines``
    replaces the record's lines once read (e.g. one line of a partial refund).
    """
    connection = ctx.connection
    books.check_inputs(ctx.inputs)
    sale = resolve.read_sale(ctx, home_currency=connection.home_currency)
    books.local_dates(ctx.inputs, sale.zone)
    if lines is not None:
        sale.lines = lines(sale)
    net = sum((line.amount for line in sale.lines), money.ZERO)
    priced = sale.terms.priced(net, sale.currency)
    billed = [*sale.lines, *fee_lines(priced, ctx.inputs)]
    currency_ref = currency_for(connection, sale.currency)
    codes = tax_codes(connection, ctx.inputs, billed)
    customer = customers.resolve_customer(ctx, sale, contact)
    matches = items.resolve_items(ctx, billed, sale.currency)
    terms = sale.terms
    draft = Draft(
        customer_id=customer.id,
        lines=tuple(BilledLine(m.line, m.item.id, code)
                    for m, code in zip(matches, codes, strict=True)),
        currency=currency_ref,
        bill_email=customer.email,
        non_us=not connection.is_us,
        quote_discount=priced.discount,
        expected=priced.expected if (terms.discounts or terms.fees or terms.taxes) else None,
        **books.extras(ctx, sale),
    )
    ctx.note("currency", sale.currency)
    ctx.note("lines", [_traced(m, code) for m, code in zip(matches, codes, strict=True)])
    return Prepared(sale, customer, matches, draft, contact)


def currency_for(connection, currency: str) -> str | None:
    """The CurrencyRef to send; CURRENCY_NOT_ENABLED for a foreign currency without
    multicurrency."""
    home = (connection.home_currency or "").upper()
    if home and currency and currency != home and not connection.multicurrency:
        raise ActionFailed(
            "CURRENCY_NOT_ENABLED",
            f"The record is in {currency} but QuickBooks company "
            f"{connection.company_name or connection.realm_id} keeps its books in {home} and "
            "multicurrency is off. Turn on multicurrency in QuickBooks or bill in "
            f"{home}.",
        )
    # With multicurrency on every transaction names its currency; without, QBO's home applies.
    return currency if connection.multicurrency and currency else None


def fee_lines(priced, inputs: dict) -> list[resolve.SourceLine]:
    """A quote's fees as lines on ``fee_item`` (else matched by the fee's name)."""
    hint = str(inputs.get("fee_item") or "").strip()
    built = []
    for term, amount in priced.fees:
        if amount <= 0:
            continue
        name = term.label or "Fee"
        built.append(resolve.SourceLine(
            key=f"fee:{term.id}", name=name, description=name, sku="", quantity=Decimal(1),
            unit_price=amount, gross=amount, amount=amount, taxable=False, item_hint=hint,
        ))  # fmt: skip
    return built


def tax_codes(connection, inputs: dict, lines: list[resolve.SourceLine]) -> list[str]:
    """Each line's TaxCodeRef: US TAX/NON from HubSpot's tax rate; elsewhere ``tax_code`` on
    lines with a HubSpot tax rate and ``exempt_tax_code`` (else ``tax_code``) on the others
    (TAX_CODE_REQUIRED when missing)."""
    if connection.is_us:
        return ["TAX" if line.taxable else "NON" for line in lines]
    code = str(inputs.get("tax_code") or "").strip()
    exempt = str(inputs.get("exempt_tax_code") or "").strip()
    if exempt and code:
        return [code if line.taxable else exempt for line in lines]
    if exempt and not any(line.taxable for line in lines):
        return [exempt] * len(lines)
    if not code:
        raise ActionFailed(
            "TAX_CODE_REQUIRED",
            f"QuickBooks company {connection.company_name or connection.realm_id} is outside "
            f"the US ({connection.country}) and needs a tax code on every line: choose one in "
            "the action's 'Tax code' field.",
        )
    return [code] * len(lines)


def create(ctx, entity: str, prepared: Prepared, build: Callable[[Draft], dict],
           step: str | None = None) -> Booked:
    """Create the document exactly once (step ``step``, default the entity in lower case).

    Two answers get one retry each, with its own requestid: 610/2500 may mean a cached
    customer or item is gone (the company's cache is dropped, customer and items re-resolved
    from QuickBooks); a revenue-recognition "service date" fault gets the transaction date as
    the service date of lines without one. Other validation faults raise ActionFailed with a
    stable code; throttles and outages propagate.
    """
    step = step or entity.lower()
    done = ctx.step_done(step)
    if done:
        return Booked(**{k: v for k, v in done.items() if k != "answer"})
    non_us = not ctx.connection.is_us
    retried: set[str] = set()
    request = step
    while True:
        body = build(prepared.draft)
        try:
            answer = ctx.quickbooks.create(entity, body, ctx.request_id(request))
            break
        except QuickBooksError as exc:
            if not rejections.is_business_fault(exc):
                raise
            failure = rejections.failure(exc, entity=entity, non_us=non_us)
            if failure.code == "INVALID_REFERENCE" and "refreshed" not in retried:
                lookups.forget(ctx.settings.quickbooks_api_base, ctx.connection.realm_id)
                refreshed = _reresolve(ctx, prepared)
                changed = refreshed.draft != prepared.draft
                prepared.customer, prepared.matches, prepared.draft = (
                    refreshed.customer, refreshed.matches, refreshed.draft)
                if changed:
                    retried.add("refreshed")
                    request = f"{step}:refreshed"
                    continue
            elif failure.code == "SERVICE_DATE_REQUIRED" and "dated" not in retried:
                dated = _with_service_dates(prepared.draft, body.get("TxnDate"))
                if dated != prepared.draft:
                    prepared.draft = dated
                    retried.add("dated")
                    request = f"{step}:dated"
                    continue
            raise failure from exc
    booked = Booked(
        entity=entity,
        id=str(answer["Id"]),
        doc_number=str(answer.get("DocNumber") or ""),
        total=money.two_decimals(answer.get("TotalAmt")),
        subtotal=money.plain(documents.subtotal_after_discount(answer)),
        customer_id=str((answer.get("CustomerRef") or {}).get("value") or prepared.customer.id),
    )
    # The create's answer is the invoice's first status: status sync need not read it (§10).
    answer_status = {k: str(answer[k]) for k in ANSWER_FIELDS if answer.get(k) is not None}
    # Linked in the same commit, before the Payment, email and checks, so a later failure
    # never loses it (SPEC §8).
    document = Outcome("created", qbo_type=entity, qbo_id=booked.id,
                       qbo_doc_number=booked.doc_number, qbo_total=booked.total)
    ctx.record_step(step, {**booked.as_step(), "answer": answer_status}, document=document)
    return booked


ANSWER_FIELDS = ("DocNumber", "TotalAmt", "Balance", "DueDate", "EmailStatus", "PrivateNote")


def _reresolve(ctx, prepared: Prepared) -> Prepared:
    """Customer and items looked up again (the cache was dropped); HubSpot is not re-read."""
    sale = prepared.sale
    customer = prepared.customer
    if customer.matched_by == "cache":
        customer = customers.resolve_customer(ctx, sale, prepared.contact)
    matches = items.resolve_items(ctx, [b.source for b in prepared.draft.lines], sale.currency)
    draft = replace(
        prepared.draft,
        customer_id=customer.id,
        lines=tuple(replace(b, item_id=m.item.id)
                    for b, m in zip(prepared.draft.lines, matches, strict=True)),
    )
    return Prepared(sale, customer, matches, draft, prepared.contact)


def _with_service_dates(draft: Draft, txn_date: str | None) -> Draft:
    """The draft with the transaction date (else today) on lines without a service date."""
    day = resolve.as_date(txn_date) or date.today()
    lines = tuple(
        b if b.source.service_date else replace(b, source=replace(b.source, service_date=day))
        for b in draft.lines
    )
    return replace(draft, lines=lines)


def send(ctx, booked: Booked, prepared: Prepared, step: str = "send") -> str:
    """Ask QuickBooks to email the document to the customer (exactly once).

    Returns "" when sent, else why not; the transaction stays created either way.
    """
    if ctx.step_done(step):
        return ""
    email = prepared.customer.email
    try:
        ctx.quickbooks.send(booked.entity, booked.id, ctx.request_id(step), send_to=email)
    except QuickBooksError as exc:
        if not rejections.is_business_fault(exc):
            raise
        return f"QuickBooks did not email the {booked.entity.lower()}: " + rejections.describe(exc)
    ctx.record_step(step, {"to": email})
    return ""


def outcome(ctx, booked: Booked, prepared: Prepared, email_problem: str = "") -> Outcome:
    """The outputs, after checking QuickBooks' subtotal after discount against HubSpot's total.

    A mismatch fails loudly (TOTAL_MISMATCH, both figures) and still reports the transaction.
    """
    currency = prepared.sale.currency
    hubspot_total = money.rounded(prepared.draft.total, currency)
    what = "the quote's total less its taxes" if prepared.draft.expected is not None else (
        "HubSpot's total")
    qbo_subtotal = money.rounded(money.parse(booked.subtotal) or money.ZERO, currency)
    result = Outcome(
        "created",
        qbo_type=booked.entity,
        qbo_id=booked.id,
        qbo_doc_number=booked.doc_number,
        qbo_total=booked.total,
        qbo_customer_id=booked.customer_id,
        qbo_url=transaction_url(ctx.settings.quickbooks_environment, booked.entity, booked.id),
    )
    if qbo_subtotal != hubspot_total:
        result.result = "failed"
        result.error_code = "TOTAL_MISMATCH"
        result.error_message = (
            f"QuickBooks {booked.entity} {booked.doc_number or booked.id} comes to "
            f"{qbo_subtotal} {currency} after discount but {what} is {hubspot_total} "
            f"{currency}; the {booked.entity.lower()} was kept for review."
        )
    elif email_problem:
        result.error_code = "EMAIL_NOT_SENT"
        result.error_message = email_problem
    return result


def _traced(match: Match, tax_code: str | None) -> dict:
    """A line as the execution detail page shows it (strings: the trace is JSON)."""
    src = match.line
    return {
        "hubspot_id": src.key, "name": src.name, "sku": src.sku,
        "quantity": money.plain(src.quantity), "unit_price": money.plain(src.unit_price),
        "amount": money.plain(src.amount), "discount": money.plain(src.discount),
        "item_id": match.item.id, "item_name": match.item.name,
        "matched_by": match.matched_by, "tax_code": tax_code or "",
    }  # fmt: skip
