"""OAuth codes, access tokens, refresh tokens and private-app tokens (§5)."""

from __future__ import annotations

import math
import secrets
import threading
import uuid
from dataclasses import dataclass

from emulators.clock import Clock

from .state import Config

ALWAYS_GRANTED = "oauth"  # §5.4: present in every token's scope list


class OAuthError(Exception):
    """An RFC 6749 error with HubSpot's `status` and `message` extras."""

    def __init__(self, error: str, description: str, status: str, http_status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.http_status = http_status

    def as_json(self) -> dict:
        """HubSpot's error body for the OAuth endpoints."""
        return {"error": self.error, "error_description": self.description,
                "status": self.status, "message": self.description,
                "correlationId": str(uuid.uuid4())}


@dataclass
class AuthCode:
    """A single-use authorization code from the consent screen."""

    code: str
    portal_id: int
    scopes: tuple[str, ...]
    redirect_uri: str
    client_id: str
    expires_at: float
    used: bool = False


@dataclass
class RefreshToken:
    """A long-term refresh token; valid until revoked."""

    token: str
    portal_id: int
    scopes: tuple[str, ...]
    client_id: str
    revoked: bool = False


@dataclass
class AccessToken:
    """A bearer token; OAuth ones expire, private-app ones (`static`) do not."""

    token: str
    portal_id: int
    scopes: tuple[str, ...]
    expires_at: float | None
    refresh_token: str | None = None
    static: bool = False
    revoked: bool = False


class TokenStore:
    """Every credential the emulator has issued, checked against the emulated clock."""

    def __init__(self, lock: threading.RLock, clock: Clock, config: Config, client_id: str):
        self._lock = lock
        self._clock = clock
        self._config = config
        self._client_id = client_id
        self._codes: dict[str, AuthCode] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}

    def issue_code(self, portal_id: int, scopes: list[str], redirect_uri: str) -> str:
        """Mint the code the consent screen hands to the redirect URI."""
        code = "na1-" + secrets.token_hex(4) + "-" + str(uuid.uuid4())
        with self._lock:
            self._codes[code] = AuthCode(
                code, portal_id, _with_oauth(scopes), redirect_uri, self._client_id,
                self._clock.now() + self._config.auth_code_ttl)
        return code

    def exchange_code(self, code: str, redirect_uri: str) -> tuple[AccessToken, RefreshToken]:
        """Redeem a code once for a token pair."""
        with self._lock:
            grant = self._codes.get(code)
            if grant is None or grant.used or grant.expires_at <= self._clock.now():
                raise OAuthError("invalid_grant", "auth code not found, expired or already used",
                                 "BAD_AUTH_CODE")
            if redirect_uri != grant.redirect_uri:
                raise OAuthError("invalid_grant",
                                 "redirect_uri does not match the one used to authorize",
                                 "MISMATCH_REDIRECT_URI_AUTH_CODE")
            grant.used = True
            return self.issue_pair(grant.portal_id, list(grant.scopes))

    def issue_pair(self, portal_id: int, scopes: list[str]) -> tuple[AccessToken, RefreshToken]:
        """Mint a refresh token and a first access token for it."""
        with self._lock:
            refresh = RefreshToken("na1-" + str(uuid.uuid4()), portal_id, _with_oauth(scopes),
                                   self._client_id)
            self._refresh[refresh.token] = refresh
            return self._new_access(refresh), refresh

    def refresh(self, token: str) -> tuple[AccessToken, RefreshToken]:
        """A new access token for a live refresh token (HubSpot keeps the refresh token)."""
        with self._lock:
            refresh = self._refresh.get(token)
            if refresh is None or refresh.revoked:
                raise OAuthError("invalid_grant", "refresh token is invalid, expired or revoked",
                                 "BAD_REFRESH_TOKEN")
            return self._new_access(refresh), refresh

    def add_static(self, portal_id: int, token: str, scopes: list[str]) -> None:
        """Register a private-app token that never expires."""
        with self._lock:
            self._access[token] = AccessToken(token, portal_id, tuple(scopes), None, static=True)

    def access(self, token: str) -> AccessToken | None:
        """The access token record (expired ones included), or None when unknown or revoked."""
        with self._lock:
            found = self._access.get(token)
            return None if found is None or found.revoked else found

    def refresh_token(self, token: str) -> RefreshToken | None:
        """The live refresh token record, or None."""
        with self._lock:
            found = self._refresh.get(token)
            return None if found is None or found.revoked else found

    def seconds_left(self, access: AccessToken) -> int | None:
        """Whole seconds until expiry (negative once expired); None for private-app tokens."""
        if access.expires_at is None:
            return None
        return math.ceil(access.expires_at - self._clock.now())

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and the access tokens minted from it) or an access token."""
        with self._lock:
            refresh = self._refresh.get(token)
            if refresh is not None:
                refresh.revoked = True
                for access in self._access.values():
                    if access.refresh_token == token:
                        access.revoked = True
                return True
            access = self._access.get(token)
            if access is not None:
                access.revoked = True
                return True
            return False

    def _new_access(self, refresh: RefreshToken) -> AccessToken:
        # HubSpot's access tokens are opaque strings of up to 512 characters.
        access = AccessToken("CO" + secrets.token_urlsafe(48), refresh.portal_id, refresh.scopes,
                             self._clock.now() + self._config.access_token_ttl, refresh.token)
        self._access[access.token] = access
        return access


def token_response(store: TokenStore, access: AccessToken, refresh: RefreshToken) -> dict:
    """The 2026-03 token endpoint's AccessTokenResponse: token_use is required (§9.2)."""
    return {"token_type": "bearer", "refresh_token": refresh.token, "access_token": access.token,
            "token_use": "access_token", "hub_id": access.portal_id,
            "scopes": list(access.scopes), "expires_in": store.seconds_left(access)}


def _with_oauth(scopes: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([ALWAYS_GRANTED, *scopes]))
