"""Persistence: the SQLModel tables and the few queries the app needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
    func,
    insert,
    or_,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
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
    # HubSpot account details (reference §10.4): read at install, refreshed daily.
    time_zone: str = ""
    company_currency: str = ""
    ui_domain: str = ""
    account_synced_at: datetime | None = None
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


# --- dashboard queries (always scoped to the signed-in portals) ---------------------------

OUTCOMES = ("created", "existing", "skipped", "failed")
IN_PROGRESS = "in_progress"  # pending or running: no outcome yet


@dataclass(frozen=True)
class ExecutionFilter:
    """Which executions a dashboard list or export shows; never outside ``portal_ids``."""

    portal_ids: tuple[int, ...]
    action: str = ""
    outcome: str = ""  # one of OUTCOMES, or IN_PROGRESS
    error_code: str = ""
    object_id: str = ""
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    text: str = ""


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` anywhere, its wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(stmt, f: ExecutionFilter):
    """Apply a filter's conditions to a select over executions."""
    stmt = stmt.where(Execution.portal_id.in_(list(f.portal_ids)))  # type: ignore[attr-defined]
    if f.action:
        stmt = stmt.where(Execution.action == f.action)
    if f.outcome == IN_PROGRESS:
        stmt = stmt.where(Execution.status.in_(("pending", "running")))  # type: ignore[attr-defined]
    elif f.outcome:
        stmt = stmt.where(Execution.result == f.outcome)
    if f.error_code:
        stmt = stmt.where(Execution.error_code == f.error_code)
    if f.object_id:
        stmt = stmt.where(Execution.object_id == f.object_id)
    if f.since is not None:
        stmt = stmt.where(Execution.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Execution.created_at < f.until)
    if f.text:
        pattern = _like(f.text)
        stmt = stmt.where(
            or_(*(
                column.ilike(pattern, escape="\\")  # type: ignore[attr-defined]
                for column in (Execution.callback_id, Execution.object_id,
                               Execution.error_message, Execution.qbo_doc_number,
                               Execution.qbo_id)
            ))
        )  # fmt: skip
    return stmt


def _newest_first(stmt):
    """Order executions newest first, ties broken by id so pages never overlap."""
    return stmt.order_by(Execution.created_at.desc(), Execution.id.desc())  # type: ignore[attr-defined,union-attr]


def list_executions(db: Database, f: ExecutionFilter, offset: int, limit: int) -> list[Execution]:
    """One page of filtered executions, newest first."""
    with db.session() as s:
        stmt = _newest_first(_filtered(select(Execution), f)).offset(offset).limit(limit)
        return list(s.exec(stmt).all())


def count_executions(db: Database, f: ExecutionFilter) -> int:
    """How many executions a filter matches."""
    with db.session() as s:
        stmt = _filtered(select(func.count()).select_from(Execution), f)
        return int(s.exec(stmt).one())


EXPORT_COLUMNS = (
    "id", "created_at", "finished_at", "portal_id", "action", "object_type", "object_id",
    "status", "result", "error_code", "error_message", "qbo_id", "qbo_doc_number", "qbo_total",
    "outputs", "attempts", "generation", "callback_id",
)  # fmt: skip


def iter_executions(db: Database, f: ExecutionFilter, batch: int = 1000) -> Iterator[Any]:
    """Stream filtered executions as rows of EXPORT_COLUMNS, newest first.

    ``yield_per`` fetches ``batch`` rows at a time (a server-side cursor on PostgreSQL), so an
    export of any size holds one batch in memory.
    """
    columns = [getattr(Execution, name) for name in EXPORT_COLUMNS]
    stmt = _newest_first(_filtered(select(*columns), f))
    with Session(db.engine) as s:
        yield from s.exec(stmt.execution_options(yield_per=batch))


def _day(db: Database):
    """The UTC calendar day of an execution, as SQL."""
    if db.is_postgres:
        return func.date(func.timezone("UTC", Execution.created_at))
    return func.date(Execution.created_at)  # SQLite stores UTC without an offset


def daily_outcomes(db: Database, portal_ids: tuple[int, ...], since: datetime) -> dict:
    """{day: {outcome: count}} for executions created since ``since`` (in-progress included)."""
    day = _day(db).label("day")
    stmt = (
        select(day, Execution.result, func.count())
        .where(Execution.portal_id.in_(list(portal_ids)))  # type: ignore[attr-defined]
        .where(Execution.created_at >= since)
        .group_by(day, Execution.result)
    )
    counts: dict = {}
    with db.session() as s:
        for value, result, n in s.exec(stmt):
            bucket = counts.setdefault(date.fromisoformat(str(value)[:10]), {})
            key = result if result in OUTCOMES else IN_PROGRESS
            bucket[key] = bucket.get(key, 0) + int(n)
    return counts


