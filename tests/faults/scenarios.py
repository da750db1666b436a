"""The faults, each a function that arms it on a Harness, enrols the deals and counts.

Shared by inline mode (test_faults_inline.py) and queue mode (test_faults_queue.py).
"""

from __future__ import annotations

import time
from datetime import timedelta

import requests
from sqlalchemy import update
from sqlmodel import select

import store
from store import QuickBooksConnection, companies
from tests.faults.harness import DatabaseOutage, Harness, Tally

DEALS = 8
SEED = 20240917


def _fired(calls: list[dict], statuses: set[int]) -> int:
    return sum(1 for c in calls if c.get("status") in statuses)


def _client_timeouts(world) -> int:
    """QuickBooks calls our client gave up waiting for (recorded with status 0)."""
    with world.runtime.db.session() as s:
        calls = s.exec(select(store.ApiCall)).all()
    return sum(1 for c in calls if c.service == "quickbooks" and c.status == 0)


def qbo_500s(h: Harness) -> Tally:
    """QuickBooks answers 20 % of API calls with 500."""
    h.make_deals(DEALS)
    h.world.quickbooks.faults.rate("error_500", 0.2, seed=SEED)
    h.enrol()
    h.world.quickbooks.faults.clear()
    h.settle()
    return h.tally("QuickBooks 500 on 20 % of calls", _fired(h.world.quickbooks.calls, {500}))


def qbo_timeouts(h: Harness) -> Tally:
    """20 % of QuickBooks calls hang past the client's timeout (then 504)."""
    h.make_deals(DEALS)
    rt = h.world.runtime
    h.enrol(h.deals[:1])  # warm up (the emulator compiles Intuit's XSD on first use)
    rt.settings = rt.settings.replace(http_timeout_seconds=0.2)
    h.world.quickbooks.faults.rate("timeout", 0.2, seed=SEED)
    h.enrol(h.deals[1:])
    h.world.quickbooks.faults.clear()
    rt.settings = rt.settings.replace(http_timeout_seconds=2.0)
    h.settle()
    return h.tally("QuickBooks timeouts on 20 % of calls", _client_timeouts(h.world))


def qbo_lost_responses(h: Harness) -> Tally:
    """Half the creates commit in QuickBooks but the answer never arrives (502)."""
    h.make_deals(DEALS)
    realm = h.company.realm_id
    for entity in ("invoice", "customer"):
        h.world.quickbooks.faults.rate("lose_response", 0.5, seed=SEED,
                                       match=f"POST /v3/company/{realm}/{entity}")  # fmt: skip
    h.enrol()
    h.world.quickbooks.faults.clear()
    h.settle()
    return h.tally("QuickBooks create committed, answer lost (50 % of creates)",
                   _fired(h.world.quickbooks.calls, {502}))  # fmt: skip


def qbo_429_bursts(h: Harness) -> Tally:
    """Bursts of QuickBooks 429s (throttle): the company pauses, HubSpot is told to retry."""
    h.make_deals(DEALS)
    half = DEALS // 2
    h.world.quickbooks.faults.add("throttle", count=6)
    h.enrol(h.deals[:half])
    h.world.quickbooks.faults.add("throttle", count=6)
    h.enrol(h.deals[half:])
    h.settle()
    return h.tally("QuickBooks 429 bursts (2 × 6)", _fired(h.world.quickbooks.calls, {429}))


def hubspot_429s(h: Harness) -> Tally:
    """HubSpot answers 20 % of CRM reads with 429."""
    h.make_deals(DEALS)
    h.world.hubspot.faults.rate("rate_limit", 0.2, seed=SEED, match="/crm/")
    h.enrol()
    h.world.hubspot.faults.clear()
    h.settle()
    return h.tally("HubSpot 429 on 20 % of reads", _fired(h.world.hubspot.calls, {429}))


def hubspot_5xx(h: Harness) -> Tally:
    """HubSpot answers 20 % of CRM reads with 500/502."""
    h.make_deals(DEALS)
    h.world.hubspot.faults.rate("error_502", 0.1, seed=SEED, match="/crm/")
    h.world.hubspot.faults.rate("error_500", 0.1, seed=SEED + 1, match="/crm/")
    h.enrol()
    h.world.hubspot.faults.clear()
    h.settle()
    return h.tally("HubSpot 5xx on 20 % of reads", _fired(h.world.hubspot.calls, {500, 502}))


def tokens_expire(h: Harness) -> Tally:
    """Access tokens die mid-run: both clocks jump past the token lifetimes, and 20 % of
    QuickBooks calls meet an access token Intuit expired early."""
    h.make_deals(DEALS)
    half = DEALS // 2
    h.enrol(h.deals[:half])
    h.world.quickbooks.clock.advance(3700)
    h.world.hubspot.clock.advance(1900)
    h.world.quickbooks.faults.rate("expire_token", 0.2, seed=SEED)
    h.enrol(h.deals[half:])
    h.world.quickbooks.faults.clear()
    h.settle()
    refreshed = sum(h.world.quickbooks.refresh_counts.values())
    assert refreshed >= 1, "no QuickBooks refresh happened"
    return h.tally("access tokens expire mid-run", _fired(h.world.quickbooks.calls, {401}))


