"""HubSpot dates and datetimes as QuickBooks dates in the portal's time zone (SPEC §7)."""

from datetime import date
from zoneinfo import ZoneInfo

from actions.portal import as_date

PACIFIC = ZoneInfo("America/Los_Angeles")


def test_a_late_evening_pacific_moment_is_booked_on_its_local_day():
    # 2026-06-30 20:00 PDT is 2026-07-01 03:00 UTC.
    assert as_date("1782874800000", PACIFIC) == date(2026, 6, 30)
    assert as_date("2026-07-01T03:00:00Z", PACIFIC) == date(2026, 6, 30)


def test_hubspot_date_properties_at_utc_midnight_stay_on_their_day():
    # HubSpot sends `date` properties as midnight UTC; in Pacific time that is the day before.
    assert as_date("1767225600000", PACIFIC) == date(2026, 1, 1)
    assert as_date("2026-01-01", PACIFIC) == date(2026, 1, 1)


def test_without_a_time_zone_moments_are_read_in_utc():
    assert as_date("1782874800000") == date(2026, 7, 1)
    assert as_date("") is None and as_date("not a date") is None
