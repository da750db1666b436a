"""HubSpot's 2026-03 platform (SPEC §9): every call the product makes is on the dated APIs,
association lists are read to the end, account details are read at install and kept fresh,
and publish-actions authenticates as the 2026-03 definitions API documents."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

import store
from accounts import details
from clients.hubspot import HubSpotClient
from clients.hubspot_routes import RETIRED_PREFIXES, HubSpotRoutes
from clients.tokens import HubSpotTokens
from clients.transport import StaticToken
from emulators.hubspot.seed import seed_demo
from settings import Settings
from store import portals, utcnow
from tests.support.crm import contact, hubspot_calls, line, make_deal, outputs, reset_calls
from tests.support.hubspot_rules import retired, violations
from tests.support.oauth import Browser, install
from tests.support.paths import REPO
from tests.support.world import US_REALM

NEW_PORTAL = 2000002
ACTION_RECORDS = [
    ("create-invoice", ("DEAL", "deals", "basic")),
    ("create-estimate", ("QUOTE", "quotes", "accepted")),
    ("create-sales-receipt", ("DEAL", "deals", "basic")),
    ("create-paid-invoice", ("COMMERCE_PAYMENT", "payments", "invoice")),
    ("create-fee-expense", ("COMMERCE_PAYMENT", "payments", "checkout")),
    ("create-refund-receipt", ("COMMERCE_PAYMENT", "payments", "refunded")),
]


@pytest.fixture
def demo(hubspot):
    """The demo portal's records (seeded before the world installs the portal)."""
    return seed_demo(hubspot)


def all_calls(world) -> list[dict]:
    """Every HubSpot API call the emulator received (CRM, OAuth, account, automation)."""
    return [c for c in world.hubspot.calls if not c["path"].startswith("/_emulator")]


def test_every_hubspot_call_the_product_makes_is_on_2026_03(demo, world, app, runtime,
                                                              post_signed):
    world.hubspot.add_portal(NEW_PORTAL, name="New Co")
    company = world.connect_company(US_REALM)
    world.hubspot.reset_calls()

    # The install: code exchange, introspection, account details.
    assert install(Browser(app.test_client()), NEW_PORTAL).status_code == 302
    # Every action, inline.
    accounts = {a["Name"]: a["Id"] for a in company.entities("Account")}
    inputs = {"quickbooks_company": US_REALM, "payment_account": accounts["Checking"],
              "expense_account": accounts["Merchant Fees"],
              "refund_from_account": accounts["Checking"]}  # fmt: skip
    from actions import ACTIONS

    for slug, (enum, roles, role) in ACTION_RECORDS:
        wanted = {f.name for f in ACTIONS[slug].fields}
        answer = world.execute(slug, enum, demo[roles][role],
                               {k: v for k, v in inputs.items() if k in wanted})  # fmt: skip
        assert answer.status_code == 200, answer.get_data(True)
    # Options (answered from QuickBooks; no HubSpot call, but part of what HubSpot calls us for).
    options = post_signed("/hubspot/options/quickbooks_company", {
        "origin": {"portalId": world.portal_id, "actionDefinitionId": 7,
                   "actionDefinitionVersion": 1},
        "objectTypeId": "0-3", "inputFieldName": "quickbooks_company", "inputFields": {}})
    assert options.status_code == 200
    # A token refresh.
    portal = portals.get_portal(runtime.db, NEW_PORTAL)
    portal.token_expires_at = utcnow()
    portal.account_synced_at = utcnow() - timedelta(days=2)
    store.save(runtime.db, portal)
    HubSpotTokens(runtime.db, runtime.cipher, NEW_PORTAL, runtime.settings).access_token()
    # The daily account-details refresh (the CLI cron runs in inline mode).
    cli = app.test_cli_runner()
    refreshed = cli.invoke(args=["hubspot", "refresh-accounts"])
    assert refreshed.exit_code == 0, refreshed.output
    # Publishing the definitions.
    runtime.settings = runtime.settings.replace(hubspot_app_id="424242",
                                                hubspot_developer_api_key="dev-key")
    published = cli.invoke(args=["hubspot", "publish-actions"])
    assert published.exit_code == 0, published.output

    calls = world.hubspot.calls
    assert retired(calls) == []
    assert violations(calls) == []
    seen = {(c["method"], c["path"].split("/2026-03")[0] + "/2026-03") for c in calls}
    for expected in [("POST", "/oauth/2026-03"), ("GET", "/crm/objects/2026-03"),
                     ("POST", "/crm/objects/2026-03"), ("GET", "/account-info/2026-03"),
                     ("GET", "/automation/actions/2026-03"),
                     ("POST", "/automation/actions/2026-03")]:  # fmt: skip
        assert expected in seen, expected
    paths = {c["path"] for c in calls}
    assert {"/oauth/2026-03/token", "/oauth/2026-03/token/introspect",
            "/account-info/2026-03/details"} <= paths


