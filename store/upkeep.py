"""Queries for token upkeep."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from store import Database, QuickBooksConnection


def connections_expiring(db: Database, before: datetime) -> list[QuickBooksConnection]:
    """Connected companies whose refresh token expires before ``before``."""
    with db.session() as s:
        stmt = (
            select(QuickBooksConnection)
            .where(QuickBooksConnection.status == "connected")
            .where(QuickBooksConnection.refresh_expires_at.is_not(None))  # type: ignore[union-attr]
            .where(QuickBooksConnection.refresh_expires_at < before)  # type: ignore[operator]
            .order_by(QuickBooksConnection.id)  # type: ignore[arg-type]
        )
        return list(s.exec(stmt).all())
