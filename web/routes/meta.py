"""GET /metrics and GET /openapi.json, and the hooks that feed the metrics."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, request

from observability import metrics
from web import openapi
from web.http import runtime

bp = Blueprint("meta", __name__)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@bp.get("/metrics")
def prometheus():
    """Prometheus metrics for this process (or every worker in multiprocess mode)."""
    body, content_type = metrics.exposition(runtime(), request.headers.get("Accept"))
    return Response(body, content_type=content_type)


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document of every endpoint."""
    return openapi.cached(runtime().settings.public_base_url)


def init_app(app) -> None:
    """Count executions and API calls, and time every request the app answers."""
    metrics.install(app.extensions["hubqbo"])

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
            metrics.observe_request(
                endpoint, method, response.status_code, time.monotonic() - started
            )
        return response
