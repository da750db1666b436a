"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint

from web.http import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers.

    ---
    get:
        operationId: healthz
        tags: [Operations]
        security: []
        responses:
          "200":
            description: Alive.
            content:
              application/json:
                schema:
                  type: object
                  required: [status]
                  properties: {status: {type: string}}
    """
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database (and Redis in queue mode) answer; 503 otherwise, so traffic waits.

    ---
    get:
        operationId: readyz
        tags: [Operations]
        security: []
        responses:
          "200":
            description: Ready.
            content:
              application/json:
                schema:
                  type: object
                  required: [status, checks]
                  properties:
                    status: {type: string, enum: [ok, unavailable]}
                    checks: {type: object, additionalProperties: {type: string}}
          "503":
            description: "Not ready: the failing check says which."
            content:
              application/json:
                schema:
                  type: object
                  required: [status, checks]
                  properties:
                    status: {type: string, enum: [ok, unavailable]}
                    checks: {type: object, additionalProperties: {type: string}}
    """
    checks: dict[str, str] = {}
    rt = runtime()
    try:
        rt.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    for name, probe in rt.readiness_probes.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # any client error means not ready
            checks[name] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
