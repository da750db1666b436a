"""Settling recorded events: which booked invoices changed, read once, written to the deal.

Metering (reference §12): events about transactions we did not book cost nothing; many events
of one realm are served by one change-data-capture call; a lone invoice event costs one read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import store
from clients.quickbooks import QuickBooksError, transaction_url
from clients.transport import Unavailable
from executions import ledger
from failures import ActionFailed
from statussync import deals
from statussync.derive import derive, open_status
from store import portals, utcnow
from store import status as rows

# What ends one realm's settling (the events stay recorded as failed; the catch-up retries).
FAILURES = (QuickBooksError, Unavailable, ActionFailed, deals.SyncFailed)
CDC_WINDOW = timedelta(days=30)
CDC_LIMIT = 1000  # QBO answers at most 1,000 objects per CDC call
EARLY = timedelta(minutes=5)  # read changes a little before the first event (clock skew)
TYPES = ("Invoice", "SalesReceipt")
# Actions whose create answer is the whole story (a paid invoice also gets a payment).
SEEDABLE = ("create-invoice", "create-sales-receipt")


def process_pending(runtime) -> dict[str, int]:
    """Settle every recorded, unprocessed event; counts per outcome."""
    counts: dict[str, int] = defaultdict(int)
    events = rows.claim_pending(runtime.db)
    by_realm: dict[str, list] = defaultdict(list)
    for event in events:
        by_realm[event.realm_id].append(event)
    for realm_id, realm_events in by_realm.items():
        settle_realm(runtime, realm_id, realm_events, counts)
    return dict(counts)


def settle_realm(runtime, realm_id: str, events: list, counts: dict) -> None:
    """Settle one realm's events, counting them by the state they end in."""
    db = runtime.db
    named = {e.entity_id for e in events if e.entity in TYPES}
    payments = [e for e in events if e.entity == "Payment"]
    booked = rows.booked_links(db, realm_id, sorted(named)) if named else []
    mine = {link.qbo_id for link in booked}
    # A create's webhook can beat the booking's own bookkeeping: wait for the link a while.
    waiting = [e for e in events if e.entity in TYPES and e.operation == "Create"
               and e.entity_id not in mine and _young(runtime, e)]
    events = [e for e in events if e not in waiting]
    counts["pending"] += len(waiting)
    if not events:
        return
    any_booked = bool(booked) or (bool(payments) and bool(rows.booked_links(db, realm_id)))
    ids = [e.id for e in events]
    if not any_booked:
        rows.finish_events(db, ids, "ignored")  # unknown realm, entity or transaction: no read
        counts["ignored"] += len(ids)
        return
    try:
        since = min((e.occurred_at or e.received_at) for e in events) - EARLY
        creates = {e.entity_id for e in events if e.operation == "Create"}
        others = {e.entity_id for e in events if e.operation != "Create"}
        seeded = {link.qbo_id: answer for link in booked
                  if link.qbo_id in creates - others
                  and (answer := _create_answer(db, link)) is not None}
        to_read = [link for link in booked if link.qbo_id not in seeded]
        changed = _changed(runtime, realm_id, to_read, payments, since)
        _write(runtime, realm_id, {**seeded, **changed})
    except FAILURES as exc:
        _failed(db, realm_id, str(exc))
        rows.finish_events(db, ids, "failed", str(exc))
        counts["failed"] += len(ids)
        return
    rows.finish_events(db, ids, "done")
    counts["done"] += len(ids)


def _young(runtime, event) -> bool:
    """Whether an event is recent enough that its transaction may still be being booked."""
    grace = runtime.settings.status_create_grace_seconds
    return _aware(event.received_at) > utcnow() - timedelta(seconds=grace)


def _create_answer(db, link) -> dict | None:
    """What the create answered about a plain invoice or sales receipt (no read needed)."""
    if link.action not in SEEDABLE or not link.execution_id:
        return None
    execution = ledger.by_id(db, link.execution_id)
    progress = (execution.progress if execution else None) or {}
    step = progress.get(link.qbo_type.lower()) or {}
    if str(step.get("id")) != link.qbo_id or not step.get("answer"):
        return None
    answer = dict(step["answer"])
    if "send" in progress:  # QuickBooks emailed it right after the create
        answer["EmailStatus"] = "EmailSent"
    return answer


def _changed(runtime, realm_id, booked, payments, since) -> dict[str, dict]:
    """{qbo id: transaction} for the booked transactions these events touched."""
    client = _client(runtime, realm_id)
    if client is None or not (payments or booked):
        return {}
    if not payments and len(booked) == 1:
        link = booked[0]
        return {link.qbo_id: client.read(link.qbo_type, link.qbo_id)}
    if _aware(since) < utcnow() - CDC_WINDOW:
        return {link.qbo_id: client.read(link.qbo_type, link.qbo_id) for link in booked}
    found = client.cdc(list(TYPES), _stamp(since))
    txns = {str(t["Id"]): t for name in TYPES for t in found.get(name, [])}
    wanted = {link.qbo_id for link in booked}
    # Payment events name their invoices through LinkedTxn, read here from the invoice side.
    paid_by = {str(x.get("TxnId")): str(t["Id"]) for t in found.get("Invoice", [])
               for x in t.get("LinkedTxn") or [] if x.get("TxnType") == "Payment"}
    for event in payments:
        if event.entity_id in paid_by:
            wanted.add(paid_by[event.entity_id])
        elif len(found.get("Invoice", [])) >= CDC_LIMIT:
            payment = client.read("Payment", event.entity_id)  # CDC was full: ask the payment
            wanted.update(str(x.get("TxnId")) for line in payment.get("Line") or []
                          for x in line.get("LinkedTxn") or [] if x.get("TxnType") == "Invoice")
    mine = {link.qbo_id: link
            for link in rows.booked_links(runtime.db, realm_id, sorted(wanted | set(txns)))}
    out = {qid: txns[qid] for qid in mine if qid in txns}
    for qid in wanted - set(out):  # named but missing from a truncated CDC answer
        if qid in mine:
            out[qid] = client.read(mine[qid].qbo_type, qid)
    return out


