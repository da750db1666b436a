"""Request budgets: sliding windows in-process and in Redis, gates, pauses, inline 429."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from executions import budgets as ratelimit
from executions.budgets import LocalLimiter, RedisLimiter, Window
from failures import TransientFailure
from settings import Settings
from tests.support.queue import REDIS_URL, new_prefix, scratch_redis


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_local_window_grants_the_limit_then_says_how_long_to_wait():
    clock = FakeClock()
    limiter = LocalLimiter(clock)
    windows = [("s", Window(10, 1.0))]
    grants = [limiter.acquire("p", windows) for _ in range(10)]
    assert grants == [0.0] * 10
    clock.now += 0.25
    assert limiter.acquire("p", windows) == pytest.approx(0.75)
    clock.now += 0.75  # the first grant leaves the window (now - span, now]
    assert limiter.acquire("p", windows) == 0.0


def test_local_windows_hold_in_every_window_not_just_on_average():
    """10/s and 500/min together: a request every 10 ms, granted ones never crowd a window."""
    clock = FakeClock()
    limiter = LocalLimiter(clock)
    windows = [("s", Window(10, 1.0)), ("m", Window(500, 60.0))]
    granted = []
    for _ in range(15_000):  # 150 seconds of attempts
        if limiter.acquire("p", windows) == 0.0:
            granted.append(clock.now)
        clock.now += 0.01
    for i, t in enumerate(granted):
        assert sum(1 for u in granted[i:i + 11] if u - t < 1.0) <= 10
        assert sum(1 for u in granted[i:i + 501] if u - t < 60.0) <= 500
    # ... and it runs at the limit: 500 in the first minute, 500 more in the second.
    assert sum(1 for t in granted if t < 1060.0) == 500
    assert sum(1 for t in granted if t < 1120.0) == 1000


def test_local_pause_blocks_everything_under_the_key():
    clock = FakeClock()
    limiter = LocalLimiter(clock)
    limiter.pause("p", 60)
    assert limiter.acquire("p", [("s", Window(10, 1.0))]) == pytest.approx(60)
    clock.now += 60.01
    assert limiter.acquire("p", [("s", Window(10, 1.0))]) == 0.0


def test_local_limiter_is_thread_safe():
    limiter = LocalLimiter()
    windows = [("s", Window(100, 60.0))]
    granted = []

    def take():
        for _ in range(200):
            if limiter.acquire("p", windows) == 0.0:
                granted.append(1)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 100


def _budget(limiter, **tuning):
    settings = Settings(testing=True, inline_budget_wait=0.0, **tuning)
    return ratelimit.QuickBooksBudget(limiter, lambda: settings, new_prefix())


def test_gate_raises_429_with_retry_after_when_it_may_not_wait():
    gate = _budget(LocalLimiter(), quickbooks_per_minute=3).for_realm("123")
    for _ in range(3):
        gate()
    with pytest.raises(TransientFailure) as raised:
        gate()
    assert raised.value.status == 429
    assert 59 < raised.value.retry_after <= 60.3


def test_gate_waits_for_budget_within_the_threads_patience():
    gate = _budget(LocalLimiter(), quickbooks_per_second=2).for_realm("123")
    started = time.monotonic()
    with ratelimit.patience(5):
        for _ in range(3):
            gate()
            gate.observe(service="quickbooks", status=200)  # the answer ends the grant's flight
    assert 0.9 < time.monotonic() - started < 2.0
    assert ratelimit.waited() > 0.9


def test_a_request_in_flight_holds_its_slot_until_a_window_after_its_answer():
    """QuickBooks counts a request when it arrives, which may be as late as its answer."""
    clock = FakeClock()
    limiter = LocalLimiter(clock)
    windows = [("s", Window(2, 1.0))]
    assert limiter.acquire("p", windows, "slow", lease=30.0) == 0.0
    assert limiter.acquire("p", windows, "fast", lease=30.0) == 0.0
    limiter.release(["s"], "fast")
    clock.now += 5.0
    assert limiter.acquire("p", windows, "next", lease=30.0) == 0.0  # "fast" is a window old
    limiter.release(["s"], "next")
    # "slow" is still in flight: granting now could meet it in one API second
    assert limiter.acquire("p", windows) == pytest.approx(1.0)
    limiter.release(["s"], "slow")
    assert limiter.acquire("p", windows) == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.acquire("p", windows) == 0.0


def test_a_lost_answer_frees_its_slot_when_the_lease_ends():
    clock = FakeClock()
    limiter = LocalLimiter(clock)
    windows = [("s", Window(1, 1.0))]
    assert limiter.acquire("p", windows, "lost", lease=10.0) == 0.0
    clock.now += 10.5
    assert limiter.acquire("p", windows) == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("p", windows) == 0.0


def test_a_quickbooks_429_pauses_the_company_for_sixty_seconds():
    budget = _budget(LocalLimiter())
    gate = budget.for_realm("123")
    gate.observe(service="quickbooks", status=429)
    with pytest.raises(TransientFailure) as raised:
        budget.for_realm("123")()
    assert raised.value.retry_after == pytest.approx(60, abs=0.5)
    budget.for_realm("456")()  # other companies are not paused


# --- Redis --------------------------------------------------------------------------------


@pytest.fixture
def redis():
    """The test Redis (skips without one) and a prefix only this test uses; cleaned after."""
    with scratch_redis() as pair:
        yield pair


def test_redis_window_grants_the_limit_then_says_how_long_to_wait(redis):
    client, prefix = redis
    limiter = RedisLimiter(client)
    windows = [(f"{prefix}:s", Window(5, 1.0))]
    assert [limiter.acquire(f"{prefix}:pause", windows) for _ in range(5)] == [0.0] * 5
    wait = limiter.acquire(f"{prefix}:pause", windows)
    assert 0.5 < wait <= 1.0
    time.sleep(wait)
    assert limiter.acquire(f"{prefix}:pause", windows) == 0.0


def test_redis_request_in_flight_holds_its_slot_until_a_window_after_its_answer(redis):
    client, prefix = redis
    limiter = RedisLimiter(client)
    windows = [(f"{prefix}:s", Window(1, 0.3))]
    assert limiter.acquire(f"{prefix}:pause", windows, "slow", lease=30.0) == 0.0
    time.sleep(0.4)  # a window has passed since the grant, but the request is not answered
    assert 0.2 < limiter.acquire(f"{prefix}:pause", windows) <= 0.31
    limiter.release([f"{prefix}:s"], "slow")
    assert 0.2 < limiter.acquire(f"{prefix}:pause", windows) <= 0.31
    time.sleep(0.35)
    assert limiter.acquire(f"{prefix}:pause", windows) == 0.0


def test_redis_pause_is_shared_and_only_ever_lengthened(redis):
    client, prefix = redis
    settings = Settings(testing=True, inline_budget_wait=0.0)
    one = ratelimit.QuickBooksBudget(RedisLimiter(client), lambda: settings, prefix)
    two = ratelimit.QuickBooksBudget(RedisLimiter(client), lambda: settings, prefix)
    one.for_realm("123").observe(status=429)
    two.pause("123", 5)  # a shorter pause must not cut the 60 s one
    with pytest.raises(TransientFailure) as raised:
        two.for_realm("123")()
    assert raised.value.retry_after == pytest.approx(60, abs=1)


_HAMMER = """
import sys, threading
from redis import Redis
from executions.budgets import RedisLimiter, Window
url, prefix = sys.argv[1], sys.argv[2]
limiter = RedisLimiter(Redis.from_url(url))
windows = [(prefix + ':s', Window(10, 30.0)), (prefix + ':m', Window(50, 30.0))]
granted = []
def take():
    for _ in range(60):
        if limiter.acquire(prefix + ':pause', windows) == 0.0:
            granted.append(1)
