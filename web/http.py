"""What every view shares: the 4xx answer, the runtime, and reading a JSON body through a
schema."""

from __future__ import annotations

import math

from flask import current_app, request
from marshmallow import Schema, ValidationError

from schemas.execution import describe


class BadRequest(Exception):
    """A 4xx answer with a message naming the problem."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def runtime():
    """The app's Runtime."""
    return current_app.extensions["hubqbo"]


def json_object() -> dict:
    """The request body as a JSON object, or BadRequest saying what is wrong."""
    if not request.get_data(cache=True):
        raise BadRequest("the request body is empty; a JSON object is expected")
    try:
        payload = request.get_json(silent=True, force=True)
    except RecursionError:  # json raises this, not ValueError, on absurd nesting
        raise BadRequest("the request body is nested too deeply") from None
    if payload is None:
        raise BadRequest("the request body is not valid JSON")
    if not isinstance(payload, dict):
        raise BadRequest("the request body must be a JSON object")
    problem = _unacceptable(payload)
    if problem:
        raise BadRequest(problem)
    return payload


MAX_DEPTH = 32  # HubSpot's payloads nest a few levels; storing deeper ones hits recursion limits


def _unacceptable(document) -> str | None:
    """Why a parsed body cannot be stored (NUL characters, absurd nesting), or None."""
    pending = [(document, 1)]
    while pending:  # a loop, not recursion, whatever the nesting
        value, depth = pending.pop()
        if isinstance(value, str):
            # PostgreSQL can neither store nor compare text holding NUL or unpaired surrogates,
            # nor JSON holding NaN or Infinity; HubSpot sends none of them.
            if "\x00" in value:
                return "the request body contains a NUL character (\\u0000)"
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return "the request body contains an unpaired UTF-16 surrogate"
        elif isinstance(value, float) and not math.isfinite(value):
            return "the request body contains a number that is not finite"
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"the request body is nested more than {MAX_DEPTH} levels deep"
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
    return None


def load(schema: Schema, payload: dict, prefix: str = "") -> dict:
    """Load through a schema; validation errors become one readable 400 message."""
    try:
        return schema.load(payload)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise BadRequest(describe(messages, prefix)) from None
