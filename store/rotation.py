"""Key rotation: re-encrypt every stored token under the newest key."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from store.database import Database
from store.tables import Portal, QuickBooksConnection


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
