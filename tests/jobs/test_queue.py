"""Queue mode: BLOCK, workers, callback completion, recovery after SIGKILL, shared budgets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC

import pytest
from rq import Worker
from rq.job import Job
from rq.registry import FinishedJobRegistry

import store
from actions import ACTIONS
from executions import ledger
from jobs import queue as queue_mode
from store import links
from tests.jobs.worker_main import settings_to_json
from tests.support.queue import TEST_ACTION, TEST_SLUG, customers_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def queued(world, monkeypatch):
    """The world in queue mode, with the test action and one connected US company."""
    monkeypatch.setitem(ACTIONS, TEST_SLUG, TEST_ACTION)
    world.company = world.connect_company()
    return world


def deal(world, name="Queued deal") -> str:
    """A deal in the HubSpot emulator."""
    return world.portal.create("deals", {"dealname": name, "amount": "10"})


def enrol(world, deal_id, callback_id):
    """Deliver an execution the way HubSpot does, and note the callback HubSpot waits on."""
    answer = world.execute(TEST_SLUG, "DEAL", deal_id, callback_id=callback_id)
    world.hubspot.register_callback(callback_id, world.portal_id)
    return answer


def row(world, callback_id):
    """The ledger row of a delivery."""
    return ledger.by_callback(world.runtime.db, world.portal_id, callback_id)


def work(world) -> None:
    """Run an in-process worker until the queue is empty."""
    queue_mode.run_worker(world.app, burst=True)


def lapsed(execution) -> bool:
    """True once a running row's lease is over."""
    lease = execution.lease_expires_at
    lease = lease if lease.tzinfo else lease.replace(tzinfo=UTC)
    return lease < store.utcnow()


def api_calls(world) -> list[dict]:
    """QuickBooks API calls (token endpoints aside) the emulator answered."""
    return [c for c in world.quickbooks.calls if c["path"].startswith("/v3/company/")]


def test_block_then_callback_completion_with_the_outputs(queued):
    deal_id = deal(queued)
    answer = enrol(queued, deal_id, "ap-q-1")

    assert answer.status_code == 200
    assert answer.get_json() == {
        "outputFields": {"hs_execution_state": "BLOCK", "hs_expiration_duration": "P1D"}
    }
    assert row(queued, "ap-q-1").status == "pending"
    assert api_calls(queued) == []  # nothing ran in the request
    rq_queue = queued.runtime.queue.rq
    assert rq_queue.count == 1
    # HubSpot delivers it again before it ran: BLOCK again, and no second job.
    again = enrol(queued, deal_id, "ap-q-1")
    assert again.get_json()["outputFields"]["hs_execution_state"] == "BLOCK"
    assert rq_queue.count == 1

    work(queued)

    done = row(queued, "ap-q-1")
    assert done.status == "succeeded" and done.callback_completed
    [customer] = customers_for(queued.company, deal_id)
    [completion] = queued.hubspot.completions
    assert completion["callbackId"] == "ap-q-1" and completion["known"]
    assert completion["typedOutputs"] == {}
    outputs = completion["outputFields"]
    assert outputs["hs_execution_state"] == "SUCCESS"
    assert outputs["result"] == "created"
    assert outputs["qbo_id"] == outputs["qbo_customer_id"] == str(customer["Id"])
    assert outputs == done.outputs
    # A delivery after the outcome is stored gets the outputs at once.
    late = enrol(queued, deal_id, "ap-q-1")
    assert late.get_json() == {"outputFields": done.outputs}
    assert len(queued.hubspot.completions) == 1


def test_a_chunk_of_one_portal_completes_its_callbacks_in_one_batch_call(queued):
    runtime = queued.runtime
    runtime.settings = runtime.settings.replace(callback_window_seconds=30)
    deals = [deal(queued, f"Deal {n}") for n in range(5)]
    for n, deal_id in enumerate(deals):
        enrol(queued, deal_id, f"ap-batch-{n}")

    work(queued)

    for n, deal_id in enumerate(deals):
        assert row(queued, f"ap-batch-{n}").callback_completed
        assert len(customers_for(queued.company, deal_id)) == 1
    completions = queued.hubspot.completions
    assert sorted(c["callbackId"] for c in completions) == [f"ap-batch-{n}" for n in range(5)]
    assert {c["via"] for c in completions} == {"batch"}
    calls = [c for c in queued.hubspot.calls if "callbacks" in c["path"]]
    assert len(calls) == 1


