"""Create QuickBooks estimate: creates a QuickBooks Online estimate from the deal or quote."""

from __future__ import annotations

from hubqbo.actions.base import Action, Outcome
from hubqbo.actions.fields import (
    COMMON,
    EXPIRATION_DATE,
    SEND_EMAIL,
)
from hubqbo.failures import ActionFailed
from hubqbo.records import DEAL, QUOTE, RECORD_PROPERTIES


class CreateEstimate(Action):
    """Create QuickBooks estimate (Estimate)."""

    def run(self, ctx) -> Outcome:
        """Not built yet: answers NOT_IMPLEMENTED through the real outputs path."""
        raise ActionFailed("NOT_IMPLEMENTED", "create-estimate is not implemented yet")


ACTION = CreateEstimate(
    slug="create-estimate",
    name="Create QuickBooks estimate",
    description="Creates a QuickBooks Online estimate from the deal or quote.",
    record_types=(DEAL, QUOTE),
    fields=(*COMMON, EXPIRATION_DATE, SEND_EMAIL),
    properties={rt.path: RECORD_PROPERTIES[rt.path] for rt in (DEAL, QUOTE)},
)
