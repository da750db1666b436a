"""The dashboard's view of status sync: statuses, last sync, failures, the reinstall hint."""

from __future__ import annotations

import store
from store import Portal, QuickBooksConnection, portals, utcnow
from store import status as rows
from tests.support.dashboard import seed, sign_in

PORTAL = 1000001
REALM = "9130350000000001"


def _portal(runtime, scopes: str) -> None:
    store.save(runtime.db, Portal(id=PORTAL, name="Demo", scopes=scopes,
                                  token_expires_at=utcnow()))
    store.save(runtime.db, QuickBooksConnection(portal_id=PORTAL, realm_id=REALM))


def test_statuses_show_on_the_list_and_detail(app, runtime, client):
    _portal(runtime, "oauth crm.objects.deals.write crm.schemas.deals.write")
    ex = seed(runtime, PORTAL, realm_id=REALM)
    rows.save_status(runtime.db, rows.InvoiceStatus(
        portal_id=PORTAL, realm_id=REALM, qbo_type="Invoice", qbo_id=ex.qbo_id,
        status="partially_paid", total="100.00", balance="60.00", amount_paid="40.00",
        due_date="2026-12-31", synced_at=utcnow()))
    sign_in(client, PORTAL)
    listing = client.get("/executions").get_data(as_text=True)
    assert "partially paid" in listing
    detail = client.get(f"/executions/{ex.id}").get_data(as_text=True)
    assert 'id="qbo-status">partially paid<' in detail
    assert "balance 60.00" in detail and "due 2026-12-31" in detail


def test_overview_shows_last_sync_and_failures(app, runtime, client):
    _portal(runtime, "oauth crm.objects.deals.write crm.schemas.deals.write")
    rows.save_realm_sync(runtime.db, rows.RealmSync(
        realm_id=REALM, last_synced_at=utcnow(), last_error="QuickBooks 503: unavailable",
        last_error_at=utcnow()))
    sign_in(client, PORTAL)
    page = client.get("/").get_data(as_text=True)
    assert "Status sync failed for company 9130350000000001" in page
    assert "QuickBooks 503: unavailable" in page
    assert "last synced 20" in page


def test_an_old_install_is_told_to_reinstall(app, runtime, client):
    _portal(runtime, "oauth automation crm.objects.deals.read")
    sign_in(client, PORTAL)
    page = client.get("/connections")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "reinstall to enable status sync" in text
    assert "crm.objects.deals.write" in text


def test_install_url_asks_for_the_write_scopes_as_optional(app, client):
    answer = client.get("/oauth/hubspot/install")
    location = answer.headers["Location"]
    assert "optional_scope=crm.objects.deals.write%20crm.schemas.deals.write" in location


def test_the_install_callback_creates_the_deal_properties(world):
    from statussync.properties import NAMES
    from tests.support.oauth import Browser, install

    world.hubspot.add_portal(2000002, name="Other Co")
    answer = install(Browser(world.app.test_client()), 2000002)
    assert answer.status_code == 302
    portal = portals.get_portal(world.runtime.db, 2000002)
    assert "crm.schemas.deals.write" in portal.scopes.split()
    client = world.runtime.hubspot_client(2000002)
    assert set(NAMES) <= client.property_names("deals")
    assert client.property_group("deals", "quickbooks")["label"] == "QuickBooks"
