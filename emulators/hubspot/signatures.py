"""HubSpot's request signatures as the sender computes them: v1, v2 and v3 (§4.2).

The emulator is HubSpot, so this is its own implementation, not the product's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# §4.2 v3 step 2: the only sequences decoded in the URI before signing.
V3_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
              "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


def sign_v1(secret: str, body: str) -> str:
    """Hex SHA-256 of client secret + body."""
    return hashlib.sha256((secret + body).encode("utf-8")).hexdigest()


def sign_v2(secret: str, method: str, uri: str, body: str) -> str:
    """Hex SHA-256 of client secret + method + URI + body."""
    return hashlib.sha256((secret + method + uri + body).encode("utf-8")).hexdigest()


def v3_uri(uri: str) -> str:
    """The URI with HubSpot's short list of percent-sequences decoded (case-insensitively)."""
    out, i = [], 0
    while i < len(uri):
        chunk = uri[i:i + 3].upper()
        if chunk in V3_DECODED:
            out.append(V3_DECODED[chunk])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def sign_v3(secret: str, method: str, uri: str, body: str, timestamp: str | int) -> str:
    """Base64 HMAC-SHA256 (key = client secret) of method + URI + body + timestamp (ms)."""
    message = (method + v3_uri(uri) + body + str(timestamp)).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_headers(version: str, secret: str, method: str, uri: str, body: str,
                      timestamp_ms: int) -> dict[str, str]:
    """The headers HubSpot attaches for a signature version: v1, v2, v3, "both" or "none"."""
    headers: dict[str, str] = {}
    if version in ("v1", "v2"):
        sign = sign_v1(secret, body) if version == "v1" else sign_v2(secret, method, uri, body)
        headers.update({"X-HubSpot-Signature": sign, "X-HubSpot-Signature-Version": version})
    elif version in ("v3", "both"):
        headers.update({"X-HubSpot-Signature-v3": sign_v3(secret, method, uri, body, timestamp_ms),
                        "X-HubSpot-Request-Timestamp": str(timestamp_ms)})
        if version == "both":
            # The validation page says older versions ride along for backward compatibility.
            headers.update({"X-HubSpot-Signature": sign_v2(secret, method, uri, body),
                            "X-HubSpot-Signature-Version": "v2"})
    elif version != "none":
        raise ValueError(f"unknown signature version {version!r}")
    return headers
