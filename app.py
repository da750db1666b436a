"""The Flask application factory: `flask --app app run`, `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

import commands
from executions.runtime import Runtime
from jobs import queue
from observability import logs, metrics
from settings import ConfigError, Settings
from statussync import worker as status_worker
from store import Database
from store.cipher import TokenCipher
from web import csrf, dashboard, routes

MAX_BODY = 1024 * 1024  # HubSpot payloads are small; refuse anything over 1 MiB unread.


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app from the environment, or from given settings (tests)."""
    app = Flask("hubqbo", instance_path=os.environ.get("INSTANCE_PATH") or None,
                instance_relative_config=True)  # fmt: skip
    settings = config if isinstance(config, Settings) else Settings.from_env()
    if isinstance(config, dict):
        settings = settings.replace(**config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if settings.sandbox and not settings.testing:
        import sandbox  # the sandbox wiring is the only product path to emulators

        settings = sandbox.prepare(settings, app.instance_path)
    try:
        settings.check()
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    if not settings.database_url:
        settings = settings.replace(
            database_url=f"sqlite:///{Path(app.instance_path) / 'hubqbo.db'}"
        )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        TESTING=settings.testing,
    )
    app.extensions["hubqbo"] = Runtime(
        settings=settings,
        db=Database(settings.database_url),
        cipher=TokenCipher(settings.token_encryption_keys),
    )
    # Each part wires itself; nothing is installed when a module is imported.
    queue.init_app(app)  # rate budgets; with REDIS_URL, the RQ queue
    logs.init_app(app)
    metrics.init_app(app)  # executions, API calls, request timings
    routes.init_app(app)  # blueprints, metrics hooks, error handlers
    csrf.init_app(app)
    dashboard.init_app(app)
    commands.init_app(app)
    status_worker.init_app(app)  # QuickBooks status sync-back: the inline settler
    if settings.sandbox and not settings.testing:
        sandbox.init_app(app)
    return app
