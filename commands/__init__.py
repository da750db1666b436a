"""Command-line groups registered on the app (`flask --app app ...`)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from accounts import upkeep
from actions import publishing
from commands import status as status_cli
from executions import ledger
from store import migrate, portals, rotation
from web.dashboard import replay

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    url = current_app.extensions["hubqbo"].db.url
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(current_app.extensions["hubqbo"].db.url, revision)
    click.echo(f"database at revision {revision}")


def init_app(app: Flask) -> None:
    """Attach the CLI groups."""
    app.cli.add_command(db_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(executions_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(publishing.hubspot_cli)
    app.cli.add_command(sandbox_command)
    app.cli.add_command(connections_cli)
    app.cli.add_command(status_cli.sync_cli)
    publishing.hubspot_cli.add_command(status_cli.setup_properties)


connections_cli = AppGroup("connections", help="QuickBooks connections.")


@connections_cli.command("refresh")
@click.option("--days", default=30, show_default=True, type=int,
              help="Refresh tokens whose refresh token expires within this many days.")
def connections_refresh(days: int) -> None:
    """Refresh QuickBooks tokens before their refresh token expires (run daily from cron)."""
    results = upkeep.refresh_expiring(current_app.extensions["hubqbo"], timedelta(days=days))
    for r in results:
        click.echo(f"portal {r.portal_id} realm {r.realm_id}: "
                   f"{'refreshed' if r.ok else 'FAILED'} {r.detail}".rstrip())
    click.echo(f"{sum(r.ok for r in results)} refreshed, {sum(not r.ok for r in results)} failed")
    if any(not r.ok for r in results):
        raise SystemExit(1)


@publishing.hubspot_cli.command("refresh-accounts")
@click.option("--all", "everything", is_flag=True, help="Every portal, not only day-old ones.")
def hubspot_refresh_accounts(everything: bool) -> None:
    """Re-read portals' account details (time zone, currency, UI domain) once a day old."""
    from accounts import details

    runtime = current_app.extensions["hubqbo"]
    if everything:
        failed = 0
        for portal_id in portals.portal_ids(runtime.db):
            try:
                details.refresh(runtime, portal_id)
            except Exception as exc:  # one portal's failure must not stop the others
                failed += 1
                click.echo(f"portal {portal_id}: {exc}", err=True)
        counts = {"refreshed": len(portals.portal_ids(runtime.db)) - failed, "failed": failed}
    else:
        counts = details.refresh_all_stale(runtime)
    click.echo(f"account details refreshed for {counts['refreshed']} portals, "
               f"{counts['failed']} failed")  # fmt: skip
    if counts["failed"]:
        raise SystemExit(1)


executions_cli = AppGroup("executions", help="The execution ledger.")


@executions_cli.command("replay")
@click.argument("execution_ids", nargs=-1, type=int, required=True)
def executions_replay(execution_ids: tuple[int, ...]) -> None:
    """Run failed executions again by id (same ledger row, new attempt; never books twice)."""
    runtime = current_app.extensions["hubqbo"]
    unresolved = 0
    for execution_id in execution_ids:
        execution = ledger.by_id(runtime.db, execution_id)
        if execution is None:
            click.echo(f"{execution_id}: no such execution", err=True)
            unresolved += 1
            continue
        result = replay.run_again(runtime, execution)
        click.echo(f"{execution_id}: {result.execution.status} — {result.message}")
        unresolved += not result.ran or result.execution.status != ledger.SUCCEEDED
    if unresolved:
        raise SystemExit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's host.pid name).")
def worker_command(burst: bool, name: str | None) -> None:
    """Run queued executions (queue mode, REDIS_URL); run as many processes as needed."""
    from jobs import queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.extensions["hubqbo"].queue is None:
        raise click.ClickException("REDIS_URL is not set: queue mode is off, nothing to work")
    queue.run_worker(app, burst=burst, name=name)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def sandbox_command(host: str, port: int) -> None:
    """Start the HubSpot and QuickBooks emulators with demo data and serve the app on them."""
    from werkzeug.serving import run_simple

    import sandbox  # the sandbox wiring is the only product path to emulators

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    running = app.extensions.get("sandbox")
    if running is None:
        raise click.ClickException(
            "SANDBOX is off because HubSpot credentials are set; run `SANDBOX=1 flask --app app "
            "sandbox` to try the sandbox anyway"
        )
    sandbox.use_local_address(app.extensions["hubqbo"], host, port)
    running.start()
    run_simple(host, port, app, threaded=True)


keys_cli = AppGroup("keys", help="Token encryption keys.")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS."""
    runtime = current_app.extensions["hubqbo"]
    try:
        counts = rotation.rotate_tokens(runtime.db, runtime.cipher.rotate)
    except rotation.TokenRotationFailed as exc:
        raise click.ClickException(f"{exc}; no token was changed") from None
    click.echo(
        f"re-encrypted {counts['portals']} HubSpot portal tokens and "
        f"{counts['quickbooks_connections']} QuickBooks connection tokens under the first key; "
        "keys after the first can now be removed from TOKEN_ENCRYPTION_KEYS"
    )
