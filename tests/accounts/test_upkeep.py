"""Token upkeep (SPEC §8): `connections refresh` and the dashboard's 14-day warning."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from store import QuickBooksConnection, utcnow
from store.companies import get_connection
from tests.support.dashboard import sign_in

SOON, LATER = "9130350000000011", "9130350000000012"


def expiring_in(world, realm_id: str, days: float) -> None:
    """Say the stored refresh token of a connected company expires in ``days``."""
    with world.runtime.db.session() as s:
        s.exec(update(QuickBooksConnection).where(QuickBooksConnection.realm_id == realm_id)
               .values(refresh_expires_at=utcnow() + timedelta(days=days)))  # fmt: skip


def connection(world, realm_id: str) -> QuickBooksConnection:
    return get_connection(world.runtime.db, world.portal_id, realm_id)


def test_connections_refresh_renews_only_tokens_expiring_within_30_days(world):
    world.connect_company(SOON)
    world.connect_company(LATER)
    expiring_in(world, SOON, 10)
    expiring_in(world, LATER, 45)
    before = {r: connection(world, r) for r in (SOON, LATER)}

    result = world.app.test_cli_runner().invoke(args=["connections", "refresh"])

    assert result.exit_code == 0, result.output
    assert f"realm {SOON}: refreshed" in result.output and LATER not in result.output
    assert "1 refreshed, 0 failed" in result.output
    assert world.quickbooks.oauth.refresh_counts == {SOON: 1}
    soon = connection(world, SOON)
    assert soon.refresh_token != before[SOON].refresh_token  # Intuit rotated it; we kept it
    assert soon.refresh_expires_at > utcnow() + timedelta(days=90)
    later = connection(world, LATER)
    assert later.refresh_token == before[LATER].refresh_token
    assert "refresh-secret" not in result.output  # no token is ever printed
    cipher = world.runtime.cipher
    assert cipher.decrypt(soon.refresh_token) not in result.output


def test_a_refused_refresh_marks_the_connection_and_fails_the_command(world):
    world.connect_company(SOON)
    expiring_in(world, SOON, 3)
    row = connection(world, SOON)
    world.quickbooks.oauth.revoke(world.runtime.cipher.decrypt(row.refresh_token))

    result = world.app.test_cli_runner().invoke(args=["connections", "refresh"])

    assert result.exit_code == 1
    assert f"realm {SOON}: FAILED" in result.output and "0 refreshed, 1 failed" in result.output
    assert connection(world, SOON).status == "reconnect_required"


def test_queue_workers_would_run_the_same_upkeep(world):
    """The maintenance loop calls accounts.upkeep.refresh_expiring once a day (jobs/queue.py)."""
    from accounts import upkeep

    world.connect_company(SOON)
    expiring_in(world, SOON, 29)
    [done] = upkeep.refresh_expiring(world.runtime)
    assert done.ok and done.realm_id == SOON
    assert upkeep.refresh_expiring(world.runtime) == []  # renewed: nothing left to do


def test_dashboard_warns_14_days_before_the_refresh_token_expires(world, client):
    world.connect_company(SOON, name="Soon Books")
    world.connect_company(LATER, name="Later Books")
    expiring_in(world, SOON, 13.5)
    expiring_in(world, LATER, 20)
    sign_in(client, world.portal_id)

    page = client.get("/").get_data(as_text=True)

    health = page[page.index("Connection health"):]
    soon = health[health.index("Soon Books"):health.index("Later Books")]
    later = health[health.index("Later Books"):]
    assert "expires soon" in soon and "QuickBooks authorization for this company expires" in soon
    assert "connections refresh" in soon
    assert "expires soon" not in later and "authorization for this company expires" not in later
