"""Settings read from the environment (SPEC §2.1), with a testing variant."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

QUICKBOOKS_HOSTS = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}

LOG_FORMATS = ("auto", "json", "text")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed; start-up stops with this one line."""


def _flag(value: str | None, default: bool = False) -> bool:
    """Parse an on/off environment value."""
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _keys(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated key list, dropping blanks."""
    return tuple(k.strip() for k in (value or "").split(",") if k.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment, in one place."""

    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    token_encryption_keys: tuple[str, ...] = ()
    public_base_url: str = "http://localhost:5000"
    hubspot_client_id: str = ""
    hubspot_client_secret: str = ""
    hubspot_app_id: str = ""
    hubspot_developer_api_key: str = ""
    hubspot_access_token: str = ""
    hubspot_portal_id: str = ""
    hubspot_api_base: str = "https://api.hubapi.com"
    # HubSpot's date-versioned API (SPEC §9): every HubSpot path is built from this one value.
    hubspot_api_version: str = "2026-03"
    hubspot_authorize_url: str = "https://app.hubspot.com/oauth/authorize"
    hubspot_scopes: tuple[str, ...] = (
        "oauth",
        "automation",
        "crm.objects.deals.read",
        "crm.objects.quotes.read",
        "crm.objects.line_items.read",
        "crm.objects.products.read",
        "crm.objects.contacts.read",
        "crm.objects.companies.read",
        "crm.objects.commercepayments.read",
    )
    # Optional scopes: status sync (SPEC §10) writes deal properties when they are granted
    # (the deals' QuickBooks property group and properties, and their values).
    hubspot_optional_scopes: tuple[str, ...] = ("crm.objects.deals.write",
                                                "crm.schemas.deals.write")
    quickbooks_client_id: str = ""
    quickbooks_client_secret: str = ""
    quickbooks_environment: str = "production"
    quickbooks_api_base: str = ""
    quickbooks_authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"
    quickbooks_token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    quickbooks_revoke_url: str = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
    quickbooks_minor_version: str = "75"
    quickbooks_webhook_verifier_token: str = ""
    sandbox: bool = False
    testing: bool = False
    # A claimed execution whose worker vanished is taken over after this long.
    execution_lease_seconds: float = 120.0
    # A duplicate delivery waits this long for the first to finish before answering 429.
    duplicate_wait_seconds: float = 2.0
    http_timeout_seconds: float = 30.0
    # "json", "text", or "auto": JSON under gunicorn and workers, text under `flask run` or
    # when stderr is a terminal (observability.logs.console_format).
    log_format: str = "auto"

    # --- tuning: no environment variable; tests and benchmarks set them by name -----------
    # Outbound API calls: tries per call, and the first retry's backoff (it doubles).
    client_attempts: int = 3
    client_backoff: float = 0.5
    # Queue mode: Redis key prefix (also the RQ queue's name), and how many of one portal's
    # waiting executions a job takes at once (QuickBooks batches hold 30 items).
    redis_prefix: str = "hubqbo"
    queue_batch_size: int = 30
    # How long a queue worker's command-channel thread blocks in one read; stopping a worker
    # (a burst ending, a warm shutdown) waits up to this long for that thread.
    worker_command_poll_seconds: float = 1.0
    # A pending row younger than this may still be on its way into the queue; the sweep spares it.
    pending_grace_seconds: float = 10.0
    # Callback completions finishing within this window share one HubSpot call.
    callback_window_seconds: float = 1.0
    # How long a request handler may wait for rate budget before answering 429 (longer than a
    # per-second window: only a spent minute answers 429), and how long a worker may wait.
    inline_budget_wait: float = 2.0
    worker_budget_wait: float = 30.0
    # Added to every rate window. A grant counts until a window after its answer (limiters.py),
    # which already covers any delay in transit, so this only absorbs timer granularity: 0.2 s
    # (needed when grants counted from the grant) held bulk runs 14 % under QuickBooks' pace.
    rate_margin_seconds: float = 0.05
    # QuickBooks limits per company (reference: 10/s, 500/min, 40 batch requests/min), and how
    # long every worker stops calling a company after its 429.
    quickbooks_per_second: int = 10
    quickbooks_per_minute: int = 500
    quickbooks_batch_per_minute: int = 40
    quickbooks_pause_seconds: float = 60.0
    # HubSpot's per-portal budget: 100 requests per 10 seconds (the safe floor of reference §7).
    hubspot_per_window: int = 100
    hubspot_window_seconds: float = 10.0
    # How long a QuickBooks company's dropdown options stay cached: short enough that a term or
    # account added in QuickBooks shows up within minutes.
    options_cache_seconds: float = 300.0
    # Status sync (SPEC §10): the inline settler settles once no notification arrived for this
    # long, and an unknown invoice's Create event is looked at again for this long (its booking
    # may not have recorded the link yet) before it is ignored.
    status_quiet_seconds: float = 0.2
    status_create_grace_seconds: float = 120.0
    # Inline mode: how long a batch of HubSpot reads gathers executions that arrive together
    # when no rate budget holds them back anyway (a lone execution never waits).
    gathering_window_seconds: float = 0.005
    # The sandbox's emulator ports (HubSpot, QuickBooks); 0 picks free ports (tests).
    sandbox_ports: tuple[int, int] = (5001, 5002)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (SPEC §2.1)."""
        env = os.environ if env is None else env
        get = env.get
        has_hubspot = bool(get("HUBSPOT_CLIENT_SECRET") or get("HUBSPOT_ACCESS_TOKEN"))
        environment = (get("QUICKBOOKS_ENVIRONMENT") or "production").strip().lower()
        if environment not in QUICKBOOKS_HOSTS:
            raise ConfigError("QUICKBOOKS_ENVIRONMENT must be 'production' or 'sandbox'")
        log_format = (get("LOG_FORMAT") or "auto").strip().lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError("LOG_FORMAT must be 'auto', 'json' or 'text'")
        return cls(
            log_format=log_format,
            database_url=get("DATABASE_URL", ""),
            redis_url=get("REDIS_URL", ""),
            secret_key=get("SECRET_KEY", ""),
            token_encryption_keys=_keys(get("TOKEN_ENCRYPTION_KEYS")),
            public_base_url=(get("PUBLIC_BASE_URL") or cls.public_base_url).rstrip("/"),
            hubspot_client_id=get("HUBSPOT_CLIENT_ID", ""),
            hubspot_client_secret=get("HUBSPOT_CLIENT_SECRET", ""),
            hubspot_app_id=get("HUBSPOT_APP_ID", ""),
            hubspot_developer_api_key=get("HUBSPOT_DEVELOPER_API_KEY", ""),
            hubspot_access_token=get("HUBSPOT_ACCESS_TOKEN", ""),
            hubspot_portal_id=get("HUBSPOT_PORTAL_ID", ""),
            hubspot_api_base=(get("HUBSPOT_API_BASE") or cls.hubspot_api_base).rstrip("/"),
            hubspot_api_version=(get("HUBSPOT_API_VERSION") or cls.hubspot_api_version).strip(),
            hubspot_authorize_url=get("HUBSPOT_AUTHORIZE_URL") or cls.hubspot_authorize_url,
            quickbooks_client_id=get("QUICKBOOKS_CLIENT_ID", ""),
            quickbooks_client_secret=get("QUICKBOOKS_CLIENT_SECRET", ""),
            quickbooks_environment=environment,
            quickbooks_api_base=(
                get("QUICKBOOKS_API_BASE") or QUICKBOOKS_HOSTS[environment]
            ).rstrip("/"),
            quickbooks_authorize_url=get("QUICKBOOKS_AUTHORIZE_URL")
            or cls.quickbooks_authorize_url,
            quickbooks_token_url=get("QUICKBOOKS_TOKEN_URL") or cls.quickbooks_token_url,
            quickbooks_revoke_url=get("QUICKBOOKS_REVOKE_URL") or cls.quickbooks_revoke_url,
            quickbooks_webhook_verifier_token=get("QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN", ""),
            sandbox=_flag(get("SANDBOX"), default=not has_hubspot),
        )

    def replace(self, **changes) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)

    @property
    def queue_mode(self) -> bool:
        """Executions go through RQ when Redis is configured."""
        return bool(self.redis_url)

    def check(self) -> None:
        """Fail fast, naming the first missing secret, unless in sandbox or testing."""
        if self.sandbox or self.testing:
            return
        if not self.secret_key:
            raise ConfigError("SECRET_KEY is required (set it, or SANDBOX=1 to try the sandbox)")
        if not self.token_encryption_keys:
            raise ConfigError(
                "TOKEN_ENCRYPTION_KEYS is required: comma-separated Fernet keys, newest first"
            )
        if not (self.hubspot_client_secret or self.hubspot_access_token):
            raise ConfigError("HUBSPOT_CLIENT_SECRET is required to verify HubSpot's requests")


def setting_names() -> list[str]:
    """Names of all settings (used by docs and tests)."""
    return [f.name for f in fields(Settings)]
