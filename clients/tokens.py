"""Token lifecycle for portals and QuickBooks companies: exchange, refresh, rotation, revoke.

Every call to an OAuth endpoint (HubSpot's and Intuit's token, introspection and revoke URLs)
goes through this module; API calls go through clients.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import update

from clients.hubspot_routes import routes_of
from clients.transport import Unavailable
from failures import ActionFailed
from observability import metrics
from store import Database, Portal, QuickBooksConnection, utcnow
from store.cipher import InvalidToken, TokenCipher

log = logging.getLogger(__name__)

# Refresh this long before expiry so a call never starts with a token about to die.
REFRESH_MARGIN = timedelta(minutes=5)
QUICKBOOKS_SCOPE = "com.intuit.quickbooks.accounting"
# A 401 persisting after a successful refresh this many times in a row needs a person (§8).
MAX_AUTH_REFUSALS = 3


class ReconnectRequired(ActionFailed):
    """The refresh token was refused: a person must authorize again."""

    def __init__(self, message: str, code: str = "QUICKBOOKS_RECONNECT_REQUIRED"):
        super().__init__(code, message)


class AuthorizationRefused(Exception):
    """An OAuth endpoint answered with an RFC 6749 error (invalid_grant, invalid_client...)."""

    def __init__(self, service: str, error: str, description: str = ""):
        super().__init__(f"{service} refused the authorization: {error}")
        self.service = service
        self.error = error or "error"
        self.description = description or ""


def expiry(seconds) -> datetime | None:
    """When a token given ``expires_in`` seconds from now expires."""
    try:
        return utcnow() + timedelta(seconds=int(seconds))
    except (TypeError, ValueError):
        return None


def _fresh(expires_at: datetime | None) -> bool:
    """True when a token is good for longer than the refresh margin."""
    return expires_at is not None and _aware(expires_at) - utcnow() > REFRESH_MARGIN


def _aware(moment: datetime) -> datetime:
    """A naive datetime from the database is UTC (every stored time is)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _RowTokens:
    """Tokens kept encrypted on one row, refreshed under that row's lock."""

    model: type
    access_expiry_column: str
    reconnect_code: str
    service: str
    refusals = 0

    def __init__(self, db: Database, cipher: TokenCipher, row_id: int, settings, row=None):
        self.db = db
        self.cipher = cipher
        self.row_id = row_id
        self.settings = settings
        # The row as the caller just read it (an execution reads its portal and connection
        # anyway): the first call uses it instead of reading it again.
        self._seed = row if row is not None and row.id == row_id else None
        # The token this object last read or got, kept while fresh: a client lives for one
        # execution (or one chunk), so its calls read and decrypt the row once, not per call.
        self._held: tuple[str, datetime | None] | None = None

    def access_token(self) -> str:
        """The stored access token, refreshed first when it is about to expire."""
        if self._held is not None and _fresh(self._held[1]):
            return self._held[0]
        row, self._seed = self._seed, None
        if row is None:
            with self.db.session() as s:
                row = s.get(self.model, self.row_id)
        if row is None:
            raise ReconnectRequired(self.missing_message(), self.reconnect_code)
        token = self._decrypt(row.access_token)
        self.refusals = getattr(row, "auth_refusals", 0)
        expires_at = getattr(row, self.access_expiry_column)
        if token and _fresh(expires_at):
            self._held = (token, expires_at)
            return token
        return self.refresh(token)

    def refresh(self, rejected: str) -> str:
        """Refresh once under the row lock; a token another worker just got is reused.

        Raises ReconnectRequired when the refresh token is refused (the row is marked),
        Unavailable when the token endpoint cannot be reached (the delivery is retried).
        """
        failure: str | None = None
        self._held = self._seed = None
        with self.db.session() as s:
            # An UPDATE first takes the row's write lock on PostgreSQL (held until commit) and
            # the database's on SQLite, so concurrent workers refresh one at a time, each
            # reading the token the previous one stored.
            s.exec(
                update(self.model).where(self.model.id == self.row_id).values(updated_at=utcnow())
            )  # type: ignore[call-overload]
            row = s.get(self.model, self.row_id, populate_existing=True)
            if row is None:
                raise ReconnectRequired(self.missing_message(), self.reconnect_code)
            current = self._decrypt(row.access_token)
            expires_at = getattr(row, self.access_expiry_column)
            if current and current != rejected and _fresh(expires_at):
                self._held = (current, expires_at)
                return current
            refresh_token = self._decrypt(row.refresh_token)
            if not refresh_token:
                failure = "no refresh token is stored"
            else:
                try:
                    token = self.exchange(refresh_token)
                except AuthorizationRefused as refused:
                    if refused.error != "invalid_grant":
                        # invalid_client and friends are the server's configuration, not the
                        # company's authorization: reconnecting would not help.
                        raise ActionFailed(
                            "APP_CREDENTIALS_REFUSED", self.config_message(refused)
                        ) from None
                    failure = "invalid_grant: the refresh token is invalid, expired or revoked"
                else:
                    self.store(row, token)
                    s.add(row)
                    self._held = (token["access_token"], getattr(row, self.access_expiry_column))
                    return token["access_token"]
            self.mark_reconnect(row, failure)
            s.add(row)
        log.warning("token refresh refused for %s %s: %s", self.model.__name__, self.row_id,
                    failure)  # fmt: skip
        metrics.token_refresh_failed(self.reconnect_code)
        raise ReconnectRequired(self.reconnect_message(failure), self.reconnect_code)

    def refresh_now(self) -> str:
        """Exchange the refresh token now, even if the access token is fresh (token upkeep)."""
        with self.db.session() as s:
            row = s.get(self.model, self.row_id)
            current = self._decrypt(row.access_token) if row is not None else ""
        return self.refresh(current)  # naming the current token as refused forces it

    def _decrypt(self, stored: str) -> str:
        """A stored token in clear; a key missing from TOKEN_ENCRYPTION_KEYS is reported."""
        if not stored:
            return ""
        try:
            return self.cipher.decrypt(stored)
        except InvalidToken:
            raise ActionFailed(
                self.reconnect_code,
                f"The stored {self.service} token cannot be decrypted: the key that encrypted "
                "it is no longer in TOKEN_ENCRYPTION_KEYS. Restore the key or reconnect.",
            ) from None

    # subclasses: how to call the token endpoint and what to write back
    def exchange(self, refresh_token: str) -> dict:  # pragma: no cover - abstract
        """Trade the refresh token for new tokens."""
        raise NotImplementedError

    def store(self, row, token: dict) -> None:  # pragma: no cover - abstract
        """Write the new tokens onto the row."""
        raise NotImplementedError

    def mark_reconnect(self, row, reason: str | None) -> None:
        """Record that a person must authorize again."""

    def reconnect_message(self, reason: str | None) -> str:  # pragma: no cover - abstract
        """What the workflow history says when a person must authorize again."""
        raise NotImplementedError

    def missing_message(self) -> str:
        """What the workflow history says when the row is gone."""
        return f"No {self.service} authorization is stored."

    def config_message(self, refused: AuthorizationRefused) -> str:
        """What the workflow history says when the app's own credentials are refused."""
        return (
            f"{self.service} refused the app's client credentials ({refused.error}); "
            "check the client id and secret in the server's settings."
        )