def test_a_deal_with_150_line_items_is_booked_with_all_150_lines(world):
    qbo = world.connect_company(US_REALM)
    # 150 HubSpot line items (one QuickBooks item, so every line finds it by SKU).
    lines = [line("Consulting", "2.00", sku="CONS-H", description=f"Hour {n}") for n in range(150)]
    deal = make_deal(world, lines, contact(world))
    reset_calls(world)
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created", out
    [invoice] = qbo.entities("Invoice")
    sales = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert len(sales) == 150
    assert {ln["Description"] for ln in sales} == {f"Hour {n}" for n in range(150)}
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("300.00")
    calls = hubspot_calls(world)
    assert retired(calls) == []
    # The object read lists 100 ids and a `paging`: the rest come from the association list.
    assert any(c["path"] == f"/crm/objects/2026-03/deals/{deal}/associations/line_items"
               for c in calls)  # fmt: skip
    batches = [c for c in calls if c["path"] == "/crm/objects/2026-03/line_items/batch/read"]
    assert [len(c["json"]["inputs"]) for c in batches] == [100, 50]


def test_batch_association_reads_follow_each_records_paging(world):
    portal = world.portal
    big = portal.create("deals", {"dealname": "big"})
    small = portal.create("deals", {"dealname": "small"})
    for _ in range(1203):
        portal.associate("deals", big, "line_items", portal.create("line_items", {}))
    portal.associate("deals", small, "line_items", portal.create("line_items", {}))
    client = world.runtime.hubspot_client(world.portal_id)
    reset_calls(world)
    found = client.batch_associations("deals", "line_items", [big, small, "404"])
    assert len(found[big]) == 1203 and len({a["toObjectId"] for a in found[big]}) == 1203
    assert len(found[small]) == 1 and found["404"] == []
    bodies = [c["json"]["inputs"] for c in hubspot_calls(world)]
    assert bodies[0] == [{"id": big}, {"id": small}, {"id": "404"}]
    assert [sorted(i) for body in bodies[1:] for i in body] == [["after", "id"]] * 2
    assert violations(hubspot_calls(world)) == []
    listed = client.associations("deals", big, "line_items")
    assert len(listed) == 1203


def test_the_api_version_is_named_in_one_setting():
    assert Settings.from_env({}).hubspot_api_version == "2026-03"
    later = Settings.from_env({"HUBSPOT_API_VERSION": "2026-09"}).hubspot_api_version
    routes = HubSpotRoutes(later)
    paths = [routes.object("deals", 1), routes.batch_read("deals"),
             routes.associations("deals", 1, "line_items"),
             routes.batch_associations("deals", "line_items"), routes.callback("ap-1"),
             routes.callbacks(), routes.definitions(42), routes.token(), routes.introspect(),
             routes.revoke(), routes.account_details()]  # fmt: skip
    assert all("/2026-09/" in p or p.endswith("/2026-09") for p in paths), paths
    assert not any(p.startswith(RETIRED_PREFIXES) for p in paths)


def test_a_client_on_another_version_calls_that_version(world):
    token = world.hubspot.issue_tokens(world.portal_id)["access_token"]
    client = HubSpotClient(world.hubspot.url, StaticToken(token), version="2026-09", attempts=1)
    reset_calls(world)
    with pytest.raises(Exception):  # noqa: B017 - the emulator serves 2026-03 only
        client.account_details()
    assert [c["path"] for c in all_calls(world)] == ["/account-info/2026-09/details"]


# --- account details ----------------------------------------------------------------------


def test_install_reads_the_account_details(world, app):
    world.hubspot.add_portal(NEW_PORTAL, name="New Co", currency="EUR")
    world.hubspot.portal(NEW_PORTAL).time_zone = "Europe/Berlin"
    world.hubspot.portal(NEW_PORTAL).ui_domain = "app-eu1.hubspot.com"
    install(Browser(app.test_client()), NEW_PORTAL)
    portal = portals.get_portal(world.runtime.db, NEW_PORTAL)
    assert (portal.time_zone, portal.company_currency, portal.ui_domain) == (
        "Europe/Berlin", "EUR", "app-eu1.hubspot.com")
    assert portal.account_synced_at is not None


def test_details_are_refreshed_once_a_day_old(world, monkeypatch):
    runtime = world.runtime
    world.portal.time_zone = "America/Chicago"
    reset_calls(world)
    assert details.refresh_if_stale(runtime, world.portal_id) is False  # fresh: no call
    assert all_calls(world) == []
    # The process remembers until when they are fresh: it does not read the row again before.
    reads, read = [], portals.get_portal
    monkeypatch.setattr(details.portals, "get_portal",
                        lambda db, pid: reads.append(pid) or read(db, pid))
    assert details.refresh_if_stale(runtime, world.portal_id) is False
    assert reads == [] and all_calls(world) == []
    a_day_later = utcnow() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(details, "utcnow", lambda: a_day_later)
    assert details.refresh_if_stale(runtime, world.portal_id) is True
    assert [c["path"] for c in all_calls(world)] == ["/account-info/2026-03/details"]
    assert portals.get_portal(runtime.db, world.portal_id).time_zone == "America/Chicago"