def unresolved_failures(
    db: Database, portal_ids: tuple[int, ...], limit: int = 20
) -> tuple[list[Execution], int]:
    """Failed executions with no later success for the same action and record, and their count."""
    later = aliased(Execution)
    resolved = (
        select(later.id)
        .where(later.portal_id == Execution.portal_id, later.action == Execution.action,
               later.object_type == Execution.object_type,
               later.object_id == Execution.object_id,
               later.status == "succeeded", later.id > Execution.id)
        .exists()
    )  # fmt: skip
    base = (
        select(Execution)
        .where(Execution.portal_id.in_(list(portal_ids)))  # type: ignore[attr-defined]
        .where(Execution.status == "failed", ~resolved)
    )
    with db.session() as s:
        total = s.exec(select(func.count()).select_from(base.subquery())).one()
        rows = list(s.exec(_newest_first(base).limit(limit)).all())
    return rows, int(total)


def error_codes(db: Database, portal_ids: tuple[int, ...]) -> list[str]:
    """The error codes the portals' executions ended with (for the filter menu)."""
    with db.session() as s:
        stmt = (
            select(Execution.error_code)
            .where(Execution.portal_id.in_(list(portal_ids)), Execution.error_code != "")  # type: ignore[attr-defined]
            .distinct()
            .order_by(Execution.error_code)
        )
        return list(s.exec(stmt).all())


def execution_in_portals(
    db: Database, execution_id: int, portal_ids: tuple[int, ...]
) -> Execution | None:
    """A ledger row, only when it belongs to one of these portals."""
    with db.session() as s:
        stmt = select(Execution).where(
            Execution.id == execution_id,
            Execution.portal_id.in_(list(portal_ids)),  # type: ignore[attr-defined]
        )
        return s.exec(stmt).first()


def api_calls_for(db: Database, execution_id: int) -> list[ApiCall]:
    """The API calls made for an execution, in order."""
    with db.session() as s:
        stmt = select(ApiCall).where(ApiCall.execution_id == execution_id).order_by(ApiCall.id)  # type: ignore[arg-type]
        return list(s.exec(stmt).all())


def portal_ids(db: Database) -> list[int]:
    """Every installed portal's id (the sandbox signs in to all of them)."""
    with db.session() as s:
        return list(s.exec(select(Portal.id).order_by(Portal.id)).all())  # type: ignore[arg-type]


def portals_by_ids(db: Database, ids: tuple[int, ...]) -> list[Portal]:
    """The portals with these ids, by id."""
    with db.session() as s:
        stmt = select(Portal).where(Portal.id.in_(list(ids))).order_by(Portal.id)  # type: ignore[attr-defined,arg-type]
        return list(s.exec(stmt).all())


def insert_executions(db: Database, rows: list[dict]) -> None:
    """Bulk-insert ledger rows given as column dicts (seeding and benchmarks)."""
    if rows:
        with db.session() as s:
            s.exec(insert(Execution), params=rows)  # type: ignore[call-overload]


# --- published action definitions -----------------------------------------------------------


def action_definitions(db: Database, app_id: str | None = None) -> list[ActionDefinition]:
    """The definitions published by `hubspot publish-actions` (for one app, or all)."""
    with db.session() as s:
        stmt = select(ActionDefinition).order_by(ActionDefinition.slug)  # type: ignore[arg-type]
        if app_id is not None:
            stmt = stmt.where(ActionDefinition.app_id == str(app_id))
        return list(s.exec(stmt).all())


def record_action_definition(
    db: Database, app_id: str, slug: str, definition_id: str, revision_id: str, changed: bool
) -> None:
    """Remember an action's definition id; published_at moves only when HubSpot changed it."""
    with db.session() as s:
        stmt = select(ActionDefinition).where(
            ActionDefinition.app_id == str(app_id), ActionDefinition.slug == slug
        )
        row = s.exec(stmt).first()
        if row is None:
            row = ActionDefinition(app_id=str(app_id), slug=slug, definition_id=definition_id)
        elif not changed and row.definition_id == definition_id:
            if revision_id and row.revision_id != revision_id:
                row.revision_id = revision_id
                s.add(row)
            return
        row.definition_id = definition_id
        row.revision_id = revision_id
        row.published_at = utcnow()
        s.add(row)


# --- queue mode: recovery sweeps, chunked runs, callback completion --------------------------


