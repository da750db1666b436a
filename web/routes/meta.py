"""GET /metrics and GET /openapi.json, and the hooks that feed the metrics."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, request

from observability import metrics
from web import openapi
from web.routes import runtime

bp = Blueprint("meta", __name__)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@bp.get("/metrics")
def prometheus():
    """Prometheus metrics for this process (or every worker in multiprocess mode).

    ---
    get:
        operationId: metrics
        tags: [Operations]
        security: []
        responses:
          "200":
            description: Metrics (text format; OpenMetrics when asked).
            content:
              text/plain: {schema: {type: string}}
              application/openmetrics-text: {schema: {type: string}}
    """
    body, content_type = metrics.exposition(runtime(), request.headers.get("Accept"))
    return Response(body, content_type=content_type)


@bp.get("/openapi.json")
def openapi_document():
    """This document: the OpenAPI 3 description of every route, built from the routes.

    ---
    get:
        operationId: openapi
        tags: [Operations]
        security: []
        responses:
          "200":
            description: The OpenAPI 3 document.
            content: {application/json: {schema: {type: object}}}
    """
    return openapi.cached(current_app, runtime().settings.public_base_url)


@bp.record_once
def _install(state) -> None:
    """Count executions and API calls, and time every request the app answers."""
    app = state.app
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
