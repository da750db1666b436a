"""The dashboard's blueprint, which its page modules attach their views to."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "dashboard", __name__, template_folder="templates", static_folder="static",
    # The app owns /static (Flask adds it even without a folder), so the dashboard uses /assets.
    static_url_path="/assets",
)  # fmt: skip
