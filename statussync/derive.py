"""An invoice's status as SPEC §10 orders it, and the deal properties that show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

STATUSES = ("awaiting_send", "sent", "partially_paid", "paid", "overdue", "voided")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TxnStatus:
    """What QuickBooks says about one booked transaction."""

    status: str
    doc_number: str
    total: Decimal
    balance: Decimal
    due_date: str  # YYYY-MM-DD or ""

    @property
    def amount_paid(self) -> Decimal:
        """Collected so far (nothing on a voided invoice)."""
        return ZERO if self.status == "voided" else max(self.total - self.balance, ZERO)


def money(value) -> Decimal:
    """Two-decimal Decimal from QuickBooks' JSON number or string."""
    try:
        return Decimal(str(value if value not in (None, "") else 0)).quantize(ZERO)
    except InvalidOperation:
        return ZERO


def derive(txn: dict, qbo_type: str, today: date) -> TxnStatus:
    """Voided, paid, partially paid, overdue, sent, awaiting send — in that order."""
    total, note = money(txn.get("TotalAmt")), str(txn.get("PrivateNote") or "")
    balance = ZERO if qbo_type == "SalesReceipt" else money(txn.get("Balance"))
    due = str(txn.get("DueDate") or "")[:10]
    doc = str(txn.get("DocNumber") or "")
    if total == 0 and balance == 0 and "voided" in note.lower():
        # QBO zeroes a voided invoice; without this check it would read as paid (§13).
        return TxnStatus("voided", doc, total, balance, due)
    return TxnStatus(open_status(total, balance, due, txn.get("EmailStatus"), today),
                     doc, total, balance, due)


def open_status(total: Decimal, balance: Decimal, due: str, email_status, today: date) -> str:
    """The status of a transaction that is not voided."""
    if balance == 0:
        return "paid"
    if 0 < balance < total:
        return "partially_paid"
    if balance > 0 and due and due < today.isoformat():
        return "overdue"
    return "sent" if email_status == "EmailSent" else "awaiting_send"


def deal_properties(status: TxnStatus, url: str) -> dict[str, str]:
    """The deal's QuickBooks properties for a status (qbo_synced_at is added on write)."""
    return {
        "qbo_invoice_number": status.doc_number,
        "qbo_invoice_status": status.status,
        "qbo_amount_paid": str(status.amount_paid),
        "qbo_balance": str(status.balance),
        "qbo_due_date": status.due_date,
        "qbo_invoice_url": url,
    }
