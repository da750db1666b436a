"""Settings from the environment and fail-fast start-up."""

from __future__ import annotations

import pytest

from app import create_app
from settings import Settings


def test_sandbox_is_on_without_hubspot_credentials():
    assert Settings.from_env({}).sandbox is True
    assert Settings.from_env({"HUBSPOT_CLIENT_SECRET": "s"}).sandbox is False
    assert Settings.from_env({"HUBSPOT_ACCESS_TOKEN": "t"}).sandbox is False
    assert Settings.from_env({"SANDBOX": "1", "HUBSPOT_CLIENT_SECRET": "s"}).sandbox is True


def test_quickbooks_environment_picks_the_api_base():
    assert Settings.from_env({}).quickbooks_api_base == "https://quickbooks.api.intuit.com"
    sandbox = Settings.from_env({"QUICKBOOKS_ENVIRONMENT": "sandbox"})
    assert sandbox.quickbooks_api_base == "https://sandbox-quickbooks.api.intuit.com"
    custom = Settings.from_env({"QUICKBOOKS_API_BASE": "http://127.0.0.1:9/"})
    assert custom.quickbooks_api_base == "http://127.0.0.1:9"


def test_keys_are_comma_separated():
    assert Settings.from_env({"TOKEN_ENCRYPTION_KEYS": "a, b,,"}).token_encryption_keys == (
        "a", "b",
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HUBSPOT_CLIENT_SECRET": "s"}, "SECRET_KEY"),
        ({"HUBSPOT_CLIENT_SECRET": "s", "SECRET_KEY": "k"}, "TOKEN_ENCRYPTION_KEYS"),
    ],
)
def test_missing_secret_outside_sandbox_stops_startup_naming_it(monkeypatch, tmp_path, env, named):
    for name in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "SANDBOX", "HUBSPOT_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        create_app()
    message = str(stopped.value)
    assert named in message and "\n" not in message