def pending_executions(
    db: Database, untouched_since: datetime, limit: int, after_id: int = 0
) -> list[Execution]:
    """Rows waiting to run that nothing has touched since a moment (by id, after ``after_id``)."""
    with db.session() as s:
        stmt = (
            select(Execution)
            .where(
                Execution.status == "pending",
                Execution.updated_at < untouched_since,
                Execution.id > after_id,  # type: ignore[operator]
            )
            .order_by(Execution.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        return list(s.exec(stmt).all())


def lapsed_executions(db: Database, limit: int) -> list[Execution]:
    """Running rows whose worker let the lease lapse (it died or stalled)."""
    with db.session() as s:
        stmt = (
            select(Execution)
            .where(Execution.status == "running", Execution.lease_expires_at < utcnow())
            .order_by(Execution.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        return list(s.exec(stmt).all())


def uncompleted_callbacks(
    db: Database, finished_since: datetime, limit: int, after_id: int = 0
) -> list[Execution]:
    """Finished rows whose HubSpot callback has not been completed yet (by id, after one)."""
    with db.session() as s:
        stmt = (
            select(Execution)
            .where(
                Execution.status.in_(("succeeded", "failed")),  # type: ignore[attr-defined]
                Execution.callback_completed == False,  # noqa: E712 - SQL comparison
                Execution.finished_at >= finished_since,
                Execution.id > after_id,  # type: ignore[operator]
            )
            .order_by(Execution.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        return list(s.exec(stmt).all())


def never_started_ids(db: Database, portal_id: int, limit: int) -> list[int]:
    """Ids of a portal's pending rows no worker has taken yet (oldest first)."""
    with db.session() as s:
        stmt = (
            select(Execution.id)
            .where(
                Execution.portal_id == portal_id,
                Execution.status == "pending",
                Execution.attempts == 0,
            )
            .order_by(Execution.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        return list(s.exec(stmt).all())


def executions_by_ids(db: Database, ids: list[int]) -> list[Execution]:
    """Ledger rows by id, in id order."""
    if not ids:
        return []
    with db.session() as s:
        stmt = select(Execution).where(Execution.id.in_(ids)).order_by(Execution.id)  # type: ignore[union-attr,arg-type]
        return list(s.exec(stmt).all())


def extend_leases(db: Database, ids: list[int], lease_seconds: float) -> None:
    """Push back the lease of rows still running (a live worker's heartbeat)."""
    if not ids:
        return
    stmt = (
        update(Execution)
        .where(Execution.id.in_(ids), Execution.status == "running")  # type: ignore[union-attr]
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    with db.session() as s:
        s.exec(stmt)  # type: ignore[call-overload]


def mark_callbacks_completed(db: Database, ids: list[int]) -> None:
    """Record that HubSpot accepted these executions' callback completions."""
    if not ids:
        return
    stmt = (
        update(Execution)
        .where(Execution.id.in_(ids))  # type: ignore[union-attr]
        .values(callback_completed=True, updated_at=utcnow())
    )
    with db.session() as s:
        s.exec(stmt)  # type: ignore[call-overload]


# --- sandbox --------------------------------------------------------------------------------


def clear_portal_history(db: Database, portal_id: int) -> int:
    """Delete a portal's executions, their API calls and transaction links; how many runs.

    The sandbox calls this on start: its emulators start empty, so earlier runs point at
    QuickBooks transactions that no longer exist.
    """
    from sqlalchemy import delete

    runs = select(Execution.id).where(Execution.portal_id == portal_id)
    with db.session() as s:
        s.exec(delete(ApiCall).where(ApiCall.execution_id.in_(runs)))  # type: ignore[call-overload,union-attr]
        s.exec(delete(TransactionLink).where(TransactionLink.portal_id == portal_id))  # type: ignore[call-overload]
        result = s.exec(delete(Execution).where(Execution.portal_id == portal_id))  # type: ignore[call-overload]
        return result.rowcount or 0


# --- key rotation ---------------------------------------------------------------------------


class TokenRotationFailed(ValueError):
    """A stored token could not be re-encrypted (no configured key decrypts it)."""


def rotate_tokens(db: Database, rotate: Any) -> dict[str, int]:
    """Re-encrypt every stored token with ``rotate`` in one transaction; tokens per table.

    Rows are locked while they are rewritten, so a concurrent refresh cannot be overwritten
    by an older token. If any token fails, nothing is written (TokenRotationFailed).
    """
    counts = {"portals": 0, "quickbooks_connections": 0}
    with db.session() as s:
        for model in (Portal, QuickBooksConnection):
            table = model.__tablename__
            for row in s.exec(select(model).with_for_update()).all():  # type: ignore[attr-defined]
                for column in ("access_token", "refresh_token"):
                    stored = getattr(row, column)
                    if not stored:
                        continue
                    try:
                        setattr(row, column, rotate(stored))
                    except Exception as exc:
                        raise TokenRotationFailed(
                            f"{table} row {row.id}: the {column} cannot be decrypted with any "
                            "key in TOKEN_ENCRYPTION_KEYS"
                        ) from exc
                    counts[table] += 1
                s.add(row)
    return counts


# The status-sync tables live in their own module; import it so metadata() includes them.
from store import status as _status  # noqa: E402,F401
