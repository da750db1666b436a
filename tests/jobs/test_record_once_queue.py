"""Queue mode (the machine's Redis): one booking per record across worker processes, and
retries that stop at the callback's expiry (SPEC §8)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from rq import Worker
from sqlmodel import select

import store
from actions import ACTIONS, lookups
from executions import deliveries, ledger
from store.reservations import RecordReservation, insert_reservation
from tests.jobs.test_queue import (
    deal,
    enrol,
    row,
    start_worker,
    wait_for,
    work,
)
from tests.support.crm import contact, line, make_deal
from tests.support.queue import TEST_ACTION, TEST_SLUG
from tests.support.world import US_REALM


@pytest.fixture
def queued(world, monkeypatch):
    """The world in queue mode, with the test action and one connected US company."""
    monkeypatch.setitem(ACTIONS, TEST_SLUG, TEST_ACTION)
    world.company = world.connect_company()
    return world


def enrol_invoice(world, deal_id, callback_id):
    """Deliver a create-invoice execution and register the callback HubSpot waits on."""
    answer = world.execute("create-invoice", "DEAL", deal_id, callback_id=callback_id)
    world.hubspot.register_callback(callback_id, world.portal_id)
    assert answer.get_json()["outputFields"]["hs_execution_state"] == "BLOCK"
    return answer


def stop(workers) -> None:
    """A warm shutdown of subprocess workers (a kill if one hangs)."""
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - only when a worker hangs
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_four_callbacks_for_one_deal_on_two_workers_book_one_invoice(queued):
    lookups.forget_all()
    runtime = queued.runtime
    # One execution per job, so the two processes really run the four side by side.
    runtime.settings = runtime.settings.replace(
        queue_batch_size=1
    )
    deal_id = make_deal(queued, [line("Consulting", "150.00", qty="2", sku="CONS-H")],
                        contact(queued))
    queued.quickbooks.config.latency_seconds = 0.2  # a booking takes about a second
    workers = [start_worker(runtime) for _ in range(2)]
    callbacks = [f"ap-one-deal-{n}" for n in range(4)]
    try:
        wait_for(lambda: Worker.count(queue=runtime.queue.rq) == 2, 60, "both workers")
        for callback_id in callbacks:
            enrol_invoice(queued, deal_id, callback_id)
        wait_for(lambda: all(row(queued, c).callback_completed for c in callbacks), 90,
                 "every callback")  # fmt: skip
    finally:
        stop(workers)
        queued.quickbooks.config.latency_seconds = 0.0
    [invoice] = queued.company.entities("Invoice")
    completions = {c["callbackId"]: c["outputFields"] for c in queued.hubspot.completions}
    assert sorted(completions) == callbacks
    assert {o["qbo_id"] for o in completions.values()} == {str(invoice["Id"])}
    assert sorted(o["result"] for o in completions.values()) == [
        "created", "existing", "existing", "existing"]
    assert {o["hs_execution_state"] for o in completions.values()} == {"SUCCESS"}
    rows = [row(queued, c) for c in callbacks]
    assert any(r.attempts > 1 for r in rows)  # someone was delayed behind the reservation
    with runtime.db.session() as s:
        assert len(s.exec(select(RecordReservation)).all()) == 1


def test_transient_retries_stop_at_the_callback_expiry(queued, monkeypatch):
    monkeypatch.setattr(deliveries, "BLOCK_EXPIRATION", "PT40S")
    deal_id = deal(queued)
    answer = enrol(queued, deal_id, "ap-expiring")
    assert answer.get_json()["outputFields"]["hs_expiration_duration"] == "PT40S"
    queued.quickbooks.faults.rate("error_500", 1.0)  # QuickBooks is down, and stays down

    work(queued)

    first = row(queued, "ap-expiring")
    assert first.status == "pending" and first.attempts == 1  # 30 s from now is within 40 s
    assert queued.hubspot.completions == []
    # Ten seconds later the next retry (in 30 s) would land after HubSpot stopped waiting.
    ledger.set_columns(queued.runtime.db, first.id,
                           created_at=store.utcnow() - timedelta(seconds=10))
    queue = queued.runtime.queue
    queue.redis.zadd(queue.delayed_key, {first.id: time.time() - 1})
    work(queued)

    ended = row(queued, "ap-expiring")
    assert (ended.status, ended.error_code, ended.attempts) == (
        "failed", "RETRIES_EXHAUSTED", 2)
    assert "last cause: quickbooks unavailable: HTTP 500" in ended.error_message
    [completion] = queued.hubspot.completions
    outputs = completion["outputFields"]
    assert outputs["hs_execution_state"] == "FAIL_CONTINUE"
    assert outputs["error_code"] == "RETRIES_EXHAUSTED"
    assert queue.redis.zscore(queue.delayed_key, first.id) is None  # no retry left queued


def test_default_expiry_keeps_retrying(queued):
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-day")
    queued.quickbooks.faults.rate("error_500", 1.0)
    work(queued)
    waiting = row(queued, "ap-day")
    assert waiting.status == "pending" and waiting.trace["expiration"] == "P1D"
    assert queued.hubspot.completions == []


def test_a_second_callback_waits_in_the_queue_while_the_holder_runs(queued):
    """The record's holder is running in another (live) worker: the other execution is
    delayed by the queue, not failed, and writes nothing to QuickBooks."""
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-holder")
    enrol(queued, deal_id, "ap-waiter")
    holder, waiter = row(queued, "ap-holder"), row(queued, "ap-waiter")
    db = queued.runtime.db
    ledger.set_columns(db, holder.id, status="running",
                           lease_expires_at=store.utcnow() + timedelta(seconds=60))
    assert insert_reservation(db, (queued.portal_id, US_REALM, TEST_SLUG, "deals", deal_id),
                              holder.id)  # fmt: skip

    work(queued)

    delayed = row(queued, "ap-waiter")
    assert (delayed.status, delayed.attempts) == ("pending", 1)
    queue = queued.runtime.queue
    assert 0 < queue.redis.zscore(queue.delayed_key, waiter.id) - time.time() <= 5
    assert queued.hubspot.completions == []
    writes = [c for c in queued.quickbooks.calls if c["method"] == "POST"]
    assert writes == []
