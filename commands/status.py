"""`hubspot setup-properties` and `sync status` / `sync overdue` (SPEC §10)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from clients.hubspot import HubSpotError
from statussync import properties, settle
from store import portals

sync_cli = AppGroup("sync", help="QuickBooks invoice status on HubSpot deals.")


@click.command("setup-properties")
@click.option("--portal", "portal_ids", type=int, multiple=True,
              help="Only these portals (default: every installed portal).")
def setup_properties(portal_ids: tuple[int, ...]) -> None:
    """Create the "QuickBooks" deal property group and properties (idempotent)."""
    runtime = current_app.extensions["hubqbo"]
    ids = list(portal_ids) or portals.portal_ids(runtime.db)
    static = runtime.settings.hubspot_portal_id
    if static and int(static) not in ids:
        ids.append(int(static))
    failed = 0
    for portal_id in ids:
        try:
            counts = properties.setup(runtime.hubspot_client(portal_id))
        except HubSpotError as exc:
            failed += 1
            hint = f" ({properties.REINSTALL})" if exc.status == 403 else ""
            click.echo(f"portal {portal_id}: {exc}{hint}", err=True)
            continue
        click.echo(f"portal {portal_id}: {counts['created']} created, "
                   f"{counts['existing']} already there")
    if failed:
        raise click.exceptions.Exit(1)


@sync_cli.command("status")
@click.option("--since", default=None, help="ISO date or time to read changes from (≤ 30 days).")
def sync_status(since: str | None) -> None:
    """Reconcile deal statuses from QuickBooks change data capture, then the overdue pass."""
    runtime = current_app.extensions["hubqbo"]
    start = None
    if since:
        start = datetime.fromisoformat(since.replace("Z", "+00:00"))
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    settled = settle.process_pending(runtime)
    counts = settle.reconcile(runtime, start)
    overdue = settle.overdue_pass(runtime)
    click.echo(f"events: {settled}; realms: {counts['realms']}, transactions: "
               f"{counts['transactions']}, failed: {counts['failed']}; "
               f"overdue: {overdue['overdue']}")


@sync_cli.command("overdue")
def sync_overdue() -> None:
    """The daily pass: unpaid invoices past their due date become overdue."""
    counts = settle.overdue_pass(current_app.extensions["hubqbo"])
    click.echo(f"overdue: {counts['overdue']}")
