"""The Flask application factory: `flask --app app run`, `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

import commands as cli
from executions.runtime import Runtime
from jobs import queue
from observability import logs
from settings import ConfigError, Settings
from statussync import worker as status_worker
from store import Database
from store.cipher import TokenCipher
from web import csrf, dashboard
from web.routes import actions, errors, health, meta, oauth, options, quickbooks_webhooks

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
    runtime = Runtime(
        settings=settings,
        db=Database(settings.database_url),
        cipher=TokenCipher(settings.token_encryption_keys),
    )
    app.extensions["hubqbo"] = runtime
    queue.attach(app, runtime)  # rate budgets; with REDIS_URL, the RQ queue
    logs.configure(app)
    for module in (actions, options, oauth, health, meta, dashboard, quickbooks_webhooks):
        app.register_blueprint(module.bp)
    errors.register(app)
    csrf.register(app)
    dashboard.register(app)
    cli.register(app)
    status_worker.attach(app, runtime)
    if settings.sandbox and not settings.testing:
        sandbox.attach(app, runtime)
    return app
