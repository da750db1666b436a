"""Queue-mode test support: a Redis of our own keys, a test-only action, clean-up."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest

from actions.base import Action, Outcome
from actions.fields import COMMON
from schemas.records import DEAL

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_SLUG = "test-create-customer"


def redis_or_skip():
    """A client of the test Redis, or skip the test saying why."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except RedisError as exc:
        client.close()
        pytest.skip(f"queue-mode tests need Redis at {REDIS_URL} ({exc})")
    return client


def new_prefix() -> str:
    """A key prefix (and RQ queue name) no other test run uses."""
    return f"hubqbo-test-{uuid.uuid4().hex[:10]}"


def forget(redis, prefix: str) -> None:
    """Delete every key this test made: ours (prefix:*) and RQ's for the queue and its jobs."""
    from rq import Queue
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        StartedJobRegistry,
    )

    queue = Queue(prefix, connection=redis)
    job_ids = set(queue.get_job_ids())
    for registry in (FinishedJobRegistry, FailedJobRegistry, StartedJobRegistry):
        job_ids |= set(registry(queue=queue).get_job_ids())
    keys = set(redis.scan_iter(f"{prefix}:*", count=1000))
    keys |= set(redis.scan_iter(f"rq:*:{prefix}", count=1000))
    keys |= set(redis.scan_iter(f"rq:*:{prefix}:*", count=1000))
    for job_id in job_ids:
        keys |= set(redis.scan_iter(f"rq:*{job_id}*", count=1000))
    if keys:
        redis.delete(*keys)


@contextmanager
def scratch_redis():
    """The test Redis (skips without one) and a key prefix only this test uses; cleaned after."""
    client = redis_or_skip()
    prefix = new_prefix()
    try:
        yield client, prefix
    finally:
        forget(client, prefix)
        client.close()


class CreateCustomer(Action):
    """Test only: creates one QuickBooks Customer per execution, exactly once, via requestid."""

    def run(self, ctx) -> Outcome:
        """Create the customer (a new DisplayName per attempt: only requestid stops a twin)."""
        done = ctx.step_done("customer")
        if done is None:
            body = {
                "DisplayName": f"Deal {ctx.record.id} {uuid.uuid4().hex[:8]}",
                "Notes": f"deal {ctx.record.id}",
            }
            created = ctx.quickbooks.create("Customer", body, ctx.request_id("customer"))
            done = {"id": str(created["Id"])}
            ctx.record_step("customer", done)
        return Outcome("created", qbo_type="Customer", qbo_id=done["id"],
                       qbo_customer_id=done["id"], qbo_total="0.00")  # fmt: skip


TEST_ACTION = CreateCustomer(
    slug=TEST_SLUG,
    name="Test: create customer",
    description="Creates a QuickBooks customer (tests only).",
    record_types=(DEAL,),
    fields=COMMON,
)


def register_test_action(actions: dict) -> None:
    """Put the test action into an ACTIONS registry (a subprocess worker calls this)."""
    actions[TEST_SLUG] = TEST_ACTION


def customers_for(company, deal_id) -> list[dict]:
    """The QuickBooks customers the test action made for one deal."""
    return [c for c in company.entities("Customer") if c.get("Notes") == f"deal {deal_id}"]
