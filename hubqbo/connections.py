"""Token lifecycle for portals and QuickBooks companies: refresh, rotation, reconnect."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import update

from hubqbo.failures import ActionFailed
from hubqbo.store import Database, Portal, QuickBooksConnection, utcnow
from hubqbo.tokens import TokenCipher

log = logging.getLogger(__name__)

# Refresh this long before expiry so a call never starts with a token about to die.
REFRESH_MARGIN = timedelta(minutes=5)


class ReconnectRequired(ActionFailed):
    """The refresh token was refused: a person must authorize again."""

    def __init__(self, message: str, code: str = "QUICKBOOKS_RECONNECT_REQUIRED"):
        super().__init__(code, message)


def expiry(seconds) -> datetime | None:
    """When a token given ``expires_in`` seconds from now expires."""
    try:
        return utcnow() + timedelta(seconds=int(seconds))
    except (TypeError, ValueError):
        return None


def _fresh(expires_at: datetime | None) -> bool:
    """True when a token is good for longer than the refresh margin."""
    return expires_at is not None and expires_at - utcnow() > REFRESH_MARGIN


class _RowTokens:
    """Tokens kept encrypted on one row, refreshed under that row's lock."""

    model: type
    access_expiry_column: str
    reconnect_code: str

    def __init__(self, db: Database, cipher: TokenCipher, row_id: int):
        self.db = db
        self.cipher = cipher
        self.row_id = row_id

    def access_token(self) -> str:
        """The stored access token, refreshed first when it is about to expire."""
        with self.db.session() as s:
            row = s.get(self.model, self.row_id)
            token = self.cipher.decrypt(row.access_token) if row.access_token else ""
            if token and _fresh(getattr(row, self.access_expiry_column)):
                return token
        return self.refresh(token)

    def refresh(self, rejected: str) -> str:
        """Refresh once under the row lock; a token another worker just got is reused."""
        failure: str | None = None
        with self.db.session() as s:
            # An UPDATE first takes the row's write lock on PostgreSQL and the database's on
            # SQLite, so concurrent workers refresh one at a time with the latest token.
            s.exec(
                update(self.model)
                .where(self.model.id == self.row_id)
                .values(updated_at=utcnow())
            )  # type: ignore[call-overload]
            row = s.get(self.model, self.row_id, populate_existing=True)
            current = self.cipher.decrypt(row.access_token) if row.access_token else ""
            if current and current != rejected and _fresh(getattr(row, self.access_expiry_column)):
                return current
            if not row.refresh_token:
                failure = "no refresh token is stored"
            else:
                try:
                    token = self.exchange(self.cipher.decrypt(row.refresh_token))
                except OAuthError as exc:
                    failure = f"refresh refused ({exc.error})"
                    token = None
                if token is not None:
                    self.store(row, token)
                    s.add(row)
                    return token["access_token"]
            self.mark_reconnect(row, failure)
            s.add(row)
        log.warning("token refresh failed for %s %s: %s", self.model.__name__, self.row_id, failure)
        raise ReconnectRequired(self.reconnect_message(failure), self.reconnect_code)

    # subclasses: how to call the token endpoint and what to write back
    def exchange(self, refresh_token: str) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def store(self, row, token: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def mark_reconnect(self, row, reason: str | None) -> None:
        """Record that a person must authorize again."""

    def reconnect_message(self, reason: str | None) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class QuickBooksTokens(_RowTokens):
    """A QuickBooks connection's tokens (Intuit rotates the refresh token)."""

    model = QuickBooksConnection
    access_expiry_column = "access_expires_at"
    reconnect_code = "QUICKBOOKS_RECONNECT_REQUIRED"

    def __init__(self, db: Database, cipher: TokenCipher, row_id: int, settings):
        super().__init__(db, cipher, row_id)
        self.settings = settings

    def exchange(self, refresh_token: str) -> dict:
        """Intuit's refresh grant with HTTP Basic client auth."""
        return quickbooks_oauth(self.settings).refresh_token(
            self.settings.quickbooks_token_url, refresh_token=refresh_token
        )

    def store(self, row: QuickBooksConnection, token: dict) -> None:
        """Keep the rotated refresh token in the same transaction as the access token."""
        row.access_token = self.cipher.encrypt(token["access_token"])
        if token.get("refresh_token"):
            row.refresh_token = self.cipher.encrypt(token["refresh_token"])
        row.access_expires_at = expiry(token.get("expires_in", 3600))
        row.refresh_expires_at = expiry(token.get("x_refresh_token_expires_in"))
        row.status = "connected"
        row.last_error = ""

    def mark_reconnect(self, row: QuickBooksConnection, reason: str | None) -> None:
        """The connection needs a person to reconnect it."""
        row.status = "reconnect_required"
        row.last_error = reason or ""

    def reconnect_message(self, reason: str | None) -> str:
        """What the workflow history says."""
        return f"QuickBooks refused the stored authorization ({reason}); reconnect the company."


class HubSpotTokens(_RowTokens):
    """An installed portal's HubSpot tokens."""

    model = Portal
    access_expiry_column = "token_expires_at"
    reconnect_code = "HUBSPOT_NOT_CONNECTED"

    def __init__(self, db: Database, cipher: TokenCipher, row_id: int, settings):
        super().__init__(db, cipher, row_id)
        self.settings = settings

    def exchange(self, refresh_token: str) -> dict:
        """HubSpot's refresh grant (client credentials in the form body)."""
        return hubspot_oauth(self.settings).refresh_token(
            hubspot_token_url(self.settings), refresh_token=refresh_token
        )

    def store(self, row: Portal, token: dict) -> None:
        """Save the new token pair."""
        row.access_token = self.cipher.encrypt(token["access_token"])
        if token.get("refresh_token"):
            row.refresh_token = self.cipher.encrypt(token["refresh_token"])
        row.token_expires_at = expiry(token.get("expires_in", 1800))

    def reconnect_message(self, reason: str | None) -> str:
        """What the workflow history says."""
        return f"HubSpot refused the app's stored authorization ({reason}); reinstall the app."


def quickbooks_oauth(settings, **kwargs) -> OAuth2Session:
    """An OAuth session for Intuit (client_secret_basic, as Intuit's examples use)."""
    return OAuth2Session(
        settings.quickbooks_client_id,
        settings.quickbooks_client_secret,
        token_endpoint_auth_method="client_secret_basic",
        scope="com.intuit.quickbooks.accounting",
        timeout=settings.http_timeout_seconds,
        **kwargs,
    )


def hubspot_oauth(settings, **kwargs) -> OAuth2Session:
    """An OAuth session for HubSpot (client credentials in the form body)."""
    return OAuth2Session(
        settings.hubspot_client_id,
        settings.hubspot_client_secret,
        token_endpoint_auth_method="client_secret_post",
        scope=" ".join(settings.hubspot_scopes),
        timeout=settings.http_timeout_seconds,
        **kwargs,
    )


def hubspot_token_url(settings) -> str:
    """HubSpot's token endpoint under HUBSPOT_API_BASE."""
    return f"{settings.hubspot_api_base}/oauth/v1/token"
