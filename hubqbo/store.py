"""Persistence: the SQLModel tables and the few queries the app needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, create_engine, select


def utcnow() -> datetime:
    """Aware UTC now: every timestamp in the database is UTC."""
    return datetime.now(UTC)


class Portal(SQLModel, table=True):
    """A HubSpot account that installed the app (or the static-token portal)."""

    __tablename__ = "portals"

    # HubSpot hub ids can outgrow 32 bits.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = ""
    hub_domain: str = ""
    access_token: str = Field(default="", description="encrypted")
    refresh_token: str = Field(default="", description="encrypted")
    token_expires_at: datetime | None = None
    scopes: str = ""
    static_token: bool = False
    installed_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class QuickBooksConnection(SQLModel, table=True):
    """A QuickBooks Online company (realm) connected to one portal."""

    __tablename__ = "quickbooks_connections"
    __table_args__ = (UniqueConstraint("portal_id", "realm_id"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("portals.id"), index=True, nullable=False)
    )
    realm_id: str = Field(index=True)
    company_name: str = ""
    country: str = ""
    home_currency: str = ""
    multicurrency: bool = False
    tax_mode: str = Field(default="", description="'automated' (US AST) or 'codes' (non-US)")
    custom_txn_numbers: bool = False
    access_token: str = Field(default="", description="encrypted")
    refresh_token: str = Field(default="", description="encrypted")
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    status: str = "connected"  # connected | reconnect_required
    last_error: str = ""
    connected_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def is_us(self) -> bool:
        """US companies let QuickBooks compute sales tax (TAX/NON line codes)."""
        return self.country.upper() in {"US", "USA", ""}


class Execution(SQLModel, table=True):
    """One workflow action execution: the ledger row keyed by (portal, callbackId)."""

    __tablename__ = "executions"
    __table_args__ = (
        UniqueConstraint("portal_id", "callback_id", name="uq_execution_callback"),
        Index("ix_executions_portal_created", "portal_id", "created_at"),
        Index("ix_executions_record", "portal_id", "object_type", "object_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(sa_column=Column(BigInteger, index=True, nullable=False))
    callback_id: str = Field(sa_column=Column(String(200), nullable=False))
    action: str = Field(index=True)
    object_type: str = ""
    object_id: str = ""
    realm_id: str = ""
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    inputs: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # pending (accepted, not yet run or released for retry) | running | succeeded | failed
    status: str = Field(default="pending", index=True)
    result: str = ""  # created | existing | skipped | failed
    outputs: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error_code: str = Field(default="", index=True)
    error_message: str = ""
    qbo_id: str = ""
    qbo_doc_number: str = ""
    qbo_total: str = ""
    attempts: int = 0
    # Bumped by "Run again": a new generation gets new QuickBooks requestids.
    generation: int = 0
    lease_expires_at: datetime | None = None
    progress: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    trace: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    callback_completed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """True once the outcome is final and its outputs are stored."""
        return self.status in {"succeeded", "failed"}


class TransactionLink(SQLModel, table=True):
    """Which QuickBooks transaction an action produced for a HubSpot record."""

    __tablename__ = "transaction_links"
    __table_args__ = (
        Index("ix_links_record", "portal_id", "realm_id", "action", "object_type", "object_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    realm_id: str
    action: str
    object_type: str
    object_id: str
    qbo_type: str
    qbo_id: str
    qbo_doc_number: str = ""
    qbo_total: str = ""
    execution_id: int | None = Field(default=None, foreign_key="executions.id")
    created_at: datetime = Field(default_factory=utcnow)


class ApiCall(SQLModel, table=True):
    """One outbound API call made during an execution (for the dashboard)."""

    __tablename__ = "api_calls"

    id: int | None = Field(default=None, primary_key=True)
    execution_id: int = Field(foreign_key="executions.id", index=True)
    service: str  # hubspot | quickbooks
    method: str
    path: str
    status: int = 0
    duration_ms: int = 0
    intuit_tid: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class ActionDefinition(SQLModel, table=True):
    """The HubSpot definition id published for each action."""

    __tablename__ = "action_definitions"
    __table_args__ = (UniqueConstraint("app_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    app_id: str
    slug: str
    definition_id: str
    revision_id: str = ""
    published_at: datetime = Field(default_factory=utcnow)


class Database:
    """An engine plus session factory for one database URL."""

    def __init__(self, url: str):
        self.url = normalize_url(url)
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL, where row locks are real."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for bare postgres URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL and a busy timeout let threads share one SQLite file."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# --- executions (the ledger's queries) ------------------------------------------------------


def insert_execution(db: Database, execution: Execution) -> Execution | None:
    """Insert a new ledger row; None when (portal, callback) already exists."""
    try:
        with db.session() as s:
            s.add(execution)
        return execution
    except IntegrityError:
        return None


def get_execution(db: Database, portal_id: int, callback_id: str) -> Execution | None:
    """The ledger row for a delivery."""
    with db.session() as s:
        stmt = select(Execution).where(
            Execution.portal_id == portal_id, Execution.callback_id == callback_id
        )
        return s.exec(stmt).first()


def execution_by_id(db: Database, execution_id: int) -> Execution | None:
    """A ledger row by its id."""
    with db.session() as s:
        return s.get(Execution, execution_id)


def take_over_execution(db: Database, execution_id: int, lease_seconds: float) -> bool:
    """Atomically claim a pending row, or a running one whose lease lapsed."""
    now = utcnow()
    stmt = (
        update(Execution)
        .where(Execution.id == execution_id)
        .where(
            (Execution.status == "pending")
            | ((Execution.status == "running") & (Execution.lease_expires_at < now))
        )
        .values(
            status="running",
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Execution.attempts + 1,
            updated_at=now,
        )
    )
    with db.session() as s:
        return s.exec(stmt).rowcount == 1  # type: ignore[attr-defined]


def update_execution(db: Database, execution_id: int, **values: Any) -> None:
    """Set columns on a ledger row."""
    values["updated_at"] = utcnow()
    with db.session() as s:
        s.exec(update(Execution).where(Execution.id == execution_id).values(**values))  # type: ignore[call-overload]


def record_step(db: Database, execution_id: int, step: str, data: dict) -> dict:
    """Merge one finished step into the row's progress and commit it at once."""
    with db.session() as s:
        row = s.get(Execution, execution_id, with_for_update=db.is_postgres)
        progress = dict(row.progress or {})
        progress[step] = data
        row.progress = progress
        row.updated_at = utcnow()
        s.add(row)
    return progress


