"""`flask keys rotate`: every stored token re-encrypted under the new key; the old key can go."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken
from sqlmodel import select

from store import Portal, QuickBooksConnection
from store.cipher import TokenCipher, new_key
from tests.support.crm import contact, line, make_deal, outputs
from tests.support.security import OTHER_PORTAL


def stored(db) -> dict[tuple[str, int], tuple[str, str]]:
    """Every row's encrypted token pair."""
    with db.session() as s:
        rows = [*s.exec(select(Portal)).all(), *s.exec(select(QuickBooksConnection)).all()]
        return {(type(r).__name__, r.id): (r.access_token, r.refresh_token) for r in rows}


def test_rotation_re_encrypts_everything_and_the_old_key_can_be_removed(tenants):
    world, runtime = tenants, tenants.runtime
    before = stored(runtime.db)
    assert len(before) == 4  # two portals, two connections
    plain = {k: tuple(runtime.cipher.decrypt(t) for t in pair) for k, pair in before.items()}

    old, fresh = runtime.settings.token_encryption_keys[0], new_key()
    runtime.cipher = TokenCipher((fresh, old))  # the operator prepends the new key
    result = world.app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 4 HubSpot portal tokens and 4 QuickBooks connection tokens" in (
        result.output
    )

    after = stored(runtime.db)
    runtime.cipher = TokenCipher((fresh,))  # ...and removes the old one
    old_only = TokenCipher((old,))
    for key, pair in after.items():
        assert pair != before[key]
        assert tuple(runtime.cipher.decrypt(t) for t in pair) == plain[key]
        for token in pair:
            with pytest.raises(InvalidToken):
                old_only.decrypt(token)

    # the server runs on the new key alone: an execution reads HubSpot and books in QuickBooks
    deal = make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H")], contact(world))
    assert outputs(world.execute("create-invoice", "DEAL", deal))["result"] == "created"


def test_rotation_refuses_to_half_finish(tenants):
    """A token no configured key decrypts stops the rotation before anything is written."""
    world, runtime = tenants, tenants.runtime
    with runtime.db.session() as s:
        other = s.get(Portal, OTHER_PORTAL)
        other.refresh_token = TokenCipher((new_key(),)).encrypt("encrypted-by-a-lost-key")
        s.add(other)
    before = stored(runtime.db)
    runtime.cipher = TokenCipher((new_key(), *runtime.settings.token_encryption_keys))
    result = world.app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert f"portals row {OTHER_PORTAL}: the refresh_token cannot be decrypted" in result.output
    assert "no token was changed" in result.output
    assert stored(runtime.db) == before


def test_rotation_of_an_empty_database(app):
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0
    assert "re-encrypted 0 HubSpot portal tokens and 0 QuickBooks connection tokens" in (
        result.output
    )
