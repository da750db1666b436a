"""Prometheus metrics: executions, outbound API calls, latencies, queue depth, token refreshes.

Counters and histograms live in the process. Under gunicorn with several workers, set
PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at each start) so every worker writes its
samples there and /metrics adds them up (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

log = logging.getLogger(__name__)

# The *_created series double the output and no dashboard uses them.
disable_created_metrics()

EXECUTIONS = Counter(
    "hubqbo_executions_total",
    "Executions finished, by action and result (created, existing, skipped, failed).",
    ["action", "result"],
)
EXECUTION_FAILURES = Counter(
    "hubqbo_execution_failures_total",
    "Failed executions by action and error code.",
    ["action", "error_code"],
)
API_CALLS = Counter(
    "hubqbo_api_calls_total",
    "Outbound API requests by service (hubspot, quickbooks) and HTTP status (error: no answer).",
    ["service", "status"],
)
API_LATENCY = Histogram(
    "hubqbo_api_call_duration_seconds",
    "Outbound API request latency by service.",
    ["service"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_LATENCY = Histogram(
    "hubqbo_http_request_duration_seconds",
    "Latency of requests this server answered, by route, method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TOKEN_REFRESH_FAILURES = Counter(
    "hubqbo_token_refresh_failures_total",
    "Refresh grants refused (the connection needs a person to reconnect), by service.",
    ["service"],
)


def observe_outcome(execution, outcome) -> None:
    """Count one finished execution (a Runtime outcome observer)."""
    EXECUTIONS.labels(execution.action, outcome.result).inc()
    if outcome.result == "failed":
        EXECUTION_FAILURES.labels(execution.action, outcome.error_code or "UNKNOWN").inc()


def observe_call(**call) -> None:
    """Count and time one outbound API request (a Runtime call observer)."""
    service = call.get("service", "unknown")
    status = call.get("status") or 0
    API_CALLS.labels(service, str(status) if status else "error").inc()
    API_LATENCY.labels(service).observe(max(0, call.get("duration_ms", 0)) / 1000)


def token_refresh_failed(reconnect_code: str) -> None:
    """Count a refused refresh grant (QUICKBOOKS_RECONNECT_REQUIRED or HUBSPOT_NOT_CONNECTED)."""
    service = "hubspot" if reconnect_code.startswith("HUBSPOT") else "quickbooks"
    TOKEN_REFRESH_FAILURES.labels(service).inc()


def queue_depth(runtime) -> int:
    """Jobs waiting in the queue (0 in inline mode or when the queue cannot say)."""
    queue = runtime.queue
    if queue is None:
        return 0
    try:
        for name in ("depth", "__len__"):
            method = getattr(queue, name, None)
            if callable(method):
                return int(method())
        rq = getattr(queue, "rq", queue)  # jobs.queue.ExecutionQueue wraps an RQ Queue
        count = getattr(rq, "count", None)
        return int(count() if callable(count) else count or 0)
    except Exception as exc:  # Redis down: readiness reports it; the metric says 0
        log.warning("queue depth unavailable: %s", type(exc).__name__)
        return 0


class _ScrapeTime:
    """Values read when /metrics is scraped rather than counted as they happen."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        """The queue depth gauge."""
        gauge = GaugeMetricFamily("hubqbo_queue_depth", "Executions waiting in the RQ queue.")
        gauge.add_metric([], queue_depth(self.runtime))
        yield gauge


def exposition(runtime, accept: str | None) -> tuple[bytes, str]:
    """The metrics text and its content type (Prometheus text, or OpenMetrics if asked)."""
    encoder, content_type = choose_encoder(accept)
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = _Combined(REGISTRY)
    registry.register(_ScrapeTime(runtime))
    if encoder is generate_latest:
        return generate_latest(registry), content_type
    return encoder(registry), content_type


class _Combined(CollectorRegistry):
    """The process registry plus this scrape's collectors, without touching the global one."""

    def __init__(self, base):
        super().__init__(auto_describe=False)
        self._base = base

    def collect(self):
        """Everything the process registry has, then the scrape-time values."""
        yield from self._base.collect()
        yield from super().collect()


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Time one request this server answered."""
    HTTP_LATENCY.labels(endpoint, method, str(status)).observe(seconds)


def install(runtime) -> None:
    """Feed the counters from the runtime's hooks."""
    if observe_outcome not in runtime.outcome_observers:
        runtime.outcome_observers.append(observe_outcome)
    if observe_call not in runtime.call_observers:
        runtime.call_observers.append(observe_call)


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def init_app(app) -> None:
    """Count executions and API calls, and time every request the app answers."""
    from flask import g, request

    install(app.extensions["hubqbo"])

    @app.before_request
    def _start_timer():
        g.metrics_started = time.monotonic()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            # Labels come from the route table, never from what the client sent (cardinality).
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            method = request.method if request.method in _METHODS else "other"
            observe_request(endpoint, method, response.status_code, time.monotonic() - started)
        return response
