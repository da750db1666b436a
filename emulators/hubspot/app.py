"""The Flask app playing app.hubspot.com and api.hubapi.com, with latency, faults and a call log."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from . import (
    account,
    associations,
    callbacks,
    control,
    crm,
    definitions,
    oauth,
    properties,
    retired,
    search,
)
from .api import ApiError, rate_limit_error
from .ratelimit import Budget

if TYPE_CHECKING:
    from .emulator import HubSpotEmulator

CONTROL_PREFIX = "/_emulator/"


def create_app(emu: HubSpotEmulator) -> Flask:
    """Build the emulator's WSGI app around its state."""
    app = Flask(__name__)
    app.extensions["hubspot_emulator"] = emu
    # HubSpot answers in UTF-8 and keeps its own key order.
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    for blueprint in (oauth.bp, crm.bp, search.bp, associations.bp, callbacks.bp,
                      definitions.bp, account.bp, properties.bp, retired.bp, control.bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def inject_latency_and_faults():
        if request.path.startswith(CONTROL_PREFIX):
            return None
        if emu.config.latency_seconds > 0:
            time.sleep(emu.config.latency_seconds)
        kind = emu.faults.take(request.method, request.path)
        return _fault_response(emu, kind) if kind else None

    @app.after_request
    def add_headers_and_record(response: Response) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return response
        budget = g.get("rate_budget")
        if budget is not None and response.status_code != 429:
            response.headers.update(budget.headers())
        emu.record_call(_call_entry(emu, response.status_code))
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error.response()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        category = "OBJECT_NOT_FOUND" if error.code == 404 else "VALIDATION_ERROR"
        return ApiError(error.code or 500, category, error.description or error.name).response()

    return app


def _fault_response(emu: HubSpotEmulator, kind: str) -> Response:
    if kind == "rate_limit":
        budget = Budget(False, emu.config.rate_limit, 0, emu.config.rate_window_seconds)
        return rate_limit_error(budget).response()
    if kind == "timeout":
        # Hold the request longer than the client should wait, then give a gateway timeout.
        time.sleep(emu.config.fault_timeout_seconds)
        return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", 504,
                        mimetype="text/html")
    status = int(kind.removeprefix("error_"))
    if status == 423:
        # A record or portal locked by another write (reference §6.2: wait at least 2 s).
        return ApiError(423, "LOCKED", "The resource is locked; try again shortly").response()
    if status == 477:
        # The portal is being migrated; HubSpot says when to come back (seconds).
        return ApiError(477, "MIGRATION_IN_PROGRESS", "This portal is being migrated",
                        headers={"Retry-After": "2"}).response()
    if status in (502, 503, 504):
        # These come from HubSpot's edge (Cloudflare) as HTML, not as JSON.
        phrase = HTTPStatus(status).phrase
        return Response(f"<html><body><h1>{status} {phrase}</h1></body></html>", status,
                        mimetype="text/html")
    return ApiError(status, None, "internal error").response()


def _call_entry(emu: HubSpotEmulator, status: int) -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    form = {k: ("***" if k == "client_secret" else v) for k, v in request.form.items()}
    return {"method": request.method, "path": request.path, "query": request.args.to_dict(),
            "status": status, "portal_id": g.get("portal_id"), "json": body,
            "form": form or None, "at": emu.clock.now()}
