"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a live server.

Each test saves screenshots into $TEST_ARTIFACTS/screenshots (default <repo>/test-artifacts).
"""

from __future__ import annotations

import csv
import os
import shutil
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import store
from executions import ledger
from store import companies, reports
from store.definitions import record_action_definition
from tests.support.crm import contact, line, make_deal, outputs
from tests.support.dashboard import seed
from tests.support.paths import REPO
from tests.support.signing import PUBLIC_BASE

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} "
                "(apt-get install chromium)", allow_module_level=True)  # fmt: skip
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(os.environ.get("TEST_ARTIFACTS") or REPO / "test-artifacts") / "screenshots"


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def live(world):
    """The app served on a loopback port; OAuth redirects come back to it."""
    from emulators.server import serve_in_thread

    server = serve_in_thread(world.app)
    world.runtime.settings = world.runtime.settings.replace(public_base_url=server.url)
    world.url = server.url
    yield world
    server.stop()


@pytest.fixture
def page(chromium, live):
    """A fresh browser context (no cookies) at laptop size."""
    context = chromium.new_context(viewport=LAPTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sandbox(world) -> None:
    """Run the server as a sandbox: visitors are signed in automatically."""
    world.runtime.settings = world.runtime.settings.replace(sandbox=True)


@contextmanager
def hubspot_signing(world):
    """Sign executions for PUBLIC_BASE (what tests' HubSpot signs) while posting them."""
    live_url = world.runtime.settings.public_base_url
    world.runtime.settings = world.runtime.settings.replace(public_base_url=PUBLIC_BASE)
    try:
        yield
    finally:
        world.runtime.settings = world.runtime.settings.replace(public_base_url=live_url)


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def phone_shot(page, name: str) -> None:
    """The same page at phone width."""
    page.set_viewport_size(PHONE)
    page.reload()
    shot(page, name)
    page.set_viewport_size(LAPTOP)


def history(world, failed: int = 2) -> None:
    """Thirty days of executions for the chart and the list."""
    outcomes = ["created", "created", "existing", "skipped", "created"]
    for day in range(0, 30, 1):
        for n in range(day % 4 + 1):
            seed(world.runtime, world.portal_id, result=outcomes[(day + n) % 5],
                 age=timedelta(days=day, hours=n))  # fmt: skip
    for n in range(failed):
        seed(world.runtime, world.portal_id, result="failed", error_code="UNMATCHED_PRODUCTS",
             error_message=f"Line 'Gizmo {n}' matches no QuickBooks item",
             age=timedelta(days=n * 3 + 1))  # fmt: skip


# --- tests ----------------------------------------------------------------------------------


def test_sign_in_through_hubspot(page, live):
    expect = sync_api.expect
    page.goto(live.url + "/executions")
    assert page.url == live.url + "/signin"
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "sign-in")
    phone_shot(page, "sign-in-phone")

    # The button starts HubSpot's install; the emulator consents and calls our callback back.
    page.get_by_role("link", name="Sign in with HubSpot").click()
    page.wait_for_url(live.url + "/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".portal-id")).to_have_text(f"Portal {live.portal_id}")
    assert page.locator(".sandbox-banner").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live.url + "/signin")
    page.goto(live.url + "/connections")
    assert page.url == live.url + "/signin"


def test_sandbox_overview_chart(page, live):
    expect = sync_api.expect
    sandbox(live)
    history(live)
    live.connect_company(name="Main Books Inc")
    live.connect_company("9130350000000002", name="EU Books")
    connection = companies.get_connection(live.runtime.db, live.portal_id, "9130350000000002")
    connection.status, connection.last_error = "reconnect_required", "invalid_grant"
    store.save(live.runtime.db, connection)
    page.goto(live.url + "/")
    expect(page.locator(".sandbox-banner")).to_contain_text("SANDBOX")
    # The hand-written stylesheet is served and applied (the dark header bar).
    header = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
    assert header == "rgb(16, 42, 67)"
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    assert bars.count() >= 30  # every day has executions, some with several outcomes
    assert chart.locator("rect.bar-failed").count() == 2
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 150
    expect(page.locator(".failures li")).to_have_count(2)
    expect(page.locator(".failures")).to_contain_text("Give the HubSpot products")
    health = page.locator(".health")
    expect(health.locator("li").filter(has_text="Main Books Inc")).to_contain_text("connected")
    expect(health.locator("li").filter(has_text="EU Books")).to_contain_text("reconnect required")
    expect(health.get_by_role("link", name="Reconnect EU Books")).to_be_visible()
    shot(page, "overview")
    phone_shot(page, "overview-phone")
    # At phone width nothing but the chart may scroll sideways.
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    page.set_viewport_size(LAPTOP)


