"""What every emulated API route shares: HubSpot's error envelope, bearer auth and rate limits."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, g, jsonify, request

from .ratelimit import Budget

if TYPE_CHECKING:
    from .emulator import HubSpotEmulator

SCOPES_LINK = "https://developers.hubspot.com/scopes"
AUTH_HELP = ("This API supports OAuth 2.0 authentication and you can find more details at "
             "https://developers.hubspot.com/docs/methods/auth/oauth-overview")


class ApiError(Exception):
    """Stop handling a request and answer with HubSpot's error body."""

    def __init__(self, http_status: int, category: str | None, message: str, headers=None,
                 **extra):
        super().__init__(message)
        self.http_status = http_status
        self.body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4())}
        if category is not None:
            self.body["category"] = category
        self.body.update(extra)
        self.headers = headers or {}

    def response(self):
        """The Flask response for this error."""
        answer = jsonify(self.body)
        answer.status_code = self.http_status
        answer.headers.update(self.headers)
        return answer


def current_emulator() -> HubSpotEmulator:
    """The emulator behind the app serving this request."""
    return current_app.extensions["hubspot_emulator"]


def validation_error(message: str, **extra) -> ApiError:
    """A 400 VALIDATION_ERROR."""
    return ApiError(400, "VALIDATION_ERROR", message, **extra)


def json_body() -> dict:
    """The request's JSON object, or a 400 like HubSpot's for unparsable input."""
    raw = request.get_data(as_text=True)
    try:
        body = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError as exc:
        raise validation_error(
            f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected a JSON object")
    return body


def reject_unknown_fields(body: dict, allowed: Iterable[str], schema: str) -> None:
    """HubSpot's deserializer refuses fields it doesn't know (e.g. `associations` on batch read)."""
    for name in body:
        if name not in allowed:
            raise validation_error(
                f'Invalid input JSON on line 1, column 2: Unrecognized field "{name}" '
                f"(class {schema}), not marked as ignorable")


def rate_limit_error(budget: Budget, policy: str = "TEN_SECONDLY_ROLLING",
                     limit_name: str = "ten_secondly_rolling") -> ApiError:
    """HubSpot's 429 body and headers (§7)."""
    # HubSpot's 429 body carries errorType rather than category.
    return ApiError(429, None, f"You have reached your {limit_name} limit.",
                    headers=budget.headers(), errorType="RATE_LIMIT", policyName=policy,
                    requestId=str(uuid.uuid4()))


@dataclass(frozen=True)
class Grant:
    """Who is calling: the portal and the scopes of the bearer token."""

    portal_id: int
    scopes: tuple[str, ...]
    token: str


def authenticate(required: Sequence[Sequence[str]] = (), *, search: bool = False) -> Grant:
    """Check the bearer token, count the request against its portal and check scopes.

    `required` lists scope groups; each group needs one of its scopes (HubSpot's "one of the
    following"). Search requests are limited per second and carry no rate-limit headers.
    """
    emu = current_emulator()
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    access = emu.tokens.access(token) if token else None
    if access is None:
        message = ("The OAuth token used to make this call is invalid. " if token else
                   "Authentication credentials not found. ") + AUTH_HELP
        raise ApiError(401, "INVALID_AUTHENTICATION", message)
    left = emu.tokens.seconds_left(access)
    if left is not None and left <= 0:
        raise ApiError(401, "EXPIRED_AUTHENTICATION",
                       f"The OAuth token used to make this call expired {_ago(-left)} ago.")
    g.portal_id = access.portal_id
    _count(emu, access.portal_id, search)
    for group in required:
        if not set(group) & set(access.scopes):
            raise ApiError(
                403, "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call. "
                f"Read more about required scopes here: {SCOPES_LINK}.",
                errors=[{"message": "One or more of the following scopes are required.",
                         "context": {"requiredGranularScopes": list(group)}}],
                links={"scopes": SCOPES_LINK})
    return Grant(access.portal_id, access.scopes, token)


def _count(emu: HubSpotEmulator, portal_id: int, search: bool) -> None:
    now = emu.clock.now()
    if search:
        budget = emu.search_limiter.hit(portal_id, now, emu.config.search_rate_per_second, 1.0)
        if not budget.allowed:
            raise rate_limit_error(budget, policy="SECONDLY", limit_name="secondly")
        return
    budget = emu.limiter.hit(portal_id, now, emu.config.rate_limit,
                             emu.config.rate_window_seconds)
    g.rate_budget = budget
    if not budget.allowed:
        raise rate_limit_error(budget)


def _ago(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}(s)"
    return f"{max(seconds, 0)} second(s)"
