"""The SQLModel tables: portals, QuickBooks connections, the ledger, links, calls, definitions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


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
    # Preferences.AccountingInfoPrefs, read at connect: "" (off), "txn" or "line" for classes;
    # TrackDepartments for locations.
    class_tracking: str = ""
    track_locations: bool = False
    access_token: str = Field(default="", description="encrypted")
    refresh_token: str = Field(default="", description="encrypted")
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    status: str = "connected"  # connected | reconnect_required
    # 401s answered right after a successful refresh, in a row (3 → reconnect required, §8).
    auth_refusals: int = 0
    last_error: str = ""
    connected_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def is_us(self) -> bool:
        """US companies let QuickBooks compute sales tax (TAX/NON line codes)."""
        return self.country.upper() in {"US", "USA", ""}


class ExecutionStatus(StrEnum):
    """Where a ledger row stands; only executions/ledger.py moves a row between them."""

    PENDING = "pending"  # accepted, not yet run, or released for a retry
    RUNNING = "running"  # taken by a request or worker holding its lease
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINAL_STATUSES = frozenset({ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED})
UNFINISHED_STATUSES = frozenset({ExecutionStatus.PENDING, ExecutionStatus.RUNNING})


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
    status: str = Field(default=ExecutionStatus.PENDING, index=True)
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
        return self.status in FINAL_STATUSES


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



class RecordReservation(SQLModel, table=True):
    """Which execution may book (portal, company, action, record); unique per key."""

    __tablename__ = "record_reservations"
    __table_args__ = (
        UniqueConstraint("portal_id", "realm_id", "action", "object_type", "object_id",
                         name="uq_record_reservations_key"),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    portal_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    realm_id: str
    action: str
    object_type: str
    object_id: str
    # No foreign key: purging a portal's executions leaves rows whose holder is gone, which
    # the next execution for the record simply takes over (executions/reservations.py).
    execution_id: int = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)


def metadata() -> Any:
    """The schema, for Alembic."""
    return SQLModel.metadata
