"""Portal queries: the HubSpot accounts that installed the app."""

from __future__ import annotations

from sqlmodel import select

from store.database import Database
from store.tables import Portal


def get_portal(db: Database, portal_id: int) -> Portal | None:
    """A portal by hub id."""
    with db.session() as s:
        return s.get(Portal, portal_id)



def portal_ids(db: Database) -> list[int]:
    """Every installed portal's id (the sandbox signs in to all of them)."""
    with db.session() as s:
        return list(s.exec(select(Portal.id).order_by(Portal.id)).all())  # type: ignore[arg-type]


def portals_by_ids(db: Database, ids: tuple[int, ...]) -> list[Portal]:
    """The portals with these ids, by id."""
    with db.session() as s:
        stmt = select(Portal).where(Portal.id.in_(list(ids))).order_by(Portal.id)  # type: ignore[attr-defined,arg-type]
        return list(s.exec(stmt).all())