def test_a_quickbooks_429_defers_the_job_and_pauses_the_company(queued):
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-throttled")
    queued.quickbooks.faults.add("throttle", count=1)

    work(queued)

    pending = row(queued, "ap-throttled")
    assert pending.status == "pending" and not pending.callback_completed
    queue = queued.runtime.queue
    due = queue.redis.zscore(queue.delayed_key, pending.id)
    assert 55 < due - time.time() <= 60
    assert queued.hubspot.completions == []
    budget = queued.runtime.quickbooks_budget
    with pytest.raises(Exception, match="budget"):
        budget.for_realm(queued.company.realm_id)()  # every worker now waits out the pause

    # Sixty seconds later (simulated): the pause is over and the retry is due.
    queue.redis.delete(budget._key(queued.company.realm_id, "pause"))
    queue.redis.zadd(queue.delayed_key, {pending.id: time.time() - 1})
    work(queued)

    assert row(queued, "ap-throttled").callback_completed
    assert len(customers_for(queued.company, deal_id)) == 1


def test_a_lost_job_is_found_by_the_sweep(queued):
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-lost")
    queued.runtime.queue.rq.empty()  # Redis lost the job (restart without persistence, say)

    work(queued)  # a worker starting sweeps the ledger first

    assert row(queued, "ap-lost").callback_completed
    assert len(customers_for(queued.company, deal_id)) == 1


def test_callback_completion_is_retried_until_hubspot_accepts(queued):
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-retry-cb")
    queued.hubspot.faults.add("error_503", match="callbacks", count=3)  # every client attempt

    work(queued)

    finished = row(queued, "ap-retry-cb")
    assert finished.status == "succeeded" and not finished.callback_completed
    assert queued.hubspot.completions == []
    completions = queued.runtime.queue.completions
    assert completions.waiting(queued.portal_id) == 1  # backing off, not forgotten

    # The backoff elapses; the next maintenance round (any worker) sends it.
    outbox = f"{completions.prefix}:callbacks:{queued.portal_id}"
    completions.redis.zadd(outbox, {finished.id: time.time() - 1})
    queue_mode.Maintenance(queued.runtime, queued.runtime.queue).run_once()

    assert row(queued, "ap-retry-cb").callback_completed
    assert [c["callbackId"] for c in queued.hubspot.completions] == ["ap-retry-cb"]
    assert len(customers_for(queued.company, deal_id)) == 1


class Broken(type(TEST_ACTION)):
    """An action with a bug: every run raises."""

    def run(self, ctx):
        raise RuntimeError("a bug")


def test_an_execution_failing_unexpectedly_is_retried_then_failed_and_completed(
    queued, monkeypatch
):
    broken = Broken(**{f: getattr(TEST_ACTION, f) for f in ("slug", "name", "description",
                                                            "record_types", "fields")})
    monkeypatch.setitem(ACTIONS, TEST_SLUG, broken)
    enrol(queued, deal(queued), "ap-bug")

    work(queued)

    first = row(queued, "ap-bug")
    assert first.status == "pending" and first.attempts == 1  # released, retried later
    queue = queued.runtime.queue
    assert 25 < queue.redis.zscore(queue.delayed_key, first.id) - time.time() <= 30
    assert queued.hubspot.completions == []

    # The eighth attempt gives up: the workflow continues with a readable failure.
    ledger.set_columns(queued.runtime.db, first.id, attempts=7)
    queue.redis.zadd(queue.delayed_key, {first.id: time.time() - 1})
    work(queued)

    failed = row(queued, "ap-bug")
    assert failed.status == "failed" and failed.error_code == "INTERNAL_ERROR"
    [completion] = queued.hubspot.completions
    assert completion["outputFields"]["hs_execution_state"] == "FAIL_CONTINUE"
    assert completion["outputFields"]["error_code"] == "INTERNAL_ERROR"


def test_worker_command_runs_the_queue(queued):
    deal_id = deal(queued)
    enrol(queued, deal_id, "ap-cli")

    result = queued.app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert row(queued, "ap-cli").callback_completed
    assert len(customers_for(queued.company, deal_id)) == 1


def test_worker_command_refuses_without_redis(app):
    app.extensions["hubqbo"].queue = None
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


# --- several processes ---------------------------------------------------------------------


