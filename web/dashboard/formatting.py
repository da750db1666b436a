"""How the dashboard shows things: times, links into HubSpot, API paths without secrets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from schemas.records import record_type
from web.dashboard.blueprint import bp

HUBSPOT_APP = "https://app.hubspot.com"

# Query parameters and path segments that would carry a credential if a client ever logged one.
_SECRET_PARAM = re.compile(
    r"([?&](?:hapikey|access_token|refresh_token|client_secret|code|token|key)=)[^&#]*", re.I
)
_SECRET_SEGMENT = re.compile(r"(/(?:access-tokens|refresh-tokens|tokens)/)[^/?#]+", re.I)


def hubspot_record_url(portal_id: int, object_type: str, object_id: str) -> str:
    """The record's page in HubSpot (contacts/<portal>/record/<type id>/<id>)."""
    rt = record_type(object_type)
    type_id = rt.type_id if rt else object_type
    return f"{HUBSPOT_APP}/contacts/{portal_id}/record/{type_id}/{object_id}"


def redact_path(path: str) -> str:
    """An API path with anything credential-like replaced by '***'."""
    path = _SECRET_PARAM.sub(r"\1***", path or "")
    return _SECRET_SEGMENT.sub(r"\1***", path)


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """A UTC timestamp to the minute, or a dash."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("relative")
def relative(value: datetime | None, now: datetime | None = None) -> str:
    """'in 3 days', '45 min ago'…"""
    if value is None:
        return "unknown"
    seconds = (value - (now or datetime.now(UTC))).total_seconds()
    future, seconds = seconds >= 0, abs(seconds)
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
            break
    else:
        text = "less than a minute"
    return f"in {text}" if future else f"{text} ago"


@bp.app_template_filter("expired")
def expired(value: datetime | None) -> bool:
    """True when a timestamp is in the past."""
    return value is not None and value <= datetime.now(UTC)


@bp.app_template_global("record_url")
def record_url(execution) -> str:
    """The HubSpot page of an execution's enrolled record."""
    return hubspot_record_url(execution.portal_id, execution.object_type, execution.object_id)


@bp.app_template_filter("columns")
def columns(rows: list[dict]) -> list[str]:
    """The keys of a list of dicts, in first-seen order (a table's header)."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return list(keys)


bp.add_app_template_filter(redact_path, "redact")


@bp.app_template_filter("days_left")
def days_left(value: datetime | None) -> float | None:
    """Days until a timestamp (negative once past), or None when unknown."""
    if value is None:
        return None
    return (value - datetime.now(UTC)).total_seconds() / 86400