class QuickBooksTokens(_RowTokens):
    """A QuickBooks connection's tokens (Intuit rotates the refresh token)."""

    model = QuickBooksConnection
    access_expiry_column = "access_expires_at"
    reconnect_code = "QUICKBOOKS_RECONNECT_REQUIRED"
    service = "QuickBooks"

    def refused_after_refresh(self, reason: str) -> None:
        """Count a 401 that persisted after a successful refresh (error 120: access removed);
        the third in a row marks the connection and raises ReconnectRequired (SPEC §8)."""
        model = self.model
        with self.db.session() as s:
            s.exec(update(model).where(model.id == self.row_id)
                   .values(auth_refusals=model.auth_refusals + 1))  # type: ignore[call-overload]
            row = s.get(model, self.row_id, populate_existing=True)
            self.refusals = row.auth_refusals if row is not None else 0
            if row is None or row.auth_refusals < MAX_AUTH_REFUSALS:
                return
            self.mark_reconnect(row, reason)
            s.add(row)
        log.warning("QuickBooks connection %s refuses every token: %s", self.row_id, reason)
        metrics.token_refresh_failed(self.reconnect_code)
        raise ReconnectRequired(self.reconnect_message(reason), self.reconnect_code)

    def accepted(self) -> None:
        """A call went through: earlier 401s were a glitch, start counting again."""
        if self.refusals:
            self.refusals = 0
            with self.db.session() as s:
                s.exec(update(self.model).where(self.model.id == self.row_id)
                       .values(auth_refusals=0))  # type: ignore[call-overload]

    def exchange(self, refresh_token: str) -> dict:
        """Intuit's refresh grant with HTTP Basic client auth."""
        with quickbooks_oauth(self.settings) as oauth:
            return _token_call(
                "QuickBooks",
                lambda: oauth.refresh_token(
                    self.settings.quickbooks_token_url, refresh_token=refresh_token
                ),
            )

    def store(self, row: QuickBooksConnection, token: dict) -> None:
        """Keep the rotated refresh token in the same transaction as the access token."""
        apply_quickbooks_tokens(row, token, self.cipher)

    def mark_reconnect(self, row: QuickBooksConnection, reason: str | None) -> None:
        """The connection needs a person to reconnect it."""
        row.status = "reconnect_required"
        row.last_error = reason or ""

    def reconnect_message(self, reason: str | None) -> str:
        """What the workflow history says."""
        return f"QuickBooks refused the stored authorization ({reason}); reconnect the company."

    def missing_message(self) -> str:
        """The connection was removed while an execution ran."""
        return "This QuickBooks company is no longer connected; connect it again."


