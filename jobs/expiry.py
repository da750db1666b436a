"""How long HubSpot waits for a queued execution's callback, and when retrying must stop.

The BLOCK answer names the wait (``hs_expiration_duration``, ISO-8601); the delivery keeps it
on the row, so every worker process bounds that execution's retries by the same deadline.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from executions.ledger import EXPIRATION_KEY
from store import Execution, utcnow

_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
# Finish this long before HubSpot gives up, so the FAIL_CONTINUE callback still lands.
MAX_MARGIN = timedelta(minutes=5)


def seconds(duration: str) -> float:
    """An ISO-8601 duration of days/hours/minutes/seconds ("P1D", "PT30M") in seconds."""
    match = _DURATION.match(duration or "")
    if not match or duration in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration: {duration!r}")
    d, h, m, s = (int(match.group(k) or 0) for k in "dhms")
    return float(((d * 24 + h) * 60 + m) * 60 + s)


def deadline(row: Execution) -> datetime | None:
    """When retrying this queued execution must have stopped; None when it was not BLOCKed."""
    duration = (row.trace or {}).get(EXPIRATION_KEY)
    if not duration:
        return None
    span = timedelta(seconds=seconds(duration))
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(
        tzinfo=utcnow().tzinfo)
    return created + span - min(MAX_MARGIN, span / 10)


def outlived(row: Execution, retry_after: float) -> bool:
    """True when a retry in ``retry_after`` seconds would come after the callback expired."""
    end = deadline(row)
    return end is not None and utcnow() + timedelta(seconds=retry_after) >= end
