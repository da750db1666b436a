"""Sandbox mode: the server runs against the built-in emulators with demo data (SPEC §5)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from hubqbo.settings import Settings
from hubqbo.tokens import new_key


def local_secrets(instance_path: str) -> dict:
    """Secrets generated once per sandbox instance, so encrypted tokens survive restarts."""
    path = Path(instance_path) / "sandbox-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "secret_key": secrets.token_urlsafe(32),
        "token_key": new_key(),
        "hubspot_client_secret": secrets.token_urlsafe(24),
        "quickbooks_client_secret": secrets.token_urlsafe(24),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def prepare(settings: Settings, instance_path: str) -> Settings:
    """Fill in what the sandbox needs that the environment did not set."""
    values = local_secrets(instance_path)
    return settings.replace(
        secret_key=settings.secret_key or values["secret_key"],
        token_encryption_keys=settings.token_encryption_keys or (values["token_key"],),
        hubspot_client_id=settings.hubspot_client_id or "sandbox-hubspot-app",
        hubspot_client_secret=settings.hubspot_client_secret or values["hubspot_client_secret"],
        quickbooks_client_id=settings.quickbooks_client_id or "sandbox-quickbooks-app",
        quickbooks_client_secret=settings.quickbooks_client_secret
        or values["quickbooks_client_secret"],
    )


def attach(app, runtime) -> None:
    """Start the emulators beside the server and seed the demo portal (not built yet)."""
