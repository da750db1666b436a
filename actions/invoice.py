"""Create QuickBooks invoice: an Invoice from a deal or quote, optionally emailed by QuickBooks."""

from __future__ import annotations

from actions import booking, documents
from actions.base import Action, Outcome
from actions.fields import (
    BOOKS,
    COMMON,
    DUE_DATE,
    INVOICE_DATE,
    PAYMENT_TERMS,
    SEND_EMAIL,
)
from actions.prefetch import PrefetchesSales
from schemas.records import DEAL, QUOTE


class CreateInvoice(PrefetchesSales, Action):
    """Create QuickBooks invoice (Invoice)."""

    def run(self, ctx) -> Outcome:
        """Resolve the record, create the Invoice, email it when asked, report it."""
        prepared = booking.prepare(ctx)
        booked = booking.create(ctx, "Invoice", prepared, lambda draft: build(draft, ctx.inputs))
        problem = booking.send(ctx, booked, prepared) if ctx.inputs.get("send_email") else ""
        return booking.outcome(ctx, booked, prepared, problem)


def build(draft: documents.Draft, inputs: dict) -> dict:
    """The Invoice body from the resolved draft and the action's inputs."""
    return documents.invoice(
        draft,
        terms=str(inputs.get("payment_terms") or "").strip(),
        due_date=inputs.get("due_date"),
        txn_date=inputs.get("invoice_date"),
        customer_memo=inputs.get("customer_memo") or "",
        private_note=inputs.get("private_note") or "",
        doc_number=str(inputs.get("doc_number") or "").strip(),
    )


ACTION = CreateInvoice(
    slug="create-invoice",
    name="Create QuickBooks invoice",
    description=(
        "Creates a QuickBooks Online invoice from the deal or quote, its line items and contact."
    ),
    record_types=(DEAL, QUOTE),
    fields=(*COMMON, PAYMENT_TERMS, INVOICE_DATE, DUE_DATE, SEND_EMAIL, *BOOKS),
)
