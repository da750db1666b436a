"""The dashboard: server-rendered pages signed in through HubSpot OAuth (SPEC §4)."""

from __future__ import annotations

from flask import Flask

from executions.ledger import ExecutionStatus
from store.reports import OUTCOMES
from web.dashboard import auth, formatting, views  # noqa: F401 - they attach their views to bp
from web.dashboard.blueprint import bp


def init_app(app: Flask) -> None:
    """Register the pages and harden the session cookie (sign-in and CSRF token live in it)."""
    app.register_blueprint(bp)
    # Templates compare statuses and list outcomes by these names, not by string literals.
    app.jinja_env.globals.update(ExecutionStatus=ExecutionStatus, OUTCOMES=OUTCOMES)
    settings = app.extensions["hubqbo"].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Sandbox and tests serve plain http on localhost, where a Secure cookie is not sent back.
        SESSION_COOKIE_SECURE=not (settings.sandbox or settings.testing),
    )
