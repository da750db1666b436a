"""OAuth state: random, bound to the browser session, single use, short-lived."""

from __future__ import annotations

import secrets
import time
from collections.abc import MutableMapping

# An authorization must come back within this long, and a browser keeps only a few pending.
STATE_TTL_SECONDS = 15 * 60
MAX_PENDING_STATES = 5
_STATES = "oauth_states"


class StateRefused(Exception):
    """The OAuth callback's state is missing, unknown, used or expired."""


def begin_authorization(session: MutableMapping, kind: str, **data) -> str:
    """A fresh state for an authorization of ``kind`` ('hubspot' or 'quickbooks')."""
    now = time.time()
    pending = {
        s: entry for s, entry in (session.get(_STATES) or {}).items()
        if now - entry.get("at", 0) < STATE_TTL_SECONDS
    }  # fmt: skip
    state = secrets.token_urlsafe(24)
    pending[state] = {"kind": kind, "at": now, **data}
    newest = sorted(pending.items(), key=lambda item: item[1]["at"])[-MAX_PENDING_STATES:]
    session[_STATES] = dict(newest)
    return state


def finish_authorization(session: MutableMapping, kind: str, state: str | None) -> dict:
    """Consume the state of a callback; StateRefused unless this session issued it unused."""
    if not state:
        raise StateRefused("the authorization answer has no state parameter")
    pending = dict(session.get(_STATES) or {})
    entry = pending.pop(state, None)
    session[_STATES] = pending
    if entry is None or entry.get("kind") != kind:
        raise StateRefused(
            "the state parameter does not match an authorization started in this browser "
            "(or it was already used); start again"
        )
    if time.time() - entry.get("at", 0) >= STATE_TTL_SECONDS:
        raise StateRefused("the authorization took too long; start again")
    return entry


