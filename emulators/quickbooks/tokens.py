"""Intuit's OAuth grants: codes, access tokens and rotating refresh tokens (reference §2)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

CODE_TTL = 600  # authorization codes live ten minutes
ROTATION_GRACE = 24 * 3600  # a rotated refresh token keeps working for a day


class OAuthError(Exception):
    """An OAuth failure: the ``error`` code and the HTTP status to answer with."""

    def __init__(self, error: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


class AuthFailure(Exception):
    """An API call whose bearer token does not authenticate (401) or authorise (403)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Grant:
    """One connection of the app to a company; revoking it kills all its tokens."""

    grant_id: str
    realm_id: str
    revoked: bool = False
    refresh_tokens: list[str] = field(default_factory=list)


@dataclass
class AccessToken:
    """A bearer token for API calls."""

    grant: Grant
    expires_at: float
    expired: bool = False  # forced by the expire_token fault


@dataclass
class RefreshToken:
    """A refresh token; ``superseded_at`` is set once a newer one was issued."""

    grant: Grant
    expires_at: float
    superseded_at: float | None = None


@dataclass
class AuthCode:
    """A single-use authorization code."""

    realm_id: str
    redirect_uri: str
    expires_at: float
    used: bool = False


class TokenAuthority:
    """Mints and checks codes and tokens against the emulator's clock and settings."""

    def __init__(self, client_id: str, client_secret: str, clock, config, lock) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.config = config
        self.refresh_counts: dict[str, int] = {}
        self._lock = lock
        self._codes: dict[str, AuthCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}

    def client_matches(self, client_id: str | None, client_secret: str | None) -> bool:
        """Whether the client credentials are the app's."""
        return (client_id, client_secret) == (self.client_id, self.client_secret)

    def new_code(self, realm_id: str, redirect_uri: str) -> str:
        """Issue an authorization code for a company."""
        code = "AB11" + secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = AuthCode(realm_id, redirect_uri, self.clock.now() + CODE_TTL)
        return code

    def exchange_code(self, code: str, redirect_uri: str | None) -> tuple[str, dict]:
        """Trade a code for a token pair: (realm_id, token response)."""
        with self._lock:
            grant_code = self._codes.get(code or "")
            if grant_code is None or grant_code.used or self.clock.now() > grant_code.expires_at:
                raise OAuthError("invalid_grant")
            if redirect_uri != grant_code.redirect_uri:
                raise OAuthError("invalid_grant", description="redirect_uri does not match")
            grant_code.used = True
            grant = Grant(secrets.token_hex(8), grant_code.realm_id)
            return grant.realm_id, self._mint(grant)

    def refresh(self, token: str) -> tuple[str, dict]:
        """Rotate a refresh token: (realm_id, token response with a new refresh token)."""
        with self._lock:
            record = self._refresh.get(token or "")
            now = self.clock.now()
            if record is None or record.grant.revoked or now > record.expires_at or (
                record.superseded_at is not None and now > record.superseded_at + ROTATION_GRACE
            ):
                raise OAuthError("invalid_grant", description="Incorrect or invalid refresh token")
            grant = record.grant
            realm_id = grant.realm_id
            self.refresh_counts[realm_id] = self.refresh_counts.get(realm_id, 0) + 1
            return realm_id, self._mint(grant)

    def issue(self, realm_id: str) -> dict:
        """A fresh grant and token pair for a company, skipping the browser step."""
        with self._lock:
            return self._mint(Grant(secrets.token_hex(8), realm_id))

    def revoke(self, token: str) -> bool:
        """Revoke the grant a refresh or access token belongs to; False when unknown."""
        with self._lock:
            record = self._refresh.get(token or "") or self._access.get(token or "")
            if record is None:
                return False
            record.grant.revoked = True
            return True

    def authenticate(self, header: str | None, realm_id: str) -> str:
        """Check an ``Authorization`` header for a realm; returns the token or raises."""
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthFailure(401, "Authorization header missing or not a bearer token")
        with self._lock:
            record = self._access.get(token)
            if record is None:
                raise AuthFailure(401, "Token invalid: the access token is not recognised")
            if record.grant.revoked:
                raise AuthFailure(401, "Token revoked")
            if record.expired or self.clock.now() >= record.expires_at:
                raise AuthFailure(401, f"Token expired: {token[:12]}...")
            if record.grant.realm_id != realm_id:
                raise AuthFailure(403, record.grant.realm_id)
        return token

    def expire(self, token: str) -> None:
        """Force an access token to count as expired (the expire_token fault)."""
        with self._lock:
            record = self._access.get(token)
            if record is not None:
                record.expired = True

    def realm_of(self, token: str) -> str | None:
        """The company a refresh or access token belongs to."""
        with self._lock:
            record = self._refresh.get(token or "") or self._access.get(token or "")
            return record.grant.realm_id if record else None

    def _mint(self, grant: Grant) -> dict:
        now = self.clock.now()
        for previous in grant.refresh_tokens:
            record = self._refresh[previous]
            if record.superseded_at is None:
                record.superseded_at = now
        access = "eyJ" + secrets.token_urlsafe(48)
        refresh = "RT1-" + secrets.token_urlsafe(36)
        self._access[access] = AccessToken(grant, now + self.config.access_token_ttl)
        self._refresh[refresh] = RefreshToken(grant, now + self.config.refresh_token_ttl)
        grant.refresh_tokens.append(refresh)
        return {
            "token_type": "bearer",
            "expires_in": int(self.config.access_token_ttl),
            "access_token": access,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": int(self.config.refresh_token_ttl),
        }
