"""The dashboard: server-rendered pages signed in through HubSpot OAuth (SPEC §4)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "dashboard", __name__, template_folder="templates", static_folder="static",
    # The app owns /static (Flask adds it even without a folder), so the dashboard uses /assets.
    static_url_path="/assets",
)  # fmt: skip


def register(app: Flask) -> None:
    """Harden the session cookie (the dashboard's sign-in and CSRF token live in it)."""
    settings = app.extensions["hubqbo"].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Sandbox and tests serve plain http on localhost, where a Secure cookie is not sent back.
        SESSION_COOKIE_SECURE=not (settings.sandbox or settings.testing),
    )


# The views attach their routes to bp; imported last because they import bp.
from web.dashboard import auth, formatting, views  # noqa: E402,F401
