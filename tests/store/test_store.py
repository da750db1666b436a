"""Persistence: migrations build the schema; tokens are never stored in plaintext."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

import store
from clients.tokens import QuickBooksTokens
from store import Portal, QuickBooksConnection, migrate, utcnow
from store.cipher import TokenCipher, new_key


def test_migrations_build_every_table(runtime):
    tables = set(inspect(runtime.db.engine).get_table_names())
    assert set(store.metadata().tables) <= tables
    assert "alembic_version" in tables


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(url)
    assert "executions" in inspect(engine).get_table_names()
    engine.dispose()


def _raw_dump(runtime) -> str:
    """Every stored value of the token columns, as the database holds them."""
    with runtime.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT access_token, refresh_token FROM quickbooks_connections "
                 "UNION ALL SELECT access_token, refresh_token FROM portals")
        ).all()
    return " ".join(str(v) for row in rows for v in row)


def test_tokens_written_through_the_store_are_not_plaintext(runtime, settings):
    cipher = runtime.cipher
    access, refresh = "qbo-access-PLAINTEXT-123", "qbo-refresh-PLAINTEXT-456"
    store.save(runtime.db, Portal(id=42, access_token=cipher.encrypt("hs-access-PLAIN")))
    row = store.save(runtime.db, QuickBooksConnection(
        portal_id=42, realm_id="1", access_token=cipher.encrypt(access),
        refresh_token=cipher.encrypt(refresh), access_expires_at=utcnow().replace(year=2100),
    ))
    dump = _raw_dump(runtime)
    for secret in (access, refresh, "hs-access-PLAIN"):
        assert secret not in dump
    if runtime.db.url.startswith("sqlite:///"):
        path = Path(runtime.db.url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                       if p.exists())
        assert access.encode() not in raw and refresh.encode() not in raw
    # ...and the store reads them back.
    tokens = QuickBooksTokens(runtime.db, cipher, row.id, settings)
    assert tokens.access_token() == access


def test_rotated_key_still_decrypts_and_reencrypts():
    old, new = new_key(), new_key()
    stored = TokenCipher([old]).encrypt("token")
    both = TokenCipher([new, old])
    assert both.decrypt(stored) == "token"
    rotated = both.rotate(stored)
    assert TokenCipher([new]).decrypt(rotated) == "token"
