"""Book payment processing fee action."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    COMMON,
    EXPENSE_ACCOUNT,
    PAYMENT_ACCOUNT,
    VENDOR,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import PAYMENT, RECORD_PROPERTIES


class CreateFeeExpense(Action):
    """Book payment processing fee (Purchase)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-fee-expense is not implemented yet")


ACTION = CreateFeeExpense(
    slug="create-fee-expense",
    name="Book payment processing fee",
    description="Books the HubSpot payment's processing fee as a QuickBooks expense.",
    record_types=(PAYMENT,),
    fields=(*COMMON, PAYMENT_ACCOUNT, EXPENSE_ACCOUNT, VENDOR),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (PAYMENT,)},
)