def test_filter_and_download_csv(page, live, tmp_path):
    expect = sync_api.expect
    sandbox(live)
    history(live, failed=3)
    page.goto(live.url + "/executions")
    expect(page.locator(".list-head")).to_contain_text("Showing 1–50 of")
    shot(page, "executions")

    page.get_by_label("Outcome").select_option("failed")
    page.get_by_label("Search").fill("gizmo")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/executions?*outcome=failed*")
    rows = page.locator("table.executions tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("UNMATCHED_PRODUCTS")
    shot(page, "executions-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"executions-{live.portal_id}-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open(newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 3
    assert {r["error_code"] for r in exported} == {"UNMATCHED_PRODUCTS"}
    assert all("Gizmo" in r["error_message"] for r in exported)
    shutil.copy(saved, SCREENSHOTS.parent / "executions-filtered.csv")
    phone_shot(page, "executions-phone")


def test_failed_execution_detail_then_connect_and_run_again(page, live):
    expect = sync_api.expect
    sandbox(live)
    deal = make_deal(
        live,
        lines=[line("Consulting", "150", qty="3", sku="CONS-H")],
        contact=contact(live, "ana@example.com", "Ana", "Silva"),
    )
    with hubspot_signing(live):
        first = outputs(
            live.execute(
                "create-invoice", "DEAL", deal, {"customer_memo": "Thanks for your business"}
            )
        )
    assert first["error_code"] == "QUICKBOOKS_NOT_CONNECTED"
    execution = reports.list_executions(live.runtime.db, reports.ExecutionFilter((live.portal_id,)),
                                      0, 1)[0]  # fmt: skip

    # The overview lists it as needing attention; its detail explains the fix.
    page.goto(live.url + "/")
    page.locator(".failures").get_by_role("link", name=f"#{execution.id}").click()
    page.wait_for_url(f"{live.url}/executions/{execution.id}")
    expect(page.locator(".error-card")).to_contain_text("QUICKBOOKS_NOT_CONNECTED")
    expect(page.locator(".error-card")).to_contain_text("connect a QuickBooks company")
    expect(page.get_by_role("button", name="Run again")).to_be_visible()
    shot(page, "execution-failed")

    # Fix the cause: connect the accountant's company through Intuit's consent (emulated).
    live.quickbooks.add_company("9130350000000777", "Silva Bookkeeping", "US", "USD")
    page.get_by_role("link", name="Connections").click()
    page.get_by_role("link", name="Connect a QuickBooks company").click()
    page.wait_for_url(live.url + "/connections")
    expect(page.locator("table.companies")).to_contain_text("Silva Bookkeeping")
    expect(page.locator("table.companies")).to_contain_text("9130350000000777")
    shot(page, "connections")
    phone_shot(page, "connections-phone")

    page.goto(f"{live.url}/executions/{execution.id}")
    page.get_by_role("button", name="Run again").click()
    page.wait_for_url(f"{live.url}/executions/{execution.id}")
    expect(page.locator(".flash")).to_contain_text("Ran again: created")
    expect(page.locator("h1 .badge")).to_have_text("created")
    expect(page.get_by_role("button", name="Run again")).to_have_count(0)
    expect(page.locator(".calls")).to_contain_text("/v3/company/9130350000000777/invoice")
    shot(page, "execution-succeeded")
    phone_shot(page, "execution-succeeded-phone")

    row = ledger.by_id(live.runtime.db, execution.id)
    assert (row.status, row.result, row.generation) == ("succeeded", "created", 1)
    invoices = live.quickbooks.companies["9130350000000777"].entities("Invoice")
    assert len(invoices) == 1 and invoices[0]["Id"] == row.qbo_id
    assert str(invoices[0]["TotalAmt"]) in ("450", "450.00")


def test_disconnect_from_the_connections_page(page, live):
    expect = sync_api.expect
    sandbox(live)
    live.runtime.settings = live.runtime.settings.replace(hubspot_app_id="424242")
    for n, slug in enumerate(("create-invoice", "create-estimate", "create-sales-receipt")):
        record_action_definition(live.runtime.db, "424242", slug, f"9{n}01", "1", True)
    live.connect_company(name="Keep Books LLC")
    page.goto(live.url + "/connections")
    company_table = page.locator("table.companies")
    expect(company_table).to_contain_text("Keep Books LLC")
    definitions = page.locator("table.definitions tbody tr")
    expect(definitions).to_have_count(6)
    expect(definitions.filter(has_text="create-invoice")).to_contain_text("published")
    expect(definitions.filter(has_text="create-invoice")).to_contain_text("9001")
    expect(page.locator("table.definitions .badge-created")).to_have_count(3)
    expect(page.locator("table.definitions .badge-skipped")).to_have_count(3)
    shot(page, "connections-published")
    page.get_by_role("button", name="Disconnect Keep Books LLC").click()
    page.wait_for_url(live.url + "/connections")
    expect(page.locator("table.companies")).to_have_count(0)
    expect(page.get_by_text("No QuickBooks company is connected yet.")).to_be_visible()
    assert companies.connections_for(live.runtime.db, live.portal_id) == []
    shot(page, "connections-disconnected")
