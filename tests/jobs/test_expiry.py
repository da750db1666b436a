"""The BLOCK expiration bounds queued retries (jobs/expiry.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs import expiry
from store import Execution, utcnow


@pytest.mark.parametrize("duration, seconds", [
    ("P1D", 86400), ("PT40S", 40), ("PT30M", 1800), ("P1DT2H3M4S", 93784), ("P3D", 259200),
])  # fmt: skip
def test_iso_durations(duration, seconds):
    assert expiry.seconds(duration) == seconds


@pytest.mark.parametrize("bad", ["", "P", "PT", "1D", "P1W", "PT1.5S"])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValueError):
        expiry.seconds(bad)


def test_a_retry_after_the_deadline_has_outlived_the_callback():
    row = Execution(portal_id=1, callback_id="cb", action="a", object_type="deals", object_id="1",
                    payload={}, inputs={}, trace={expiry.EXPIRATION_KEY: "P1D"},
                    created_at=utcnow() - timedelta(hours=23))  # fmt: skip
    # A day's callback keeps a margin of 5 minutes before HubSpot gives up.
    assert not expiry.outlived(row, 30 * 60)
    assert expiry.outlived(row, 56 * 60)
    inline = Execution(portal_id=1, callback_id="cb2", action="a", object_type="deals",
                       object_id="1", payload={}, inputs={}, trace={})
    assert not expiry.outlived(inline, 10**9)  # not BLOCKed: HubSpot retries it itself
