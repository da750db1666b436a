"""Redaction: tokens, authorization headers and configured secrets never reach a log line."""

from __future__ import annotations

import re
import threading
from typing import Any

REDACTED = "[REDACTED]"
_FRESH = r"(?!\s*\[REDACTED\])"  # redacting twice must not eat what the first pass wrote
_KEYS = r"access_token|refresh_token|id_token|client_secret|hapikey|api_key|password|secret"
_VALUE = _FRESH + r"[^\"'\s&,;})\]]+"
_PATTERNS = [
    # Authorization: Bearer x / "Authorization": "Basic x" (header dumps, curl lines)
    (
        re.compile(
            r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)" + _FRESH + r"[^\s\"',}][^\"'\r\n,}]*"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{6,}=*"), r"\1 " + REDACTED),
    # key=value, key: value, "key": "value", 'key': 'value' for the token-bearing keys
    (
        re.compile(rf"(?i)(?<![A-Za-z0-9_])([\"']?)({_KEYS})\1(\s*[:=]\s*)([\"']?)" + _VALUE),
        r"\1\2\1\3\4" + REDACTED,
    ),
    # OAuth authorization codes in query strings and JSON ("code" alone is too common a word)
    (
        re.compile(r"(?i)(?<![A-Za-z0-9_])(code=|[\"']code[\"']\s*:\s*[\"'])" + _VALUE),
        r"\1" + REDACTED,
    ),
    # HubSpot's token-info endpoints put the token in the path (urllib3 logs request lines)
    (re.compile(r"(?i)(/(?:access|refresh)-tokens/)" + _FRESH + r"[^/?#\s\"']+"), r"\1" + REDACTED),
    # bearer tokens that travel without a key: JWT/JWE (Intuit) and HubSpot's refresh tokens
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{16,}(?:\.[A-Za-z0-9_\-]*)*"), REDACTED),
    (re.compile(r"\b(?:pat-)?(?:na|eu|ap)\d-[0-9a-f]{4}-[0-9a-f]{8}-[0-9a-f-]{27}\b"), REDACTED),
]


_secrets_lock = threading.Lock()
_secrets: list[str] = []
_MIN_SECRET = 6  # shorter values would redact ordinary words


def add_secrets(*values: Any) -> None:
    """Make these exact strings (configured secrets) unloggable."""
    fresh = [str(v) for v in values if v and len(str(v)) >= _MIN_SECRET]
    with _secrets_lock:
        for value in fresh:
            if value not in _secrets:
                _secrets.append(value)
        # Longest first, so a secret containing another is replaced whole.
        _secrets.sort(key=len, reverse=True)


def redact(text: str) -> str:
    """The text with tokens, authorization headers and configured secrets replaced."""
    if not text:
        return text
    with _secrets_lock:
        known = list(_secrets)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