def _write(runtime, realm_id: str, txns: dict[str, dict]) -> None:
    """Derive each transaction's status and write the deals that changed."""
    db = runtime.db
    links = {link.qbo_id: link for link in rows.booked_links(db, realm_id, sorted(txns))}
    stored = rows.statuses_for_links(db, [(realm_id, link.qbo_type, qid)
                                          for qid, link in links.items()])
    today: dict[int, date] = {}
    pairs = []
    for qid, txn in txns.items():
        link = links.get(qid)
        if link is None:
            continue
        if link.portal_id not in today:
            today[link.portal_id] = portal_today(db, link.portal_id)
        status = derive(txn, link.qbo_type, today[link.portal_id])
        url = transaction_url(runtime.settings.quickbooks_environment, link.qbo_type, qid)
        row = stored.get((realm_id, link.qbo_type, qid)) or deals.status_row(db, link)
        pairs.append((deals.apply(row, status, url), link))
    deals.write(runtime, pairs)
    sync = rows.realm_sync(db, realm_id)
    sync.last_synced_at, sync.last_error = utcnow(), ""
    rows.save_realm_sync(db, sync)


def reconcile(runtime, since: datetime | None = None) -> dict[str, int]:
    """Catch up from CDC (events missed while down); every realm with booked transactions."""
    db = runtime.db
    counts = {"realms": 0, "transactions": 0, "failed": 0}
    for realm_id in rows.booked_realms(db):
        sync = rows.realm_sync(db, realm_id)
        started = utcnow()
        start = since or sync.cdc_checkpoint or (started - CDC_WINDOW)
        start = max(_aware(start), started - CDC_WINDOW + timedelta(minutes=1))
        client = _client(runtime, realm_id)
        if client is None:
            continue
        try:
            found = client.cdc(list(TYPES), _stamp(start))
            txns = {str(t["Id"]): t for name in TYPES for t in found.get(name, [])}
            mine = {link.qbo_id for link in rows.booked_links(db, realm_id, sorted(txns))}
            _write(runtime, realm_id, {q: t for q, t in txns.items() if q in mine})
        except FAILURES as exc:
            _failed(db, realm_id, str(exc))
            counts["failed"] += 1
            continue
        sync = rows.realm_sync(db, realm_id)
        sync.cdc_checkpoint = started - EARLY
        rows.save_realm_sync(db, sync)
        counts["realms"] += 1
        counts["transactions"] += len(mine)
    return counts


def overdue_pass(runtime, today: date | None = None) -> dict[str, int]:
    """Turn unpaid invoices past their due date overdue (no QBO event fires for that)."""
    db = runtime.db
    pairs = []
    for row in rows.statuses(db):
        if row.status not in ("awaiting_send", "sent") or row.qbo_type != "Invoice":
            continue
        day = today or portal_today(db, row.portal_id)
        total, balance = deals.money(row.total), deals.money(row.balance)
        email = "EmailSent" if row.status == "sent" else None
        if open_status(total, balance, row.due_date, email, day) != "overdue":
            continue
        row.status = "overdue"
        link = store.TransactionLink(portal_id=row.portal_id, realm_id=row.realm_id,
                                     action="", object_type="DEAL", object_id=row.deal_id,
                                     qbo_type=row.qbo_type, qbo_id=row.qbo_id)
        pairs.append((row, link))
    try:
        counts = deals.write(runtime, pairs) if pairs else {"updated": 0}
    except deals.SyncFailed as exc:  # shown on the dashboard; the next pass retries
        for realm_id in {row.realm_id for row, _ in pairs}:
            _failed(db, realm_id, str(exc))
        counts = {"updated": 0, "errors": len(pairs)}
    return {"overdue": len(pairs), **counts}


def portal_today(db, portal_id: int) -> date:
    """Today in the portal's time zone (UTC when unknown)."""
    portal = portals.get_portal(db, portal_id)
    try:
        zone = ZoneInfo(portal.time_zone) if portal and portal.time_zone else UTC
    except (KeyError, ValueError):
        zone = UTC
    return datetime.now(zone).date()


def _client(runtime, realm_id: str):
    """A QuickBooks client for any portal's connection to the realm (None if none)."""
    connection = rows.any_connection(runtime.db, realm_id)
    return runtime.quickbooks_client(connection) if connection else None


def _failed(db, realm_id: str, message: str) -> None:
    sync = rows.realm_sync(db, realm_id)
    sync.last_error, sync.last_error_at = message[:500], utcnow()
    rows.save_realm_sync(db, sync)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
