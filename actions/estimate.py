"""Create QuickBooks estimate: an Estimate from a deal or quote (expiring with the quote)."""

from __future__ import annotations

from actions import booking, documents, resolve
from actions.base import Action, Outcome
from actions.fields import (
    BOOKS,
    COMMON,
    EXPIRATION_DATE,
    SEND_EMAIL,
)
from actions.prefetch import PrefetchesSales
from schemas.records import DEAL, QUOTE


class CreateEstimate(PrefetchesSales, Action):
    """Create QuickBooks estimate (Estimate)."""

    def run(self, ctx) -> Outcome:
        """Resolve the record, create the Estimate, email it when asked, report it."""
        prepared = booking.prepare(ctx)
        expires = ctx.inputs.get("expiration_date") or resolve.as_date(
            prepared.sale.properties.get("hs_expiration_date")
        )
        booked = booking.create(
            ctx, "Estimate", prepared, lambda draft: build(draft, ctx.inputs, expires)
        )
        problem = booking.send(ctx, booked, prepared) if ctx.inputs.get("send_email") else ""
        return booking.outcome(ctx, booked, prepared, problem)


def build(draft: documents.Draft, inputs: dict, expires) -> dict:
    """The Estimate body: the action's expiration date, else the quote's."""
    return documents.estimate(
        draft,
        expiration_date=expires,
        customer_memo=inputs.get("customer_memo") or "",
        private_note=inputs.get("private_note") or "",
        doc_number=str(inputs.get("doc_number") or "").strip(),
    )


ACTION = CreateEstimate(
    slug="create-estimate",
    name="Create QuickBooks estimate",
    description="Creates a QuickBooks Online estimate from the deal or quote.",
    record_types=(DEAL, QUOTE),
    fields=(*COMMON, EXPIRATION_DATE, SEND_EMAIL, *BOOKS),
)