threads = [threading.Thread(target=take) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(granted))
"""


def test_redis_limiter_never_over_grants_across_threads_and_processes(redis):
    """Three processes of six threads race for one window of 10: exactly 10 are granted."""
    client, prefix = redis
    runs = [
        subprocess.Popen([sys.executable, "-c", _HAMMER, REDIS_URL, prefix],
                         stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    totals = [int(run.communicate(timeout=60)[0].strip()) for run in runs]
    assert sum(totals) == 10
    assert client.zcard(f"{prefix}:s") == 10


# --- inline mode: 429 + Retry-After computed from the budget ------------------------------


def test_inline_execution_answers_429_with_retry_after_when_the_budget_is_spent(
    world, runtime, monkeypatch
):
    from actions import ACTIONS
    from executions.ledger import by_callback as get_execution
    from tests.support.queue import TEST_ACTION, TEST_SLUG, customers_for

    monkeypatch.setitem(ACTIONS, TEST_SLUG, TEST_ACTION)
    company = world.connect_company()
    deal_id = world.portal.create("deals", {"dealname": "Budget test", "amount": "10"})
    runtime.settings = runtime.settings.replace(quickbooks_per_minute=2, inline_budget_wait=0.5,
                                                rate_margin_seconds=0.2)  # fmt: skip
    gate = runtime.quickbooks_budget.for_realm(company.realm_id)
    gate(), gate()  # the minute's budget is spent
    world.quickbooks.reset_calls()

    answer = world.execute(TEST_SLUG, "DEAL", deal_id, callback_id="ap-budget-1")

    assert answer.status_code == 429
    assert 58 <= int(answer.headers["Retry-After"]) <= 61
    assert world.quickbooks.calls == []  # nothing reached QuickBooks
    row = get_execution(runtime.db, world.portal_id, "ap-budget-1")
    assert row.status == "pending"  # released: HubSpot's retry runs it
    assert customers_for(company, deal_id) == []
