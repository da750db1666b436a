"""The six workflow actions, one module each, registered by URL slug."""

from __future__ import annotations

from actions import (
    estimate,
    fee_expense,
    invoice,
    paid_invoice,
    refund_receipt,
    sales_receipt,
)
from actions.base import Action

ACTIONS: dict[str, Action] = {
    m.ACTION.slug: m.ACTION
    for m in (invoice, estimate, sales_receipt, paid_invoice, fee_expense, refund_receipt)
}
