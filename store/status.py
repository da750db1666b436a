"""Status sync tables (SPEC §10): webhook events, each booked invoice's last status, realm state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, String, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, select

from store.database import Database
from store.tables import TransactionLink, utcnow


class WebhookEvent(SQLModel, table=True):
    """One QuickBooks webhook event, recorded before the 200 so none is lost."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("event_key", name="uq_webhook_event_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # CloudEvents id, or realm/entity/id/operation/lastUpdated for the legacy format.
    event_key: str = Field(sa_column=Column(String(300), nullable=False))
    realm_id: str = Field(index=True)
    entity: str = ""
    entity_id: str = ""
    operation: str = ""
    occurred_at: datetime | None = None
    received_at: datetime = Field(default_factory=utcnow)
    # pending | done | ignored | failed
    state: str = Field(default="pending", index=True)
    error: str = ""
    processed_at: datetime | None = None


class InvoiceStatus(SQLModel, table=True):
    """The latest QuickBooks status of one booked transaction and what the deal last got."""

    __tablename__ = "invoice_statuses"
    __table_args__ = (UniqueConstraint("realm_id", "qbo_type", "qbo_id",
                                       name="uq_invoice_status_txn"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    realm_id: str
    qbo_type: str
    qbo_id: str
    deal_id: str = ""
    status: str = ""
    doc_number: str = ""
    total: str = ""
    balance: str = ""
    amount_paid: str = ""
    due_date: str = ""
    url: str = ""
    # The deal properties last written (without qbo_synced_at), to write only on change.
    pushed: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime | None = None
    checked_at: datetime | None = None
    last_error: str = ""


class RealmSync(SQLModel, table=True):
    """Per company: the change-data-capture checkpoint and the last sync failure."""

    __tablename__ = "realm_syncs"

    realm_id: str = Field(primary_key=True)
    cdc_checkpoint: datetime | None = None
    last_synced_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None


def record_events(db: Database, events: list[dict]) -> int:
    """Insert events, skipping ids seen before; how many were new."""
    new = 0
    for values in events:
        try:
            with db.session() as s:
                s.add(WebhookEvent(**values))
            new += 1
        except IntegrityError:
            continue  # a redelivery: the first copy is (or was) processed
    return new


def claim_pending(db: Database, limit: int = 5000) -> list[WebhookEvent]:
    """Pending events, oldest first."""
    with db.session() as s:
        stmt = (select(WebhookEvent).where(WebhookEvent.state == "pending")
                .order_by(WebhookEvent.id).limit(limit))  # type: ignore[arg-type]
        return list(s.exec(stmt).all())


def finish_events(db: Database, ids: list[int], state: str, error: str = "") -> None:
    """Mark events processed (or ignored, or failed)."""
    if not ids:
        return
    with db.session() as s:
        s.exec(update(WebhookEvent).where(WebhookEvent.id.in_(ids))  # type: ignore[union-attr]
               .values(state=state, error=error[:500], processed_at=utcnow()))


def count_events(db: Database, state: str | None = None) -> int:
    """How many events are recorded (in one state)."""
    with db.session() as s:
        stmt = select(WebhookEvent.id)
        if state:
            stmt = stmt.where(WebhookEvent.state == state)
        return len(s.exec(stmt).all())


def booked_links(db: Database, realm_id: str, qbo_ids: list[str] | None = None,
                 types: tuple[str, ...] = ("Invoice", "SalesReceipt")) -> list[TransactionLink]:
    """The invoices and sales receipts this product booked in a realm (optionally by id)."""
    with db.session() as s:
        stmt = select(TransactionLink).where(TransactionLink.realm_id == realm_id,
                                             TransactionLink.qbo_type.in_(types))  # type: ignore[attr-defined]
        if qbo_ids is not None:
            stmt = stmt.where(TransactionLink.qbo_id.in_(qbo_ids))  # type: ignore[attr-defined]
        return list(s.exec(stmt.order_by(TransactionLink.id)).all())  # type: ignore[arg-type]


def booked_realms(db: Database) -> list[str]:
    """Realms with at least one booked invoice or sales receipt."""
    with db.session() as s:
        stmt = select(TransactionLink.realm_id).where(
            TransactionLink.qbo_type.in_(("Invoice", "SalesReceipt"))).distinct()  # type: ignore[attr-defined]
        return sorted(s.exec(stmt).all())


def statuses(db: Database, realm_id: str | None = None) -> list[InvoiceStatus]:
    """Stored statuses (of one realm)."""
    with db.session() as s:
        stmt = select(InvoiceStatus)
        if realm_id is not None:
            stmt = stmt.where(InvoiceStatus.realm_id == realm_id)
        return list(s.exec(stmt.order_by(InvoiceStatus.id)).all())  # type: ignore[arg-type]


def status_for(db: Database, realm_id: str, qbo_type: str, qbo_id: str) -> InvoiceStatus | None:
    """One transaction's stored status."""
    with db.session() as s:
        return s.exec(select(InvoiceStatus).where(
            InvoiceStatus.realm_id == realm_id, InvoiceStatus.qbo_type == qbo_type,
            InvoiceStatus.qbo_id == qbo_id)).first()


def statuses_for_links(db: Database, links: list[tuple[str, str, str]]) -> dict:
    """{(realm, type, id): InvoiceStatus} for the given transactions (dashboard)."""
    wanted = set(links)
    if not wanted:
        return {}
    realms = {r for r, _, _ in wanted}
    ids = {i for _, _, i in wanted}
    with db.session() as s:
        rows = s.exec(select(InvoiceStatus).where(
            InvoiceStatus.realm_id.in_(realms), InvoiceStatus.qbo_id.in_(ids))).all()  # type: ignore[attr-defined]
    return {(r.realm_id, r.qbo_type, r.qbo_id): r for r in rows
            if (r.realm_id, r.qbo_type, r.qbo_id) in wanted}


def save_status(db: Database, row: InvoiceStatus) -> None:
    """Insert or update a transaction's status."""
    with db.session() as s:
        s.merge(row)


def save_statuses(db: Database, statuses: list[InvoiceStatus]) -> None:
    """Insert or update many statuses in one transaction."""
    if not statuses:
        return
    with db.session() as s:
        for row in statuses:
            s.merge(row)


def realm_sync(db: Database, realm_id: str) -> RealmSync:
    """A realm's sync state (a fresh one when none is stored)."""
    with db.session() as s:
        return s.get(RealmSync, realm_id) or RealmSync(realm_id=realm_id)


def save_realm_sync(db: Database, row: RealmSync) -> None:
    """Store a realm's sync state."""
    with db.session() as s:
        s.merge(row)


def sync_failures(db: Database, realm_ids: list[str]) -> list[RealmSync]:
    """Realms whose last sync failed (dashboard overview)."""
    if not realm_ids:
        return []
    with db.session() as s:
        return list(s.exec(select(RealmSync).where(
            RealmSync.realm_id.in_(realm_ids), RealmSync.last_error != "")).all())  # type: ignore[attr-defined]


def last_sync(db: Database, realm_ids: list[str]) -> datetime | None:
    """The newest successful sync among these realms."""
    if not realm_ids:
        return None
    with db.session() as s:
        times = [t for t in s.exec(select(RealmSync.last_synced_at).where(
            RealmSync.realm_id.in_(realm_ids))).all() if t]  # type: ignore[attr-defined]
    return max(times) if times else None


def any_connection(db: Database, realm_id: str):
    """Some portal's connection to a realm (status reads need any valid token)."""
    from store.tables import QuickBooksConnection

    with db.session() as s:
        return s.exec(select(QuickBooksConnection).where(
            QuickBooksConnection.realm_id == realm_id,
            QuickBooksConnection.status == "connected")).first()
