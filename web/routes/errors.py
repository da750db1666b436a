"""One JSON error shape for every failure: {"error": "..."}; never an HTML 500."""

from __future__ import annotations

from flask import Flask, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from web.http import BadRequest


def error_response(message: str, status: int, headers: dict | None = None):
    """The body every error shares."""
    return {"error": message}, status, headers or {}


def init_app(app: Flask) -> None:
    """Install the app-wide error handlers."""

    @app.before_request
    def _refuse_nul():
        # PostgreSQL can neither store nor compare text holding NUL: refuse it at the door.
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values)
            for key, values in request.args.lists()
        ):
            raise BadRequest("the URL contains a NUL character (%00)")

    @app.before_request
    def _refuse_oversized_chunked_body():
        # Without Content-Length (chunked), Werkzeug cuts the body at MAX_CONTENT_LENGTH instead
        # of refusing it: read it here, bounded, and refuse one that reaches the limit.
        chunked = request.content_length is None and request.environ.get("wsgi.input_terminated")
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        if chunked and len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()

    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest):
        return error_response(exc.message, exc.status)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return error_response(f"the request body is larger than {limit // 1024} KiB", 413)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404:
            return error_response(f"no such endpoint: {request.method} {request.path}", 404)
        if exc.code == 405:
            allowed = ", ".join(sorted(exc.valid_methods or []))  # type: ignore[attr-defined]
            return error_response(
                f"method {request.method} is not allowed on {request.path}; use {allowed}",
                405,
                {"Allow": allowed},
            )
        return error_response(exc.description or exc.name, exc.code or 500)

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        # The database is down or unreachable: 503 makes HubSpot retry later; nothing was done.
        current_app.logger.error(
            "database unavailable on %s %s: %s", request.method, request.path,
            type(exc.orig or exc).__name__,
        )  # fmt: skip
        return error_response(
            "the database is unavailable; retry shortly", 503, {"Retry-After": "30"}
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("internal server error; the request can be retried", 500)
