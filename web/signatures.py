"""HubSpot request signatures (reference §4): v3 HMAC with a 5-minute window, or v2."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

MAX_AGE_MS = 5 * 60 * 1000

# Reference §4.2: only these percent-escapes are decoded in the v3 URI; all else stays as is.
V3_DECODE = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


class SignatureError(Exception):
    """The request is not proven to come from HubSpot."""


def decode_v3_uri(uri: str) -> str:
    """Apply HubSpot's v3 URI-decoding table (case-insensitive escapes)."""
    out, i = [], 0
    while i < len(uri):
        chunk = uri[i : i + 3]
        if chunk[:1] == "%" and chunk.upper() in V3_DECODE:
            out.append(V3_DECODE[chunk.upper()])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def sign_v1(secret: str, body: bytes) -> str:
    """v1: hex SHA-256 of secret + body."""
    return hashlib.sha256(secret.encode() + body).hexdigest()


def sign_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    """v2: hex SHA-256 of secret + method + uri + body."""
    return hashlib.sha256(secret.encode() + method.encode() + uri.encode() + body).hexdigest()


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """v3: base64 HMAC-SHA256 of method + decoded uri + body + timestamp."""
    message = method.encode() + decode_v3_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    headers,
    now_ms: int | None = None,
) -> str:
    """Return the version that verified, or raise SignatureError saying why not."""
    if not secret:
        raise SignatureError("no HubSpot client secret is configured")
    v3 = headers.get("X-HubSpot-Signature-v3")
    if v3:
        stamp = headers.get("X-HubSpot-Request-Timestamp", "")
        if not stamp.isdigit():
            raise SignatureError("X-HubSpot-Request-Timestamp is missing or not a number")
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        if now_ms - int(stamp) > MAX_AGE_MS:
            raise SignatureError("the request timestamp is older than 5 minutes")
        if int(stamp) - now_ms > MAX_AGE_MS:
            raise SignatureError("the request timestamp is in the future")
        if hmac.compare_digest(sign_v3(secret, method, uri, body, stamp), v3):
            return "v3"
        raise SignatureError("X-HubSpot-Signature-v3 does not match")
    v2 = headers.get("X-HubSpot-Signature")
    if v2:
        version = headers.get("X-HubSpot-Signature-Version", "v2").lower()
        if version != "v2":
            raise SignatureError(f"signature version {version} is not accepted here")
        if hmac.compare_digest(sign_v2(secret, method, uri, body), v2.lower()):
            return "v2"
        raise SignatureError("X-HubSpot-Signature does not match")
    raise SignatureError("the request is not signed (no X-HubSpot-Signature-v3 or v2 header)")


def public_uri() -> str:
    """The URL HubSpot called: PUBLIC_BASE_URL + path + the raw query string."""
    base = current_app.extensions["hubqbo"].settings.public_base_url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def hubspot_signed(view: Callable) -> Callable:
    """Refuse a request with 401 unless it carries a valid HubSpot signature."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        settings = current_app.extensions["hubqbo"].settings
        try:
            # get_data is bounded by MAX_CONTENT_LENGTH, so oversized bodies fail with 413 here.
            body = request.get_data(cache=True)
            g.signature_version = verify(
                settings.hubspot_client_secret,
                request.method,
                public_uri(),
                body,
                request.headers,
                now_ms=current_app.config.get("SIGNATURE_NOW_MS"),
            )
        except SignatureError as exc:
            current_app.logger.warning("refused unsigned HubSpot request: %s", exc)
            return {"error": f"invalid HubSpot signature: {exc}"}, 401
        return view(*args, **kwargs)

    return wrapper
