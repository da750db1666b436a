"""The Flask app that plays every Intuit host: OAuth, the Accounting API, and the controls."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from . import api, control, oauth
from .gateway import BAD_GATEWAY, GATEWAY_TIMEOUT

CONTROL_PREFIX = "/_emulator"
API_PREFIX = "/v3/"
_REALM_IN_PATH = re.compile(r"^/v3/company/([^/]+)/")


def create_app(emulator) -> Flask:
    """Build the WSGI app serving ``emulator``."""
    app = Flask(__name__)
    app.extensions["qbo_emulator"] = emulator
    app.register_blueprint(oauth.routes)
    app.register_blueprint(api.routes)
    app.register_blueprint(control.routes)

    @app.before_request
    def add_latency():
        """Sleep the configured latency before answering, outside any lock."""
        delay = emulator.config.latency_seconds
        if delay > 0 and not request.path.startswith(CONTROL_PREFIX):
            time.sleep(delay)

    @app.before_request
    def fault_oauth_endpoints():
        """Apply faults armed with a match on the OAuth endpoints (the API draws its own)."""
        if request.path.startswith((CONTROL_PREFIX, API_PREFIX)):
            return None
        g.fault = emulator.faults.draw(f"{request.method} {request.path}", api=False)
        if g.fault == "error_500":
            return Response('{"error":"server_error"}', 500, mimetype="application/json")
        if g.fault == "throttle":
            return Response('{"error":"throttled"}', 429, mimetype="application/json")
        if g.fault == "timeout":
            time.sleep(emulator.config.timeout_sleep)
            return Response(GATEWAY_TIMEOUT, 504, mimetype="text/html")
        return None

    @app.after_request
    def record_call(response):
        """Log every non-control request with its outcome."""
        if g.get("fault") == "lose_response":
            # The token call ran (a refresh did rotate); only its answer is lost.
            response = Response(BAD_GATEWAY, 502, mimetype="text/html")
        if not request.path.startswith(CONTROL_PREFIX):
            # Intuit stamps every answer with a transaction id support asks for (reference §1).
            response.headers["intuit_tid"] = f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"
            match = _REALM_IN_PATH.match(request.path)
            emulator.record_call({
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "status": response.status_code,
                "realm_id": g.get("realm_id") or (match.group(1) if match else None),
                "requestid": request.args.get("requestid"),
                "minorversion": request.args.get("minorversion"),
                "time": emulator.clock.now(),
                "intuit_tid": response.headers["intuit_tid"],
            })
        return response

    return app
