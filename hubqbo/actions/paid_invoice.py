"""Create paid QuickBooks invoice action."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    COMMON,
    DEPOSIT_ACCOUNT,
    PAYMENT_METHOD,
    PAYMENT_TERMS,
    SKIP_INVOICE_PAYMENTS,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import PAYMENT, RECORD_PROPERTIES


class CreatePaidInvoice(Action):
    """Create paid QuickBooks invoice (Invoice)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-paid-invoice is not implemented yet")


ACTION = CreatePaidInvoice(
    slug="create-paid-invoice",
    name="Create paid QuickBooks invoice",
    description=(
        "Creates a QuickBooks invoice from the HubSpot payment and a Payment that "
        "settles it."
    ),
    record_types=(PAYMENT,),
    fields=(*COMMON, DEPOSIT_ACCOUNT, PAYMENT_METHOD, PAYMENT_TERMS, SKIP_INVOICE_PAYMENTS),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (PAYMENT,)},
)
