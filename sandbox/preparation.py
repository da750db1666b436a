"""The settings a sandbox needs: local secrets generated once, and URLs pointed at emulators."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from settings import Settings
from store.cipher import new_key

SANDBOX_APP_ID = "4242424"


def pointed_at_emulators(settings: Settings, hubspot_url: str, quickbooks_url: str) -> Settings:
    """Settings whose API, OAuth and token URLs are the emulators' (sandbox and tests)."""
    return settings.replace(
        hubspot_api_base=hubspot_url,
        hubspot_authorize_url=f"{hubspot_url}/oauth/authorize",
        quickbooks_api_base=quickbooks_url,
        quickbooks_authorize_url=f"{quickbooks_url}/connect/oauth2",
        quickbooks_token_url=f"{quickbooks_url}/oauth2/v1/tokens/bearer",
        quickbooks_revoke_url=f"{quickbooks_url}/v2/oauth2/tokens/revoke",
    )


def local_secrets(instance_path: str) -> dict:
    """Secrets generated once per sandbox instance, so encrypted tokens survive restarts."""
    path = Path(instance_path) / "sandbox-secrets.json"
    values = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "secret_key": lambda: secrets.token_urlsafe(32),
        "token_key": new_key,
        "hubspot_client_secret": lambda: secrets.token_urlsafe(24),
        "quickbooks_client_secret": lambda: secrets.token_urlsafe(24),
        "hubspot_developer_api_key": lambda: secrets.token_urlsafe(18),
    }
    missing = {name: make() for name, make in wanted.items() if name not in values}
    if missing:
        values.update(missing)
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
        hubspot_app_id=settings.hubspot_app_id or SANDBOX_APP_ID,
        hubspot_developer_api_key=settings.hubspot_developer_api_key
        or values["hubspot_developer_api_key"],
        quickbooks_client_id=settings.quickbooks_client_id or "sandbox-quickbooks-app",
        quickbooks_client_secret=settings.quickbooks_client_secret
        or values["quickbooks_client_secret"],
    )