class HubSpotTokens(_RowTokens):
    """An installed portal's HubSpot tokens (HubSpot keeps the refresh token)."""

    model = Portal
    access_expiry_column = "token_expires_at"
    reconnect_code = "HUBSPOT_NOT_CONNECTED"
    service = "HubSpot"

    def exchange(self, refresh_token: str) -> dict:
        """HubSpot's refresh grant (client credentials in the form body)."""
        with hubspot_oauth(self.settings) as oauth:
            return _token_call(
                "HubSpot",
                lambda: oauth.refresh_token(
                    hubspot_token_url(self.settings), refresh_token=refresh_token
                ),
            )

    def store(self, row: Portal, token: dict) -> None:
        """Save the new token pair."""
        apply_hubspot_tokens(row, token, self.cipher)

    def reconnect_message(self, reason: str | None) -> str:
        """What the workflow history says."""
        return f"HubSpot refused the app's stored authorization ({reason}); reinstall the app."

    def missing_message(self) -> str:
        """The portal never installed the app (or was removed)."""
        return "The app is not installed in this HubSpot account; install it again."


def apply_hubspot_tokens(row: Portal, token: dict, cipher: TokenCipher) -> None:
    """Write a HubSpot token response onto a portal row (encrypted)."""
    row.access_token = cipher.encrypt(token["access_token"])
    if token.get("refresh_token"):
        row.refresh_token = cipher.encrypt(token["refresh_token"])
    row.token_expires_at = expiry(token.get("expires_in", 1800))
    scopes = token.get("scopes") or token.get("scope")
    if scopes:
        row.scopes = " ".join(scopes) if isinstance(scopes, list | tuple) else str(scopes)
    row.updated_at = utcnow()


def apply_quickbooks_tokens(row: QuickBooksConnection, token: dict, cipher: TokenCipher) -> None:
    """Write an Intuit token response onto a connection row (encrypted), clearing any error."""
    row.access_token = cipher.encrypt(token["access_token"])
    if token.get("refresh_token"):
        row.refresh_token = cipher.encrypt(token["refresh_token"])
    row.access_expires_at = expiry(token.get("expires_in", 3600))
    refresh_expiry = expiry(token.get("x_refresh_token_expires_in"))
    if refresh_expiry is not None:
        row.refresh_expires_at = refresh_expiry
    row.status = "connected"
    row.last_error = ""
    row.updated_at = utcnow()


# --- one-off OAuth calls: code exchange, token info, revoke --------------------------------


def exchange_hubspot_code(settings, code: str, redirect_uri: str) -> dict:
    """Trade an install's authorization code for HubSpot tokens."""
    with hubspot_oauth(settings, redirect_uri=redirect_uri) as oauth:
        return _token_call(
            "HubSpot",
            lambda: oauth.fetch_token(
                hubspot_token_url(settings), code=code, grant_type="authorization_code"
            ),
        )


