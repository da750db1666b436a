"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint

from web.http import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """The database (and Redis in queue mode) answer; 503 otherwise so traffic waits."""
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