def refresh_revoked(h: Harness) -> Tally:
    """The company's refresh token is revoked mid-run: reconnect required, nothing else breaks;
    after the user reconnects, the failed executions run again without duplicates."""
    world, db = h.world, h.world.runtime.db
    h.make_deals(DEALS)
    half = DEALS // 2
    h.enrol(h.deals[:half])
    failures_before = refresh_failures(world)
    with db.session() as s:
        row = s.exec(select(QuickBooksConnection)).one()
    world.quickbooks.oauth.revoke(world.runtime.cipher.decrypt(row.refresh_token))
    world.quickbooks.clock.advance(3700)  # the access token dies too: a refresh is needed
    h.enrol(h.deals[half:])
    h.settle()
    after = companies.get_connection(db, world.portal_id, h.company.realm_id)
    assert after.status == "reconnect_required"
    failed = [h.outputs(d) for d in h.deals[half:]]
    assert {o["error_code"] for o in failed} == {"QUICKBOOKS_RECONNECT_REQUIRED"}
    assert {o["hs_execution_state"] for o in failed} == {"FAIL_CONTINUE"}
    assert requests.get(f"{world.url}/readyz", timeout=5).status_code == 200
    assert refresh_failures(world) > failures_before  # operators see it in /metrics
    first = h.tally("refresh token revoked (before reconnect)", injected=1)
    assert first.transactions == half and first.duplicates == 0

    # the user reconnects; the failed executions are run again (dashboard / CLI)
    tokens = world.quickbooks.issue_tokens(h.company.realm_id)
    cipher = world.runtime.cipher
    with db.session() as s:
        s.exec(update(QuickBooksConnection).values(
            access_token=cipher.encrypt(tokens["access_token"]),
            refresh_token=cipher.encrypt(tokens["refresh_token"]),
            access_expires_at=store.utcnow() + timedelta(hours=1),
            status="connected", last_error=""))  # fmt: skip
    replay_failed(world)
    for deal in h.deals[half:]:  # what HubSpot would now see for a re-run: the stored outcome
        h.deliveries[deal].state = "RERUN"
    return h.tally("refresh token revoked, then reconnected and run again",
                   _fired(world.quickbooks.calls, {400, 401}))  # fmt: skip


def refresh_failures(world) -> float:
    """hubqbo_token_refresh_failures_total{service="quickbooks"} from the server's /metrics."""
    text = requests.get(f"{world.url}/metrics", timeout=5).text
    wanted = 'hubqbo_token_refresh_failures_total{service="quickbooks"} '
    return sum(float(row.rsplit(" ", 1)[1]) for row in text.splitlines() if row.startswith(wanted))


def replay_failed(world, rounds: int = 20) -> None:
    """`flask executions replay` on every unfinished row until all ran (budgets may defer)."""
    db = world.runtime.db
    for _ in range(rounds):
        with db.session() as s:
            ids = [e.id for e in s.exec(select(store.Execution)).all() if e.status != "succeeded"]
        if not ids:
            return
        world.app.test_cli_runner().invoke(args=["executions", "replay", *map(str, ids)])
        time.sleep(0.2)
    raise AssertionError("executions still unfinished after the replays")


def database_outage(h: Harness) -> Tally:
    """The database refuses connections in bursts while executions run, and for a while
    altogether: readiness goes red, requests answer 503 JSON, HubSpot retries, nothing lost."""
    world = h.world
    h.make_deals(DEALS)
    outage = DatabaseOutage(world.runtime.db)
    try:
        outage.always = True
        ready = requests.get(f"{world.url}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith(
            "unavailable")
        refused = h.driver.post(f"/hubspot/actions/{'create-invoice'}", h.driver.execution_payload(
            "create-invoice", "DEAL", h.deals[0], {}))  # fmt: skip
        assert refused.status_code == 503
        assert refused.json()["error"].startswith("the database is unavailable")
        assert refused.headers["Retry-After"]
        outage.always = False
        outage.burst = (40, 3)  # 3 checkouts in a row fail every 40, mid-execution
        h.enrol()
    finally:
        outage.close()
    h.settle()
    assert requests.get(f"{world.url}/readyz", timeout=5).status_code == 200
    assert 500 not in h.attempts, "a database outage answered 500 instead of 503"
    return h.tally("database unavailable (always, then 3 of every 40 checkouts)", outage.refused)


ALL = [qbo_500s, qbo_timeouts, qbo_lost_responses, qbo_429_bursts, hubspot_429s, hubspot_5xx,
       tokens_expire, refresh_revoked, database_outage]  # fmt: skip


def check(t: Tally) -> None:
    """Zero duplicates, zero lost, every deal booked once."""
    assert t.duplicates == 0, t
    assert t.lost == 0, t
    assert t.succeeded == t.deals == t.transactions, t