# --- links --------------------------------------------------------------------------------


def latest_link(
    db: Database, portal_id: int, realm_id: str, action: str, object_type: str, object_id: str
) -> TransactionLink | None:
    """The newest transaction this action created for this record in this company."""
    with db.session() as s:
        stmt = (
            select(TransactionLink)
            .where(
                TransactionLink.portal_id == portal_id,
                TransactionLink.realm_id == realm_id,
                TransactionLink.action == action,
                TransactionLink.object_type == object_type,
                TransactionLink.object_id == object_id,
            )
            .order_by(TransactionLink.id.desc())  # type: ignore[union-attr]
        )
        return s.exec(stmt).first()


def add_link(db: Database, link: TransactionLink) -> None:
    """Record the transaction an execution produced."""
    with db.session() as s:
        s.add(link)


def add_api_calls(db: Database, calls: list[ApiCall]) -> None:
    """Store the API calls made during an execution."""
    if not calls:
        return
    with db.session() as s:
        s.add_all(calls)


# --- portals and connections --------------------------------------------------------------


def get_portal(db: Database, portal_id: int) -> Portal | None:
    """A portal by hub id."""
    with db.session() as s:
        return s.get(Portal, portal_id)


def save(db: Database, row: SQLModel) -> SQLModel:
    """Insert or update one row and return it."""
    with db.session() as s:
        merged = s.merge(row)
        s.flush()
        s.refresh(merged)
        return merged


def connections_for(db: Database, portal_id: int) -> list[QuickBooksConnection]:
    """A portal's QuickBooks companies, oldest first."""
    with db.session() as s:
        stmt = (
            select(QuickBooksConnection)
            .where(QuickBooksConnection.portal_id == portal_id)
            .order_by(QuickBooksConnection.id)  # type: ignore[arg-type]
        )
        return list(s.exec(stmt).all())


def get_connection(db: Database, portal_id: int, realm_id: str) -> QuickBooksConnection | None:
    """A portal's connection to one realm (never another portal's)."""
    with db.session() as s:
        stmt = select(QuickBooksConnection).where(
            QuickBooksConnection.portal_id == portal_id,
            QuickBooksConnection.realm_id == realm_id,
        )
        return s.exec(stmt).first()


def delete_connection(db: Database, connection_id: int) -> None:
    """Forget a connection."""
    with db.session() as s:
        row = s.get(QuickBooksConnection, connection_id)
        if row is not None:
            s.delete(row)


def metadata() -> Any:
    """The schema, for Alembic."""
    return SQLModel.metadata
