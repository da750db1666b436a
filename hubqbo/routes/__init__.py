"""HTTP routes: thin views that verify, load, call and shape the response."""

from __future__ import annotations

from flask import current_app, request
from marshmallow import Schema, ValidationError

from hubqbo.schemas.execution import describe


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
    payload = request.get_json(silent=True, force=True)
    if payload is None:
        raise BadRequest("the request body is not valid JSON")
    if not isinstance(payload, dict):
        raise BadRequest("the request body must be a JSON object")
    return payload


def load(schema: Schema, payload: dict, prefix: str = "") -> dict:
    """Load through a schema; validation errors become one readable 400 message."""
    try:
        return schema.load(payload)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise BadRequest(describe(messages, prefix)) from None
