"""A portal's QuickBooks companies, and the one rule for which company an execution uses."""

from __future__ import annotations

from sqlmodel import select

from failures import ActionFailed, CompanyRefused
from store.database import Database
from store.tables import QuickBooksConnection


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


def resolve_company(db: Database, portal_id: int, requested: str | None) -> QuickBooksConnection:
    """The company an execution of this portal books in: the one it names, which must be one
    of the portal's own (CompanyRefused), else the portal's only one (ActionFailed if none or
    several)."""
    requested = str(requested or "").strip()
    if requested:
        connection = get_connection(db, portal_id, requested)
        if connection is None:
            raise CompanyRefused(
                f"QuickBooks company {requested} is not connected to portal {portal_id}"
            )
        return connection
    connections = connections_for(db, portal_id)
    if not connections:
        raise ActionFailed(
            "QUICKBOOKS_NOT_CONNECTED", "No QuickBooks company is connected to this portal."
        )
    if len(connections) > 1:
        raise ActionFailed(
            "QUICKBOOKS_COMPANY_REQUIRED",
            "Several QuickBooks companies are connected: choose one in the action's settings.",
        )
    return connections[0]


def check_company(db: Database, portal_id: int, inputs: dict) -> None:
    """Refuse (CompanyRefused) an execution naming a company that is not the portal's own."""
    requested = inputs.get("quickbooks_company")
    if requested:
        resolve_company(db, portal_id, requested)
