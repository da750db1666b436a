"""HTTP routes: thin views that verify, load, call and shape the response."""

from __future__ import annotations

from flask import Flask

from web.routes import actions, errors, health, meta, oauth, options, quickbooks_webhooks


def init_app(app: Flask) -> None:
    """Register the route blueprints, and the error handlers."""
    for module in (actions, options, oauth, health, meta, quickbooks_webhooks):
        app.register_blueprint(module.bp)
    errors.init_app(app)
