"""Create QuickBooks invoice action."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    COMMON,
    DUE_DATE,
    INVOICE_DATE,
    PAYMENT_TERMS,
    SEND_EMAIL,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import DEAL, QUOTE, RECORD_PROPERTIES


class CreateInvoice(Action):
    """Create QuickBooks invoice (Invoice)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-invoice is not implemented yet")


ACTION = CreateInvoice(
    slug="create-invoice",
    name="Create QuickBooks invoice",
    description=(
        "Creates a QuickBooks Online invoice from the deal or quote, its line items and "
        "contact."
    ),
    record_types=(DEAL, QUOTE),
    fields=(*COMMON, PAYMENT_TERMS, INVOICE_DATE, DUE_DATE, SEND_EMAIL),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (DEAL, QUOTE)},
)
