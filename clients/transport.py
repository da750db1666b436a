"""What both API clients share: token sources, call recording, bounded retries."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

import requests
import simplejson
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from observability import logs


class TokenSource(Protocol):
    """Gives a client a valid access token and refreshes it when the API rejects it."""

    def access_token(self) -> str:
        """A current access token (refreshed ahead of expiry)."""

    def refresh(self, rejected: str) -> str:
        """A new token after ``rejected`` was refused; raises when reconnecting is needed."""


class StaticToken:
    """A token that never changes (HubSpot private/static apps)."""

    def __init__(self, token: str):
        self._token = token

    def access_token(self) -> str:
        """The static token."""
        return self._token

    def refresh(self, rejected: str) -> str:
        """Static tokens cannot be refreshed; the same one is tried again."""
        return self._token


class Unavailable(Exception):
    """The API did not answer usefully (5xx, timeout, connection error) after retries."""

    def __init__(self, service: str, message: str, status: int = 0):
        super().__init__(f"{service} unavailable: {message}")
        self.service = service
        self.status = status


class _Retryable(Exception):
    """Internal: one attempt failed in a way another attempt may fix."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


def dumps(body: Any) -> str:
    """JSON with Decimals written as exact numbers."""
    return simplejson.dumps(body, use_decimal=True)


def loads(text: str) -> Any:
    """JSON with numbers read as Decimal, never float."""
    return simplejson.loads(text, use_decimal=True)


OnCall = Callable[..., None]
BeforeRequest = Callable[[], None]


class Transport:
    """A requests Session with explicit timeouts, bounded retries and call recording."""

    def __init__(
        self,
        service: str,
        *,
        timeout: float,
        session: requests.Session | None = None,
        on_call: OnCall | None = None,
        before_request: BeforeRequest | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
    ):
        self.service = service
        self.timeout = timeout
        self.session = session or requests.Session()
        self.on_call = on_call
        self.before_request = before_request
        self.attempts = max(1, attempts)
        self.backoff = backoff

    def send(self, method: str, url: str, *, log_path: str, **kwargs) -> requests.Response:
        """Send with retries on 5xx, timeouts and dropped connections; other answers return."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=8),
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, url, log_path=log_path, **kwargs)
        except _Retryable as exc:
            raise Unavailable(self.service, str(exc), exc.status) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, *, log_path: str, **kwargs) -> requests.Response:
        """One attempt, recorded whatever happens."""
        if self.before_request is not None:
            self.before_request()
        started = time.monotonic()
        status, tid = 0, ""
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            status = response.status_code
            tid = response.headers.get("intuit_tid", "")
            logs.bind(intuit_tid=tid or None)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(f"{type(exc).__name__} on {method} {log_path}") from None
        finally:
            if self.on_call is not None:
                self.on_call(
                    service=self.service,
                    method=method,
                    path=log_path,
                    status=status,
                    duration_ms=round((time.monotonic() - started) * 1000),
                    intuit_tid=tid,
                )
        if status >= 500:
            raise _Retryable(f"HTTP {status} on {method} {log_path}", status)
        return response


def money(value: Any) -> Decimal:
    """A Decimal from an API amount (Decimal, int or string)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))
