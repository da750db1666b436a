"""What executions left behind: the transactions they produced and the API calls they made."""

from __future__ import annotations

from sqlmodel import Session, select

from store.database import Database
from store.tables import ApiCall, TransactionLink


def latest_link(
    db: Database, portal_id: int, realm_id: str, action: str, object_type: str | list[str],
    object_id: str, qbo_type: str | None = None,
) -> TransactionLink | None:
    """The newest transaction this action created for this record in this company (the record
    named by one object type, or by any of several names of it; of one type if given)."""
    types = [object_type] if isinstance(object_type, str) else object_type
    with db.session() as s:
        stmt = (
            select(TransactionLink)
            .where(
                TransactionLink.portal_id == portal_id,
                TransactionLink.realm_id == realm_id,
                TransactionLink.action == action,
                TransactionLink.object_type.in_(types),  # type: ignore[attr-defined]
                TransactionLink.object_id == object_id,
            )
            .order_by(TransactionLink.id.desc())  # type: ignore[union-attr]
        )
        if qbo_type is not None:
            stmt = stmt.where(TransactionLink.qbo_type == qbo_type)
        return s.exec(stmt).first()


def add_link(db: Database, link: TransactionLink) -> None:
    """Record the transaction an execution produced (once per execution and transaction)."""
    with db.session() as s:
        add_link_in(s, link)


def add_link_in(s: Session, link: TransactionLink) -> None:
    """``add_link`` inside a caller's transaction (the ledger commits it with a step)."""
    stmt = select(TransactionLink.id).where(
        TransactionLink.execution_id == link.execution_id,
        TransactionLink.qbo_type == link.qbo_type,
        TransactionLink.qbo_id == link.qbo_id,
    )
    if link.execution_id is None or s.exec(stmt).first() is None:
        s.add(link)


def execution_linked(db: Database, execution_id: int) -> bool:
    """True once the execution has linked a transaction to its record."""
    with db.session() as s:
        stmt = select(TransactionLink.id).where(TransactionLink.execution_id == execution_id)
        return s.exec(stmt).first() is not None


def add_api_calls(db: Database, calls: list[ApiCall]) -> None:
    """Store the API calls made during an execution."""
    if not calls:
        return
    with db.session() as s:
        s.add_all(calls)



def api_calls_for(db: Database, execution_id: int) -> list[ApiCall]:
    """The API calls made for an execution, in order."""
    with db.session() as s:
        stmt = select(ApiCall).where(ApiCall.execution_id == execution_id).order_by(ApiCall.id)  # type: ignore[arg-type]
        return list(s.exec(stmt).all())
