"""`flask --app app hubspot ...`: export the developer-platform project, or publish the six
action definitions through the definitions API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from actions import ACTIONS, project
from actions.definition import definition
from clients.hubspot import HubSpotError
from clients.hubspot_definitions import DefinitionsClient, DefinitionsRefused
from clients.transport import Unavailable
from store import definitions

hubspot_cli = AppGroup("hubspot", help="The HubSpot app: export its project, publish definitions.")
REFUSED_HELP = (
    "publishing to HubSpot failed: HubSpot refused HUBSPOT_DEVELOPER_API_KEY ({status} "
    "{category}): the {version} definitions API needs "
    "a developer API key of the account that owns app {app_id}, or a token with the "
    "developers-write scope, sent as a Bearer token (Development > Keys in HubSpot)"
)


@dataclass(frozen=True)
class Published:
    """What publishing did to one action."""

    slug: str
    status: str  # created | updated | unchanged
    definition_id: str
    revision_id: str = ""


def desired_definitions(settings) -> dict[str, dict]:
    """Every action's definition body, by slug."""
    return {slug: definition(action, settings) for slug, action in ACTIONS.items()}


def publish(client: DefinitionsClient, desired: dict[str, dict]) -> list[Published]:
    """Create missing definitions and update changed ones, matched by actionUrl."""
    existing: dict[str, dict] = {}
    for found in sorted(client.list(), key=lambda d: _id_order(d.get("id"))):
        existing.setdefault(found.get("actionUrl", ""), found)
    done = []
    for slug, body in desired.items():
        current = existing.get(body["actionUrl"])
        if current is None:
            status, answer = "created", client.create(body)
        elif covers(current, body):
            status, answer = "unchanged", current
        else:
            status, answer = "updated", client.update(str(current["id"]), body)
        definition_id = str(answer.get("id") or current["id"])  # type: ignore[index]
        done.append(Published(slug, status, definition_id, str(answer.get("revisionId", ""))))
    return done


def covers(actual, desired) -> bool:
    """True when HubSpot's copy already says everything the desired body says.

    HubSpot adds fields of its own (id, revisionId, defaults) and may drop empty ones, so
    this compares what we send, not the whole object; lists of plain values are unordered.
    """
    if _empty(desired):
        return _empty(actual)
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(
            covers(actual.get(k), v) for k, v in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(actual) != len(desired):
            return False
        if all(not isinstance(v, dict | list) for v in desired):
            return sorted(map(repr, actual)) == sorted(map(repr, desired))
        return all(covers(a, d) for a, d in zip(actual, desired, strict=True))
    return actual == desired


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _id_order(value) -> tuple:
    text = str(value or "")
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


@hubspot_cli.command("publish-actions")
@click.option("--dry-run", is_flag=True, help="Print the six definitions as JSON; call nothing.")
def publish_actions(dry_run: bool) -> None:
    """Create or update the six workflow action definitions of HUBSPOT_APP_ID."""
    runtime = current_app.extensions["hubqbo"]
    settings = runtime.settings
    desired = desired_definitions(settings)
    if dry_run:
        click.echo(json.dumps(desired, indent=2, ensure_ascii=False))
        return
    needed = {
        "HUBSPOT_APP_ID": settings.hubspot_app_id,
        "HUBSPOT_DEVELOPER_API_KEY": settings.hubspot_developer_api_key,
    }
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} must be set to publish the actions (the app's id, and a "
            "developer API key or a developers-write token: Development > Keys in HubSpot)"
        )
    if not settings.public_base_url.startswith("https://"):
        click.echo(f"warning: PUBLIC_BASE_URL {settings.public_base_url} is not https; "
                   "HubSpot accepts only https action URLs", err=True)  # fmt: skip
    client = DefinitionsClient(settings.hubspot_api_base, settings.hubspot_app_id,
                               settings.hubspot_developer_api_key,
                               timeout=settings.http_timeout_seconds,
                               version=settings.hubspot_api_version)  # fmt: skip
    try:
        results = publish(client, desired)
    except DefinitionsRefused as exc:
        raise click.ClickException(REFUSED_HELP.format(
            status=exc.status, category=exc.category, version=settings.hubspot_api_version,
            app_id=settings.hubspot_app_id)) from None
    except (HubSpotError, Unavailable) as exc:
        raise click.ClickException(f"publishing to HubSpot failed: {exc}") from None
    finally:
        client.transport.session.close()
    for r in results:
        definitions.record_action_definition(runtime.db, settings.hubspot_app_id, r.slug,
                                       r.definition_id, r.revision_id,
                                       changed=r.status != "unchanged")  # fmt: skip
        click.echo(f"{r.status:<9} {r.slug:<22} id {r.definition_id}")


@hubspot_cli.command("export-project")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_project(directory: Path) -> None:
    """Write the developer-platform project (hsproject.json, the app, six workflow actions)."""
    settings = current_app.extensions["hubqbo"].settings
    if not settings.public_base_url.startswith("https://"):
        click.echo(f"warning: PUBLIC_BASE_URL {settings.public_base_url} is not https; "
                   "HubSpot accepts only https action and redirect URLs", err=True)  # fmt: skip
    for path in project.write(directory, settings):
        click.echo(f"wrote {path}")
    click.echo(f"upload it with HubSpot's CLI: cd {directory} && hs project upload")