def hubspot_token_info(settings, access_token: str) -> dict:
    """HubSpot's introspection of an access token: hub_id, app_id, hub_domain, scopes, active."""
    url = settings.hubspot_api_base + routes_of(settings).introspect()
    form = {"client_id": settings.hubspot_client_id,
            "client_secret": settings.hubspot_client_secret,
            "token": access_token, "token_type_hint": "access_token"}  # fmt: skip
    try:
        with requests.Session() as http:
            response = http.post(url, data=form, timeout=settings.http_timeout_seconds,
                                 headers={"Accept": "application/json"})  # fmt: skip
    except requests.RequestException as exc:
        raise Unavailable("HubSpot", f"token introspection: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise Unavailable("HubSpot", f"token introspection: HTTP {response.status_code}",
                          response.status_code)  # fmt: skip
    if response.status_code != 200:
        raise AuthorizationRefused("HubSpot", f"token introspection answered "
                                              f"{response.status_code}")  # fmt: skip
    try:
        info = dict(response.json())
    except ValueError:
        raise Unavailable("HubSpot", "token introspection: the answer is not JSON") from None
    if info.get("active") is False:
        raise AuthorizationRefused("HubSpot", "the token is not active")
    return info


def exchange_quickbooks_code(settings, code: str, redirect_uri: str) -> dict:
    """Trade a connect's authorization code for Intuit tokens (one request per code)."""
    with quickbooks_oauth(settings, redirect_uri=redirect_uri) as oauth:
        return _token_call(
            "QuickBooks",
            lambda: oauth.fetch_token(
                settings.quickbooks_token_url, code=code, grant_type="authorization_code"
            ),
        )


def revoke_quickbooks_token(settings, token: str) -> bool:
    """Revoke a refresh (or access) token at Intuit; False when Intuit says it is not valid.

    Raises Unavailable when Intuit cannot be reached, so the caller keeps the connection.
    """
    try:
        with requests.Session() as http:
            response = http.post(
                settings.quickbooks_revoke_url,
                json={"token": token},
                auth=(settings.quickbooks_client_id, settings.quickbooks_client_secret),
                headers={"Accept": "application/json"},
                timeout=settings.http_timeout_seconds,
            )
    except requests.RequestException as exc:
        raise Unavailable("QuickBooks", f"revoke: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise Unavailable("QuickBooks", f"revoke: HTTP {response.status_code}",
                          response.status_code)  # fmt: skip
    return response.status_code == 200


def _token_call(service: str, call) -> dict:
    """Run an Authlib token request, mapping its failures to ours."""
    try:
        return dict(call())
    except OAuthError as exc:
        raise AuthorizationRefused(service, exc.error, exc.description or "") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if 400 <= status < 500:
            raise AuthorizationRefused(service, f"HTTP {status}") from None
        raise Unavailable(service, f"token endpoint: HTTP {status}", status) from None
    except (requests.RequestException, ValueError) as exc:
        raise Unavailable(service, f"token endpoint: {type(exc).__name__}") from None


def quickbooks_oauth(settings, **kwargs) -> OAuth2Session:
    """An OAuth session for Intuit (client_secret_basic, as Intuit's examples use)."""
    return OAuth2Session(
        settings.quickbooks_client_id,
        settings.quickbooks_client_secret,
        token_endpoint_auth_method="client_secret_basic",
        default_timeout=settings.http_timeout_seconds,
        **kwargs,
    )


def hubspot_oauth(settings, **kwargs) -> OAuth2Session:
    """An OAuth session for HubSpot (client credentials in the form body)."""
    return OAuth2Session(
        settings.hubspot_client_id,
        settings.hubspot_client_secret,
        token_endpoint_auth_method="client_secret_post",
        default_timeout=settings.http_timeout_seconds,
        **kwargs,
    )


def hubspot_token_url(settings) -> str:
    """HubSpot's token endpoint (HUBSPOT_API_VERSION) under HUBSPOT_API_BASE."""
    return settings.hubspot_api_base + routes_of(settings).token()
