"""What happens to every API call before and after the operation itself.

Order: authenticate the bearer token for the realm, apply the realm's throttles, draw an
injected fault, then run the operation under the emulator's lock, replaying the first
response when the ``requestid`` was seen before.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from flask import Response, current_app, g, request

from . import errors, wire
from .company import Company, Replay
from .errors import QboError
from .tokens import AuthFailure

Operation = Callable[[Company], tuple[int, dict]]
MAX_REQUEST_ID = 50
BAD_GATEWAY = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
GATEWAY_TIMEOUT = b"<html><body><h1>504 Gateway Time-out</h1></body></html>"


def emulator():
    """The QuickBooksEmulator serving the current request."""
    return current_app.extensions["qbo_emulator"]


def serve(realm_id: str, operation: Operation, *, batch: bool = False) -> Response:
    """Run ``operation`` for ``realm_id`` through auth, throttles, faults and replay."""
    emu = emulator()
    g.realm_id = realm_id
    try:
        token = emu.oauth.authenticate(request.headers.get("Authorization"), realm_id)
    except AuthFailure as failure:
        if failure.status == 403:
            return fault_response(errors.authorization_failed(realm_id))
        return json_response(errors.authentication_failed(failure.detail, emu.clock.now()), 401)
    company = emu.companies.get(realm_id)
    if company is None:
        return fault_response(errors.authorization_failed(realm_id))
    with emu.lock:
        admitted = company.throttle.admit(emu.clock.now(), emu.config, batch=batch)
    if not admitted:
        return fault_response(errors.throttled())
    fault = emu.faults.draw(f"{request.method} {request.path}", api=True)
    if fault == "error_500":
        return fault_response(errors.system_failure())
    if fault == "throttle":
        return fault_response(errors.throttled())
    if fault == "timeout":
        time.sleep(emu.config.timeout_sleep)  # outside the lock: other calls keep flowing
        return Response(GATEWAY_TIMEOUT, status=504, mimetype="text/html")
    if fault == "access_removed":
        return fault_response(errors.access_removed())
    if fault == "refuse":
        return fault_response(errors.business("The deposit account is closed for this date."))
    if fault == "expire_token":
        emu.oauth.expire(token)
        detail = f"Token expired: {token[:12]}..."
        return json_response(errors.authentication_failed(detail, emu.clock.now()), 401)
    if fault == "race_create":
        # A concurrent client's identical create wins the name first.
        with emu.lock, contextlib.suppress(QboError):
            operation(company)
    response = _execute(emu, company, operation)
    if fault == "stall_answer":
        # Committed (and remembered for its requestid); the answer is still on its way.
        time.sleep(emu.config.stall_seconds)
    if fault == "lose_response":
        # The write is committed (and remembered for its requestid); only the answer is lost.
        return Response(BAD_GATEWAY, status=502, mimetype="text/html")
    return response


def _execute(emu, company: Company, operation: Operation) -> Response:
    request_id = request.args.get("requestid")
    with emu.lock:
        if request_id and len(request_id) > MAX_REQUEST_ID:
            return fault_response(errors.business(
                f"You cannot enter more than {MAX_REQUEST_ID} characters in the request_id "
                f"field. You tried entering {request_id[:10]}..., which is "
                f"{len(request_id)} characters."))
        if request_id and request_id in company.replays:
            replay = company.replays[request_id]
            return Response(replay.body, status=replay.status, mimetype=replay.mimetype)
        try:
            status, payload = operation(company)
            body = wire.to_bytes({**payload, "time": wire.timestamp(emu.clock.now())})
        except QboError as failure:
            status, body = failure.status, wire.to_bytes(failure.envelope(emu.clock.now()))
        if request_id:
            company.replays[request_id] = Replay(status, body, wire.JSON_MIMETYPE)
    return Response(body, status=status, mimetype=wire.JSON_MIMETYPE)


def fault_response(failure: QboError) -> Response:
    """An Intuit Fault envelope with the failure's HTTP status."""
    return json_response(failure.envelope(emulator().clock.now()), failure.status)


def json_response(payload: dict, status: int = 200) -> Response:
    """A JSON response with Decimal-exact numbers."""
    return Response(wire.to_bytes(payload), status=status, mimetype=wire.JSON_MIMETYPE)