def test_an_inline_execution_refreshes_day_old_details_first(world):
    world.connect_company(US_REALM)
    world.portal.time_zone = "Asia/Tokyo"
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    portal.account_synced_at = utcnow() - timedelta(days=2)
    store.save(world.runtime.db, portal)
    deal = make_deal(world, [line("Consulting", "150.00")], contact(world))
    reset_calls(world)
    assert outputs(world.execute("create-invoice", "DEAL", deal))["result"] == "created"
    assert all_calls(world)[0]["path"] == "/account-info/2026-03/details"
    assert portals.get_portal(world.runtime.db, world.portal_id).time_zone == "Asia/Tokyo"
    # The next execution the same day makes no such call.
    reset_calls(world)
    world.execute("create-invoice", "DEAL", make_deal(world, [line("X", "1.00")], contact(world)))
    assert all("/account-info/" not in c["path"] for c in all_calls(world))


def test_a_failed_refresh_keeps_the_old_details_and_does_not_stop_executions(world):
    world.connect_company(US_REALM)
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    portal.account_synced_at = utcnow() - timedelta(days=2)
    store.save(world.runtime.db, portal)
    world.hubspot.faults.add("error_500", match="GET /account-info/2026-03/details", count=10)
    deal = make_deal(world, [line("Consulting", "150.00")], contact(world))
    assert outputs(world.execute("create-invoice", "DEAL", deal))["result"] == "created"
    assert portals.get_portal(world.runtime.db, world.portal_id).time_zone == "US/Eastern"


def test_refresh_accounts_cli(world, app):
    portal = portals.get_portal(world.runtime.db, world.portal_id)
    portal.account_synced_at = None
    store.save(world.runtime.db, portal)
    world.portal.ui_domain = "app-eu1.hubspot.com"
    result = app.test_cli_runner().invoke(args=["hubspot", "refresh-accounts"])
    assert result.exit_code == 0, result.output
    assert "refreshed for 1 portals, 0 failed" in result.output
    assert portals.get_portal(world.runtime.db, world.portal_id).ui_domain == "app-eu1.hubspot.com"


# --- publish-actions authentication -------------------------------------------------------


@pytest.fixture
def publish(app, world):
    world.runtime.settings = world.runtime.settings.replace(hubspot_app_id="424242")
    runner = app.test_cli_runner()

    def run(key: str):
        world.runtime.settings = world.runtime.settings.replace(hubspot_developer_api_key=key)
        return runner.invoke(args=["hubspot", "publish-actions"])

    return run


def test_publish_accepts_a_developers_write_token_as_bearer(publish, world):
    token = world.hubspot.issue_tokens(world.portal_id, scopes=["developers-write"])
    result = publish(token["access_token"])
    assert result.exit_code == 0, result.output
    assert len(world.hubspot.definitions(424242)) == 6
    definition_calls = [c for c in world.hubspot.calls if "/automation/" in c["path"]]
    assert definition_calls and all("hapikey" not in c["query"] for c in definition_calls)
    assert all(c["path"].startswith("/automation/actions/2026-03/424242")
               for c in definition_calls)  # fmt: skip


@pytest.mark.parametrize("scopes", [None, ["developers-read"]])
def test_a_refused_credential_is_one_line_naming_what_is_needed(publish, world, scopes):
    key = "not-a-key" if scopes is None else world.hubspot.issue_tokens(
        world.portal_id, scopes=scopes)["access_token"]  # fmt: skip
    result = publish(key)
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert "HUBSPOT_DEVELOPER_API_KEY" in message and "developers-write" in message
    assert ("401" in message) if scopes is None else ("403" in message)
    assert world.hubspot.definitions(424242) == []


def test_no_product_code_spells_a_retired_hubspot_path():
    root = REPO
    pattern = re.compile(r"/(crm/v[34]|automation/v4|oauth/v1|account-info/v3)\b")
    found, scanned = [], 0
    for package in ("clients", "accounts", "jobs", "actions", "web", "sandbox", "commands",
                    "executions", "schemas", "store", "observability"):  # fmt: skip
        for path in (root / package).rglob("*.py"):
            if path.name == "hubspot_routes.py":  # names the retired prefixes, to refuse them
                continue
            scanned += 1
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(text):
                    found.append(f"{path.relative_to(root)}:{number}: {text.strip()}")
    assert scanned > 50  # the product's modules were read
    assert found == []
