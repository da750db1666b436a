"""Create QuickBooks refund receipt action."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    ALLOW_PARTIAL,
    COMMON,
    PAYMENT_METHOD,
    REFUND_FROM_ACCOUNT,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import PAYMENT, RECORD_PROPERTIES


class CreateRefundReceipt(Action):
    """Create QuickBooks refund receipt (RefundReceipt)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-refund-receipt is not implemented yet")


ACTION = CreateRefundReceipt(
    slug="create-refund-receipt",
    name="Create QuickBooks refund receipt",
    description="Creates a QuickBooks refund receipt when the HubSpot payment was fully refunded.",
    record_types=(PAYMENT,),
    fields=(*COMMON, REFUND_FROM_ACCOUNT, PAYMENT_METHOD, ALLOW_PARTIAL),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (PAYMENT,)},
)
