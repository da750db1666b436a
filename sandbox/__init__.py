"""Sandbox mode: the server runs against the built-in emulators with demo data (SPEC §5).

The only product package that imports emulators. `prepare()` fills in the settings a sandbox
needs (preparation), `init_app()` (called by create_app when SANDBOX is on) adds the "Try an
action" route (try_panel) and, where the server runs, starts a HubSpot and a QuickBooks
emulator on loopback ports (emulator_servers), seeds a demo portal and two companies and
connects them through the same code the OAuth callbacks use (demo_data). The emulators keep
their data in memory, so every start seeds them afresh and re-issues the stored tokens.
"""

from __future__ import annotations

import os

import click
from flask.cli import get_debug_flag

from sandbox import status as status_demo
from sandbox.demo_data import DEMO_COMPANIES, RECORD_KINDS, DemoCompany
from sandbox.emulator_servers import Sandbox
from sandbox.preparation import SANDBOX_APP_ID, local_secrets, pointed_at_emulators, prepare
from sandbox.try_panel import bp

__all__ = [
    "DEMO_COMPANIES", "RECORD_KINDS", "SANDBOX_APP_ID",
    "DemoCompany", "Sandbox", "bp", "init_app", "local_secrets", "pointed_at_emulators",
    "prepare", "serving_now", "use_local_address",
]  # fmt: skip


def init_app(app) -> None:
    """Make this app a sandbox: the demo-run route, and the emulators when serving starts."""
    runtime = app.extensions["hubqbo"]
    sandbox = Sandbox(runtime)
    app.extensions["sandbox"] = sandbox
    app.register_blueprint(bp)
    app.register_blueprint(status_demo.bp)
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.command.name == "run":
        use_local_address(runtime, ctx.params.get("host"), ctx.params.get("port"))
    if serving_now():
        sandbox.start()


def use_local_address(runtime, host: str | None, port: int | None) -> None:
    """Without PUBLIC_BASE_URL, redirect URIs and signatures use the address being served."""
    if os.environ.get("PUBLIC_BASE_URL") or not port:
        return
    shown = "localhost" if host in (None, "", "127.0.0.1", "0.0.0.0", "::", "localhost") else host
    runtime.settings = runtime.settings.replace(public_base_url=f"http://{shown}:{port}")


def serving_now() -> bool:
    """True unless this process is a CLI command other than `run`, or `run`'s reloader watcher
    (which never serves: its child does), so emulators start once and only where needed."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # a WSGI server (gunicorn) or a direct create_app()
    if ctx.command.name != "run":
        return False  # `db upgrade` and friends; `sandbox` starts it itself
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
