"""How bodies and times look on the wire: Decimal-exact JSON and Intuit's timestamps."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import simplejson

# QBO stamps responses and MetaData in Pacific time (e.g. "2017-09-29T09:17:31.892-07:00").
SERVER_ZONE = ZoneInfo("America/Los_Angeles")
JSON_MIMETYPE = "application/json;charset=UTF-8"


def loads(data: bytes | str) -> Any:
    """Parse JSON keeping every non-integer number as a Decimal."""
    return simplejson.loads(data, use_decimal=True)


def dumps(obj: Any) -> str:
    """Serialise to JSON, writing Decimals as exact JSON numbers."""
    return simplejson.dumps(obj, use_decimal=True, ensure_ascii=False)


def to_bytes(obj: Any) -> bytes:
    """Serialise to UTF-8 JSON bytes."""
    return dumps(obj).encode("utf-8")


def server_time(epoch: float) -> datetime:
    """The emulated instant as an aware datetime in the server zone."""
    return datetime.fromtimestamp(epoch, SERVER_ZONE)


def timestamp(epoch: float) -> str:
    """An ISO-8601 stamp with milliseconds and offset, as in the ``time`` field."""
    return server_time(epoch).isoformat(timespec="milliseconds")


def meta_time(epoch: float) -> str:
    """An ISO-8601 stamp with seconds and offset, as in MetaData times."""
    return server_time(epoch).isoformat(timespec="seconds")


def epoch_millis(epoch: float) -> int:
    """Milliseconds since the epoch, as the lower-case auth envelope writes ``time``."""
    return int(epoch * 1000)


def decimal(value: Any) -> Decimal:
    """A JSON number or numeric string as a Decimal (bools are not numbers)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))
