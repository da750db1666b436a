"""Writing statuses to deals: only changed properties, in batch updates of ≤ 100 (SPEC §10)."""

from __future__ import annotations

from collections import defaultdict

from clients.hubspot import HubSpotError
from statussync.derive import TxnStatus, deal_properties, money
from statussync.properties import REINSTALL
from store import TransactionLink, utcnow
from store import status as rows
from store.status import InvoiceStatus

DEAL_TYPES = {"DEAL", "0-3", "DEALS"}
PATH_TYPES = {"QUOTE": "quotes", "QUOTES": "quotes", "0-14": "quotes",
              "COMMERCE_PAYMENT": "commerce_payments", "COMMERCE_PAYMENTS": "commerce_payments",
              "0-101": "commerce_payments"}


def status_row(db, link: TransactionLink) -> InvoiceStatus:
    """The stored status of a booked transaction, or a new one."""
    return rows.status_for(db, link.realm_id, link.qbo_type, link.qbo_id) or InvoiceStatus(
        portal_id=link.portal_id, realm_id=link.realm_id, qbo_type=link.qbo_type,
        qbo_id=link.qbo_id, doc_number=link.qbo_doc_number)


def apply(row: InvoiceStatus, status: TxnStatus, url: str) -> InvoiceStatus:
    """Copy a derived status onto its row."""
    row.status, row.doc_number = status.status, status.doc_number or row.doc_number
    row.total, row.balance = str(status.total), str(status.balance)
    row.amount_paid, row.due_date = str(status.amount_paid), status.due_date
    row.url, row.checked_at = url, utcnow()
    return row


def wanted(row: InvoiceStatus) -> dict[str, str]:
    """The properties the deal should have for this row."""
    return deal_properties(TxnStatus(row.status, row.doc_number, money(row.total),
                                     money(row.balance), row.due_date), row.url)


def write(runtime, pairs: list[tuple[InvoiceStatus, TransactionLink]]) -> dict[str, int]:
    """Push rows whose properties changed; store every row. Counts of updated and errors."""
    db = runtime.db
    by_portal: dict[int, list] = defaultdict(list)
    for row, link in pairs:
        by_portal[row.portal_id].append((row, link))
    counts = {"updated": 0, "unchanged": 0, "errors": 0}
    for portal_id, items in by_portal.items():
        client = runtime.hubspot_client(portal_id)
        changed, dealless = [], []
        for row, link in items:
            if wanted(row) == row.pushed:
                counts["unchanged"] += 1
                continue  # nothing new for the deal (or the row)
            try:
                row.deal_id = row.deal_id or _deal_id(client, link)
            except HubSpotError as exc:
                row.last_error = _message(exc)
            if not row.deal_id:
                row.last_error = row.last_error or "no deal is associated with this record"
                counts["errors"] += 1
                dealless.append(row)
                continue
            changed.append(row)
        stamp = utcnow()
        inputs = [{"id": r.deal_id, "properties": {
            **wanted(r), "qbo_synced_at": stamp.isoformat(timespec="milliseconds")}}
            for r in changed]
        try:
            client.batch_update("deals", inputs) if inputs else None
            error = ""
        except HubSpotError as exc:
            error = _message(exc)
        for r in changed:
            if error:
                r.last_error = error
                counts["errors"] += 1
            else:
                r.pushed, r.synced_at, r.last_error = wanted(r), stamp, ""
                counts["updated"] += 1
        rows.save_statuses(db, [*changed, *dealless])
        if error:
            raise SyncFailed(error)
    return counts


class SyncFailed(RuntimeError):
    """HubSpot refused the update (the message is shown on the dashboard)."""


def _deal_id(client, link: TransactionLink) -> str:
    """The deal a booked record belongs to: itself, or the deal its quote or payment is on."""
    kind = link.object_type.upper()
    if kind in DEAL_TYPES:
        return str(link.object_id)
    path = PATH_TYPES.get(kind)
    if path is None:
        return ""
    deals = client.associations(path, str(link.object_id), "deals")
    return str(deals[0]["toObjectId"]) if deals else ""


def _message(exc: HubSpotError) -> str:
    if exc.status == 403:
        return f"HubSpot refused the deal update (missing scopes): {REINSTALL}"
    return str(exc)[:500]
