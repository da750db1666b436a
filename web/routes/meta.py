"""GET /metrics and GET /openapi.json."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from observability import metrics
from web import openapi
from web.http import runtime

bp = Blueprint("meta", __name__)


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