def start_worker(runtime, mode: str = "serve") -> subprocess.Popen:
    """A worker in its own process (and process group, so a kill takes all of it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker_main", settings_to_json(runtime.settings),
         mode],
        cwd=REPO, start_new_session=True,
    )  # fmt: skip


def wait_for(predicate, timeout: float, what: str):
    """Poll until predicate() is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_action_books_exactly_one_transaction(queued):
    """SIGKILL after QuickBooks committed the invoice create, before the worker could record
    it; another worker takes the execution over and finishes it with the same requestids."""
    from tests.support.crm import contact, line, make_deal

    deal_id = make_deal(queued, [line("Consulting", "150.00", qty="2", sku="CONS-H")],
                        contact(queued))
    callback_id = "ap-killed"
    queued.execute("create-invoice", "DEAL", deal_id, callback_id=callback_id)
    queued.hubspot.register_callback(callback_id, queued.portal_id)
    # QuickBooks commits the invoice at once; its answer takes 2 s to come back (the worker is
    # killed within a poll of the commit, long before).
    queued.quickbooks.config.stall_seconds = 2.0
    queued.quickbooks.faults.add("stall_answer", match="/invoice")
    worker = start_worker(queued.runtime)
    try:
        wait_for(lambda: queued.company.entities("Invoice"), 60, "QuickBooks to commit it")
        os.killpg(worker.pid, signal.SIGKILL)  # the answer is still on its way
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:  # pragma: no cover - only when the test failed early
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    stuck = row(queued, callback_id)
    assert stuck.status == "running" and "invoice" not in (stuck.progress or {})
    assert links.latest_link(queued.runtime.db, queued.portal_id, queued.company.realm_id,
                             "create-invoice", "deals", deal_id) is None  # fmt: skip
    # Its lease lapses (no live worker extends it); another worker's sweep takes it over.
    wait_for(lambda: lapsed(row(queued, callback_id)), 10, "the lease to lapse")
    # The stalled answer leaves the emulator (recorded then), so the count below sees it.
    wait_for(lambda: any(c["method"] == "POST" and c["path"].endswith("/invoice")
                         for c in api_calls(queued)), 10, "the stalled answer")  # fmt: skip

    work(queued)

    done = row(queued, callback_id)
    assert done.status == "succeeded" and done.callback_completed and done.attempts == 2
    assert done.generation == 0  # a takeover, not a new generation
    [invoice] = queued.company.entities("Invoice")  # exactly one, by requestid replay
    assert done.outputs["qbo_id"] == str(invoice["Id"]) and done.outputs["result"] == "created"
    creates = [c for c in api_calls(queued) if c["method"] == "POST"
               and c["path"].endswith("/invoice")]  # fmt: skip
    assert len(creates) == 2 and len({c["requestid"] for c in creates}) == 1
    [completion] = queued.hubspot.completions
    assert completion["callbackId"] == callback_id
    assert completion["outputFields"]["qbo_id"] == str(invoice["Id"])


def test_two_workers_sharing_a_company_never_exceed_ten_requests_a_second(queued):
    runtime = queued.runtime
    runtime.settings = runtime.settings.replace(queue_batch_size=3)
    rq_queue = runtime.queue.rq
    workers = [start_worker(runtime) for _ in range(2)]
    try:
        wait_for(lambda: Worker.count(queue=rq_queue) == 2, 60, "both workers to start")
        deals = [deal(queued, f"Deal {n}") for n in range(36)]
        for n, deal_id in enumerate(deals):
            enrol(queued, deal_id, f"ap-pair-{n}")
        wait_for(lambda: all(row(queued, f"ap-pair-{n}").callback_completed for n in range(36)),
                 60, "every callback")  # fmt: skip
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)  # a warm shutdown
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when a worker hangs
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)

    calls = api_calls(queued)
    assert len(calls) == 36 and {c["status"] for c in calls} == {200}  # never a 429
    times = sorted(c["time"] for c in calls)
    busiest = max(sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times))
    assert busiest <= 10
    assert times[-1] - times[0] >= 3.0  # 36 requests at 10 a second: the budget paced them
    for deal_id in deals:
        assert len(customers_for(queued.company, deal_id)) == 1
    # Both workers took part.
    registry = FinishedJobRegistry(queue=rq_queue)
    jobs = [j for j in Job.fetch_many(registry.get_job_ids(), connection=runtime.queue.redis) if j]
    assert len({j.worker_name for j in jobs if j.return_value()["ran"]}) == 2
