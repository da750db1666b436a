"""Structured logs with bound context, /metrics, /readyz."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from sqlmodel import select

from observability import logs
from store import ApiCall
from tests.faults.harness import DatabaseOutage
from tests.support.crm import contact, line, make_deal


@pytest.fixture
def us(world):
    """A connected US company."""
    return world.connect_company()


@pytest.fixture
def json_lines():
    """Every line our JSON handler writes while the test runs (parsed)."""
    stream = io.StringIO()
    handler = logs.handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(text) for text in stream.getvalue().splitlines() if text]
        return lines

    yield read
    root.removeHandler(handler)
    root.setLevel(previous)


def invoice_deal(world) -> str:
    """A deal that books as an invoice in the seeded US company."""
    return make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H")], contact(world))


def metric(client, name: str, **labels) -> float:
    """One sample's value from /metrics (0 when absent)."""
    text = client.get("/metrics").get_data(as_text=True)
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for row in text.splitlines():
        series, _, value = row.rpartition(" ")
        if series == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return 0.0


def test_execution_log_lines_carry_the_bound_context(world, us, json_lines):
    deal = invoice_deal(world)
    response = world.execute("create-invoice", "DEAL", deal, callback_id="ap-logs-1")
    assert response.status_code == 200, response.get_data(as_text=True)
    finished = [r for r in json_lines() if r["logger"] == "hubqbo.executions"]
    assert len(finished) == 1
    record = finished[0]
    assert record["level"] == "INFO" and "created Invoice" in record["message"]
    assert record["portal_id"] == world.portal_id
    assert record["callback_id"] == "ap-logs-1"
    assert record["action"] == "create-invoice"
    assert record["realm_id"] == us.realm_id
    # the intuit_tid of the last QuickBooks answer, as the execution's API call log has it
    with world.runtime.db.session() as s:
        tids = [c.intuit_tid for c in s.exec(select(ApiCall)).all() if c.service == "quickbooks"]
    assert record["intuit_tid"] and record["intuit_tid"] == tids[-1]
    assert record["result"] == "created"
    assert "timestamp" in record


def test_context_does_not_leak_into_the_next_request(world, us, json_lines, client):
    world.execute("create-invoice", "DEAL", invoice_deal(world), callback_id="ap-logs-2")
    client.get("/healthz")
    logging.getLogger("hubqbo.test").info("after the request")
    after = [r for r in json_lines() if r["message"] == "after the request"]
    assert after and not any(k in after[0] for k in logs.CONTEXT_FIELDS)


def test_scope_binds_for_a_block_and_restores():
    logs.clear()
    logs.bind(portal_id=1)
    with logs.scope(callback_id="cb", action="create-invoice"):
        assert logs.bound() == {"callback_id": "cb", "action": "create-invoice"}
    assert logs.bound() == {"portal_id": 1}
    logs.bind(portal_id=None)
    assert logs.bound() == {}


def test_metrics_count_executions_calls_and_latency(world, us, client):
    created = metric(client, "hubqbo_executions_total", action="create-invoice", result="created")
    qbo_ok = metric(client, "hubqbo_api_calls_total", service="quickbooks", status="200")
    hs_ok = metric(client, "hubqbo_api_calls_total", service="hubspot", status="200")
    timed = metric(client, "hubqbo_api_call_duration_seconds_count", service="quickbooks")
    world.execute("create-invoice", "DEAL", invoice_deal(world))
    # a failure is counted by its error code
    failed_before = metric(client, "hubqbo_execution_failures_total",
                           action="create-invoice", error_code="NO_CONTACT")  # fmt: skip
    orphan = make_deal(world, [line("Consulting", "150.00", "1", sku="CONS-H")], None)
    world.execute("create-invoice", "DEAL", orphan)

    assert metric(client, "hubqbo_executions_total",
                  action="create-invoice", result="created") == created + 1  # fmt: skip
    failures = metric(client, "hubqbo_execution_failures_total",
                      action="create-invoice", error_code="NO_CONTACT")  # fmt: skip
    assert failures == failed_before + 1
    assert metric(client, "hubqbo_api_calls_total", service="quickbooks", status="200") > qbo_ok
    assert metric(client, "hubqbo_api_calls_total", service="hubspot", status="200") > hs_ok
    assert metric(client, "hubqbo_api_call_duration_seconds_count", service="quickbooks") > timed
    assert metric(client, "hubqbo_http_request_duration_seconds_count",
                  endpoint="/hubspot/actions/<slug>", method="POST", status="200") >= 2  # fmt: skip


def test_metrics_endpoint_speaks_prometheus_and_openmetrics(client):
    plain = client.get("/metrics")
    assert plain.status_code == 200
    assert plain.content_type.startswith("text/plain; version=0.0.4")
    text = plain.get_data(as_text=True)
    for name in ("hubqbo_executions_total", "hubqbo_api_calls_total",
                 "hubqbo_api_call_duration_seconds", "hubqbo_http_request_duration_seconds",
                 "hubqbo_token_refresh_failures_total", "hubqbo_queue_depth"):  # fmt: skip
        assert f"# TYPE {name} " in text
    om = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert om.content_type.startswith("application/openmetrics-text")
    assert om.get_data(as_text=True).rstrip().endswith("# EOF")


def test_request_methods_do_not_become_label_values(client):
    client.open("/nowhere", method="BREW")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'method="BREW"' not in text
    assert 'endpoint="unmatched",method="other"' in text


class _Queue:
    def __init__(self, depth):
        self.jobs = depth

    def __len__(self):
        return self.jobs


def test_queue_depth_is_read_at_scrape_time(runtime, client):
    assert metric(client, "hubqbo_queue_depth") == 0  # inline mode
    runtime.queue = _Queue(7)
    assert metric(client, "hubqbo_queue_depth") == 7
    runtime.queue.jobs = 3
    assert metric(client, "hubqbo_queue_depth") == 3


def test_queue_depth_is_zero_when_the_queue_cannot_answer(runtime, client):
    class Down:
        def depth(self):
            raise ConnectionError("redis is down")

    runtime.queue = Down()
    assert metric(client, "hubqbo_queue_depth") == 0


def test_multiprocess_mode_adds_up_every_worker(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, /metrics in one worker sums what every worker counted."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = textwrap.dedent("""
        from observability import metrics
        class E: action = "create-invoice"
        class O: result = "created"; error_code = ""
        for _ in range({n}):
            metrics.observe_outcome(E(), O())
    """)
    for n in (2, 3):  # two worker processes
        subprocess.run([sys.executable, "-c", worker.format(n=n)], env=env, check=True)
    reader = textwrap.dedent("""
        from observability import metrics
        class R: queue = None
        print(metrics.exposition(R(), None)[0].decode())
    """)
    out = subprocess.run([sys.executable, "-c", reader], env=env, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    assert 'hubqbo_executions_total{action="create-invoice",result="created"} 5.0' in out


def test_readyz_reports_each_check(runtime, client):
    ok = client.get("/readyz")
    assert ok.status_code == 200 and ok.json == {"status": "ok", "checks": {"database": "ok"}}

    def redis_down():
        raise ConnectionError("connection refused")

    runtime.readiness_probes["redis"] = redis_down
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json["checks"] == {"database": "ok", "redis": "unavailable: ConnectionError"}


def test_readyz_is_red_while_the_database_is_unreachable(runtime, client):
    outage = DatabaseOutage(runtime.db)
    outage.always = True
    try:
        response = client.get("/readyz")
    finally:
        outage.close()
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable: OperationalError"
    assert client.get("/readyz").status_code == 200
