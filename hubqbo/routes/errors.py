"""One JSON error shape for every failure: {"error": "..."}; never an HTML 500."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from hubqbo.routes import BadRequest


def error_response(message: str, status: int, headers: dict | None = None):
    """The body every error shares."""
    return {"error": message}, status, headers or {}


def register(app: Flask) -> None:
    """Install the app-wide error handlers."""

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

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("internal server error; the request can be retried", 500)
