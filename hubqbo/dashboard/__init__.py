"""The dashboard: server-rendered pages signed in through HubSpot OAuth (SPEC §4)."""

from __future__ import annotations

from flask import Blueprint, Flask

from hubqbo import csrf

bp = Blueprint(
    "dashboard", __name__, template_folder="templates", static_folder="static",
    static_url_path="/static",
)  # fmt: skip


def register(app: Flask) -> None:
    """Harden the session cookie and expose csrf_token() to templates."""
    settings = app.extensions["hubqbo"].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Sandbox and tests serve plain http on localhost, where a Secure cookie is not sent back.
        SESSION_COOKIE_SECURE=not (settings.sandbox or settings.testing),
    )
    csrf.register(app)


# The views attach their routes to bp; imported last because they import bp.
from hubqbo.dashboard import auth, formatting, views  # noqa: E402,F401
