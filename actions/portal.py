"""The enrolled portal's account details (currency, time zone, UI domain) and HubSpot dates
on the portal's local day (SPEC §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store import portals


def portal_of(ctx):
    """The Portal row (account details: currency, time zone, UI domain), read once per ctx."""
    if not hasattr(ctx, "portal"):
        db = getattr(ctx, "db", None)
        ctx.portal = portals.get_portal(db, ctx.portal_id) if db is not None else None
    return ctx.portal


MIDNIGHT = time(0, 0)


def portal_zone(portal) -> ZoneInfo | None:
    """The portal's time zone (None when unknown or not a zone name)."""
    name = str(getattr(portal, "time_zone", "") or "").strip()
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def as_date(value, zone: ZoneInfo | None = None) -> date | None:
    """A HubSpot date property as a date: date-only values as they are; datetimes (epoch ms,
    ISO with a time) on the portal's local day in ``zone`` (UTC when unknown)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        if moment.astimezone(UTC).time() == MIDNIGHT:
            # HubSpot sends `date` properties as midnight UTC: that is a date, not a moment.
            return moment.astimezone(UTC).date()
        return moment.astimezone(zone or UTC).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text.isdigit():
        return as_date(datetime.fromtimestamp(int(text) / 1000, tz=UTC), zone)
    if len(text) > 10 and text[10] in "Tt ":
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        return as_date(moment, zone)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
