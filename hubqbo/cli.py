"""Command-line groups registered on the app (`flask --app app ...`)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from hubqbo import migrate

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


def register(app: Flask) -> None:
    """Attach the CLI groups."""
    app.cli.add_command(db_cli)
