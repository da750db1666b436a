"""Structured JSON logs with per-request context, and redaction of every secret."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# The fields bound to every line logged while a request or an execution runs.
CONTEXT_FIELDS = ("portal_id", "callback_id", "action", "realm_id", "intuit_tid")
REDACTED = "[REDACTED]"
_FRESH = r"(?!\s*\[REDACTED\])"  # redacting twice must not eat what the first pass wrote

_context: ContextVar[dict[str, Any]] = ContextVar("hubqbo_log_context", default={})  # noqa: B039

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


# --- context -----------------------------------------------------------------------------


def bind(**fields: Any) -> None:
    """Bind fields to every later log line of this request or execution (None unbinds)."""
    current = dict(_context.get())
    for key, value in fields.items():
        if value is None or value == "":
            current.pop(key, None)
        else:
            current[key] = value
    _context.set(current)


def clear() -> None:
    """Forget every bound field (a new request or job starts)."""
    _context.set({})


def bound() -> dict[str, Any]:
    """The fields bound right now."""
    return dict(_context.get())


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """Bind fields for a block (a queue job) and restore the previous ones after."""
    token = _context.set({})
    try:
        bind(**fields)
        yield
    finally:
        _context.reset(token)


# --- records, filter, formatter -----------------------------------------------------------


class ContextFilter(logging.Filter):
    """Adds the bound fields to a record and redacts its message and extra values."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Enrich and clean the record; never drops it."""
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        _redact_record(record)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", *CONTEXT_FIELDS}


def _redact_record(record: logging.LogRecord) -> None:
    """Freeze the message (and traceback) as redacted text, once."""
    if getattr(record, "_hubqbo_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: let the handler report it as usual
        return
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    record._hubqbo_redacted = True


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line; the finished line is redacted once more."""

    def format(self, record: logging.LogRecord) -> str:
        """Format as JSON, then redact (covers tracebacks and extra fields)."""
        return redact(super().format(record))


def _install_record_factory() -> None:
    """Redact every record when it is created, so every handler (ours, gunicorn's, pytest's)
    only ever sees clean text."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_hubqbo", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    factory._hubqbo = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        """The current sys.stderr."""
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def handler(stream=None) -> logging.Handler:
    """A handler writing redacted JSON lines with the bound context fields."""
    out = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    out.setFormatter(
        RedactingJsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
        )
    )
    out.addFilter(ContextFilter())
    return out


def configure(app) -> None:
    """JSON logs on stderr, request-scoped context, and the app's secrets made unloggable."""
    _install_record_factory()
    root = logging.getLogger()
    if not any(getattr(h, "_hubqbo", False) for h in root.handlers):
        ours = handler()
        ours._hubqbo = True  # type: ignore[attr-defined]
        root.addHandler(ours)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    from flask.logging import default_handler  # Flask's plain-text handler would log twice

    app.logger.removeHandler(default_handler)
    runtime = app.extensions["hubqbo"]
    _remember_secrets(runtime.settings)
    runtime.outcome_observers.append(_log_outcome)

    @app.before_request
    def _fresh_context():
        clear()
        _remember_secrets(runtime.settings)  # tests and the sandbox replace settings

    @app.teardown_request
    def _drop_context(_exc=None):
        clear()


init_app = configure  # wiring by the name create_app calls every part by


def _remember_secrets(settings) -> None:
    """Every configured secret value."""
    add_secrets(
        settings.secret_key,
        settings.hubspot_client_secret,
        settings.hubspot_developer_api_key,
        settings.hubspot_access_token,
        settings.quickbooks_client_secret,
        *settings.token_encryption_keys,
    )


_outcome_log = logging.getLogger("hubqbo.executions")


def _log_outcome(execution, outcome) -> None:
    """One line per finished execution."""
    level = logging.WARNING if outcome.result == "failed" else logging.INFO
    _outcome_log.log(
        level,
        "execution %s: %s %s%s",
        execution.id,
        outcome.result,
        outcome.qbo_type or "",
        f" {outcome.qbo_id}" if outcome.qbo_id else f" {outcome.error_code}",
        extra={"result": outcome.result, "error_code": outcome.error_code or None},
    )
