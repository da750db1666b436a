"""Logs: JSON lines for machines, readable lines for a person at a console, per-request
context, and redaction of every secret in both."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import click
from pythonjsonlogger.json import JsonFormatter

from observability.redaction import REDACTED as REDACTED  # callers know it as logs.REDACTED
from observability.redaction import add_secrets, redact

# The fields bound to every line logged while a request or an execution runs.
CONTEXT_FIELDS = ("portal_id", "callback_id", "action", "realm_id", "intuit_tid")
# Terminal colour codes (werkzeug colours its request lines): never part of a log line.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

_context: ContextVar[dict[str, Any]] = ContextVar("hubqbo_log_context", default={})  # noqa: B039


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
    record.msg, record.args = redact(_ANSI.sub("", message)), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    record._hubqbo_redacted = True


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line; the finished line is redacted once more."""

    def format(self, record: logging.LogRecord) -> str:
        """Format as JSON, then redact (covers tracebacks and extra fields)."""
        return redact(super().format(record))


class ReadableFormatter(logging.Formatter):
    """One line a person reads: ``22:14:03 INFO executions: execution 3: created Invoice 145``,
    then the bound context fields; redacted, without terminal escape codes."""

    def format(self, record: logging.LogRecord) -> str:
        """Time, level, short logger name, message, context; a traceback on the lines after."""
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        name = record.name.removeprefix("hubqbo.")
        line = f"{when} {record.levelname} {name}: {record.getMessage()}"
        context = [f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if hasattr(record, k)]
        if context:
            line += "  [" + " ".join(context) + "]"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        return redact(_ANSI.sub("", line))


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


def formatter(fmt: str = "json") -> logging.Formatter:
    """The formatter of one format: "json" (one object per line) or "text" (readable)."""
    if fmt == "text":
        return ReadableFormatter()
    return RedactingJsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
    )


def handler(stream=None, fmt: str = "json") -> logging.Handler:
    """A handler writing redacted lines (JSON or text) with the bound context fields."""
    out = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    out.setFormatter(formatter(fmt))
    out.addFilter(ContextFilter())
    return out


def console_format(setting: str = "auto", stream=None) -> str:
    """"json" or "text" for a LOG_FORMAT setting; "auto" is JSON under gunicorn and the RQ
    worker (log collectors read them), text under `flask run` or when stderr is a terminal."""
    if setting in ("json", "text"):
        return setting
    ctx = click.get_current_context(silent=True)
    command = ctx.command.name if ctx is not None else None
    if command == "worker" or "gunicorn" in sys.modules:
        return "json"
    if command in ("run", "sandbox"):
        return "text"
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


def init_app(app) -> None:
    """Logs on stderr in the configured format, request-scoped context, and the app's secrets
    made unloggable."""
    _install_record_factory()
    runtime = app.extensions["hubqbo"]
    fmt = console_format(runtime.settings.log_format)
    root = logging.getLogger()
    ours = next((h for h in root.handlers if getattr(h, "_hubqbo", False)), None)
    if ours is None:
        ours = handler(fmt=fmt)
        ours._hubqbo = True  # type: ignore[attr-defined]
        root.addHandler(ours)
    elif getattr(ours, "_hubqbo_format", None) != fmt:
        ours.setFormatter(formatter(fmt))  # the last app built in a process decides
    ours._hubqbo_format = fmt  # type: ignore[attr-defined]
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    from flask.logging import default_handler  # Flask's plain-text handler would log twice

    app.logger.removeHandler(default_handler)
    _remember_secrets(runtime.settings)
    runtime.outcome_observers.append(_log_outcome)

    @app.before_request
    def _fresh_context():
        clear()
        _remember_secrets(runtime.settings)  # tests and the sandbox replace settings

    @app.teardown_request
    def _drop_context(_exc=None):
        clear()




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
