"""Queue mode on HubSpot's 2026-03 platform: callbacks completed singly and in batch on the
dated callbacks API, and the maintenance loop's daily account-details refresh (SPEC §9)."""

from __future__ import annotations

from datetime import timedelta

import store
from jobs import queue as queue_mode
from store import portals, utcnow
from tests.jobs.test_queue import deal, enrol, queued, row, work  # noqa: F401 - fixture
from tests.support.hubspot_rules import retired, violations


def test_single_and_batch_completions_go_to_the_2026_03_callbacks_api(queued):  # noqa: F811
    enrol(queued, deal(queued, "Alone"), "ap-single")
    work(queued)
    runtime = queued.runtime
    runtime.settings = runtime.settings.replace(
        callback_window_seconds=30)
    for n in range(3):
        enrol(queued, deal(queued, f"Batch {n}"), f"ap-many-{n}")
    work(queued)

    assert all(row(queued, cid).callback_completed
               for cid in ("ap-single", "ap-many-0", "ap-many-1", "ap-many-2"))  # fmt: skip
    completions = {c["callbackId"]: c for c in queued.hubspot.completions}
    assert completions["ap-single"]["via"] == "single"
    assert {completions[f"ap-many-{n}"]["via"] for n in range(3)} == {"batch"}
    assert {c["version"] for c in completions.values()} == {"2026-03"}
    paths = [c["path"] for c in queued.hubspot.calls if "/callbacks/" in c["path"]]
    assert paths == ["/automation/actions/callbacks/2026-03/ap-single/complete",
                     "/automation/actions/callbacks/2026-03/complete"]
    calls = queued.hubspot.calls
    assert retired(calls) == [] and violations(calls) == []


def test_the_maintenance_loop_refreshes_day_old_account_details(queued):  # noqa: F811
    runtime = queued.runtime
    portal = portals.get_portal(runtime.db, queued.portal_id)
    portal.account_synced_at = utcnow() - timedelta(days=1, hours=1)
    store.save(runtime.db, portal)
    queued.portal.time_zone = "Australia/Sydney"
    queued.hubspot.reset_calls()

    maintenance = queue_mode.Maintenance(runtime, runtime.queue)
    maintenance.run_once(force=True)
    maintenance.run_once(force=True)  # a second round within the hour checks nothing

    refreshed = portals.get_portal(runtime.db, queued.portal_id)
    assert refreshed.time_zone == "Australia/Sydney"
    assert [c["path"] for c in queued.hubspot.calls] == ["/account-info/2026-03/details"]
