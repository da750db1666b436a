"""Create QuickBooks sales receipt action."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    COMMON,
    DEPOSIT_ACCOUNT,
    PAYMENT_METHOD,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import DEAL, PAYMENT, QUOTE, RECORD_PROPERTIES


class CreateSalesReceipt(Action):
    """Create QuickBooks sales receipt (SalesReceipt)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-sales-receipt is not implemented yet")


ACTION = CreateSalesReceipt(
    slug="create-sales-receipt",
    name="Create QuickBooks sales receipt",
    description=(
        "Creates a QuickBooks Online sales receipt (paid at sale) from a deal, quote or "
        "payment."
    ),
    record_types=(DEAL, QUOTE, PAYMENT),
    fields=(*COMMON, DEPOSIT_ACCOUNT, PAYMENT_METHOD),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (DEAL, QUOTE, PAYMENT)},
)
