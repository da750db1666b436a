"""Per-record reservations: one execution at a time books a record's transaction (SPEC §8)."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from store.database import Database
from store.tables import RecordReservation, utcnow


def _key(stmt, key: tuple):
    portal_id, realm_id, action, object_type, object_id = key
    return stmt.where(
        RecordReservation.portal_id == portal_id,
        RecordReservation.realm_id == realm_id,
        RecordReservation.action == action,
        RecordReservation.object_type == object_type,
        RecordReservation.object_id == object_id,
    )


def insert_reservation(db: Database, key: tuple, execution_id: int) -> bool:
    """Take the key for an execution; False when another row already holds it."""
    portal_id, realm_id, action, object_type, object_id = key
    try:
        with db.session() as s:
            s.add(RecordReservation(portal_id=portal_id, realm_id=realm_id, action=action,
                                    object_type=object_type, object_id=object_id,
                                    execution_id=execution_id))  # fmt: skip
        return True
    except IntegrityError:
        return False


def reservation_holder(db: Database, key: tuple) -> int | None:
    """The execution holding the key, if any."""
    with db.session() as s:
        row = s.exec(_key(select(RecordReservation), key)).first()
        return row.execution_id if row else None


def move_reservation(db: Database, key: tuple, holder: int, execution_id: int) -> bool:
    """Hand the key from ``holder`` to ``execution_id`` (compare-and-set)."""
    stmt = _key(update(RecordReservation), key).where(RecordReservation.execution_id == holder)
    with db.session() as s:
        return s.exec(stmt.values(execution_id=execution_id, created_at=utcnow())).rowcount == 1  # type: ignore[call-overload,attr-defined]


def delete_reservation(db: Database, key: tuple, execution_id: int) -> None:
    """Give the key back (only the holder can)."""
    stmt = _key(delete(RecordReservation), key).where(
        RecordReservation.execution_id == execution_id)
    with db.session() as s:
        s.exec(stmt)  # type: ignore[call-overload]


def delete_held(db: Database, execution_id: int) -> None:
    """Give back every key an execution holds."""
    stmt = delete(RecordReservation).where(RecordReservation.execution_id == execution_id)
    with db.session() as s:
        s.exec(stmt)  # type: ignore[call-overload]
