"""The dashboard through the Flask test client: sign-in, isolation, CSRF, filters, CSV, replay."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

import store
from executions import ledger
from store import ApiCall, Portal, QuickBooksConnection, companies, links, reports, utcnow
from tests.support.crm import contact, line, make_deal, outputs
from tests.support.dashboard import CSRF, seed, sign_in

PORTAL_A, PORTAL_B = 1000001, 2000002


@pytest.fixture
def portals(runtime):
    """Two installed portals, each with one QuickBooks company."""
    for pid, name in ((PORTAL_A, "Alpha"), (PORTAL_B, "Bravo")):
        store.save(runtime.db, Portal(id=pid, name=f"{name} portal"))
        store.save(runtime.db, QuickBooksConnection(
            portal_id=pid, realm_id=f"realm-{name.lower()}", company_name=f"{name} Books Inc",
            country="US", home_currency="USD", tax_mode="automated",
            access_token=runtime.cipher.encrypt(f"access-secret-{name}"),
            refresh_token=runtime.cipher.encrypt(f"refresh-secret-{name}"),
            access_expires_at=utcnow() + timedelta(minutes=50),
            refresh_expires_at=utcnow() + timedelta(days=90),
        ))  # fmt: skip
    return PORTAL_A, PORTAL_B


def text(response) -> str:
    """A response body as text."""
    return response.get_data(as_text=True)


def csv_rows(response) -> list[dict]:
    """A CSV response as dicts."""
    return list(csv.DictReader(io.StringIO(text(response))))


# --- sign-in --------------------------------------------------------------------------------


def test_unsigned_visitor_gets_the_sign_in_page(client, portals):
    for path in ("/", "/executions", "/executions.csv", "/connections", "/executions/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/signin"
    page = client.get("/signin")
    assert page.status_code == 200
    assert 'href="/oauth/hubspot/install"' in text(page)
    assert "SANDBOX" not in text(page)


def test_sandbox_signs_in_to_every_sandbox_portal_and_says_so(client, runtime, portals):
    runtime.settings = runtime.settings.replace(sandbox=True)
    page = client.get("/")
    assert page.status_code == 200
    assert "SANDBOX" in text(page)
    with client.session_transaction() as sess:
        assert sorted(sess["portal_ids"]) == [PORTAL_A, PORTAL_B]
    # With two portals a switcher offers exactly those two.
    assert re.findall(r'<option value="(\d+)"', text(page)) == [str(PORTAL_A), str(PORTAL_B)]


def test_logout_clears_the_session(client, portals):
    token = sign_in(client, PORTAL_A)
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    with client.session_transaction() as sess:
        assert dict(sess) == {}
    assert client.get("/").status_code == 302


def test_session_cookie_is_http_only_and_lax(client, portals, app):
    with client.session_transaction() as sess:
        sess["portal_ids"], sess["portal_id"] = [PORTAL_A], PORTAL_A
    cookie = client.get("/").headers.get("Set-Cookie", "")  # the page's forms add a CSRF token
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # testing: plain http


def test_session_cookie_is_secure_outside_sandbox_and_tests(settings):
    from app import create_app

    production = create_app(settings.replace(testing=False, hubspot_client_secret="s"))
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        assert production.config["SESSION_COOKIE_HTTPONLY"] is True
        assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        production.extensions["hubqbo"].db.dispose()


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_posts_without_the_session_token_are_refused(client, runtime, portals, token):
    failed = seed(runtime, PORTAL_A, result="failed", error_code="NO_CONTACT")
    sign_in(client, PORTAL_A)
    data = {} if token is None else {"csrf_token": token}
    for path in (f"/executions/{failed.id}/run-again", "/logout", "/portal"):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "CSRF" in text(response)
    row = ledger.by_id(runtime.db, failed.id)
    assert (row.status, row.generation, row.attempts) == ("failed", 0, failed.attempts)
    with client.session_transaction() as sess:
        assert sess["portal_ids"] == [PORTAL_A]  # logout did not happen


def test_every_form_carries_the_token(client, runtime, portals):
    failed = seed(runtime, PORTAL_A, result="failed", error_code="NO_CONTACT")
    sign_in(client, PORTAL_A, PORTAL_B)
    for path in ("/", "/executions", f"/executions/{failed.id}", "/connections"):
        page = text(client.get(path))
        forms = re.findall(r"<form method=\"post\".*?</form>", page, re.S)
        assert forms, path
        for form in forms:
            assert f'name="csrf_token" value="{CSRF}"' in form, (path, form)


# --- portal isolation -----------------------------------------------------------------------


def test_a_second_portal_sees_and_changes_nothing_of_the_first(client, runtime, portals):
    mine = seed(runtime, PORTAL_B, result="created", callback_id="cb-bravo-visible")
    theirs = seed(
        runtime,
        PORTAL_A,
        result="failed",
        error_code="NO_EMAIL",
        callback_id="cb-alpha-secret",
        error_message="alpha secret failure",
    )
    token = sign_in(client, PORTAL_B)

    listing = text(client.get("/executions"))
    assert "cb-alpha-secret" not in listing and f"#{theirs.id}<" not in listing
    assert f"#{mine.id}<" in listing
    assert text(client.get("/executions?q=cb-alpha")).count("<tr>") == 0
    overview = text(client.get("/"))
    assert "alpha secret failure" not in overview and "Alpha Books" not in overview

    assert client.get(f"/executions/{theirs.id}").status_code == 404
    assert client.get(f"/executions/{mine.id}").status_code == 200
    exported = csv_rows(client.get("/executions.csv"))
    assert [r["callback_id"] for r in exported] == ["cb-bravo-visible"]

    response = client.post(f"/executions/{theirs.id}/run-again", data={"csrf_token": token})
    assert response.status_code == 404
    row = ledger.by_id(runtime.db, theirs.id)
    assert (row.status, row.generation) == ("failed", 0)

    connections = text(client.get("/connections"))
    assert "Bravo Books Inc" in connections
    assert "Alpha Books Inc" not in connections and "realm-alpha" not in connections
    response = client.post("/quickbooks/realm-alpha/disconnect", data={"csrf_token": token})
    assert response.status_code == 404
    assert companies.get_connection(runtime.db, PORTAL_A, "realm-alpha") is not None

    response = client.post("/portal", data={"csrf_token": token, "portal_id": str(PORTAL_A)})
    assert response.status_code == 404
    with client.session_transaction() as sess:
        assert sess["portal_id"] == PORTAL_B and sess["portal_ids"] == [PORTAL_B]


def test_a_browser_signed_in_to_both_switches_between_them(client, runtime, portals):
    alpha = seed(runtime, PORTAL_A, callback_id="cb-in-alpha")
    bravo = seed(runtime, PORTAL_B, callback_id="cb-in-bravo")
    token = sign_in(client, PORTAL_A, PORTAL_B)
    assert ids_listed(client.get("/executions?q=cb-in")) == [alpha.id]
    response = client.post("/portal", data={"csrf_token": token, "portal_id": str(PORTAL_B)})
    assert response.status_code == 302
    assert ids_listed(client.get("/executions?q=cb-in")) == [bravo.id]
    # Both are this browser's, so both detail pages open.
    assert client.get(f"/executions/{alpha.id}").status_code == 200
    rows = csv_rows(client.get("/executions.csv?q=cb-in"))
    assert [r["callback_id"] for r in rows] == ["cb-in-bravo"]


def test_no_page_shows_a_token(client, runtime, portals):
    failed = seed(
        runtime,
        PORTAL_A,
        result="failed",
        error_code="QUICKBOOKS_VALIDATION",
        realm_id="realm-alpha",
    )
    links.add_api_calls(runtime.db, [
        ApiCall(execution_id=failed.id, service="hubspot", method="GET",
                path="/oauth/v1/access-tokens/CAJ-secret-token-value", status=200),
        ApiCall(execution_id=failed.id, service="hubspot", method="GET",
                path="/crm/v3/objects/deals/1?hapikey=dev-key-secret", status=200),
    ])  # fmt: skip
    sign_in(client, PORTAL_A)
    connection = companies.get_connection(runtime.db, PORTAL_A, "realm-alpha")
    secrets = [
        "access-secret-Alpha",
        "refresh-secret-Alpha",
        connection.access_token,
        connection.refresh_token,
        "CAJ-secret-token-value",
        "dev-key-secret",
    ]
    for path in ("/", "/executions", f"/executions/{failed.id}", "/connections", "/executions.csv"):
        body = text(client.get(path))
        for secret in secrets:
            assert secret not in body, (path, secret)
    detail = text(client.get(f"/executions/{failed.id}"))
    assert "/oauth/v1/access-tokens/***" in detail and "hapikey=***" in detail


# --- overview -------------------------------------------------------------------------------


def test_overview_chart_totals_failures_and_health(client, runtime, portals):
    for outcome, days_ago in [
        ("created", 0),
        ("created", 0),
        ("existing", 1),
        ("skipped", 2),
        ("failed", 3),
        ("created", 40),
    ]:
        seed(
            runtime,
            PORTAL_A,
            result=outcome,
            age=timedelta(days=days_ago),
            error_code="NO_EMAIL" if outcome == "failed" else "",
        )
    fixed = seed(
        runtime,
        PORTAL_A,
        result="failed",
        error_code="NO_CONTACT",
        object_id="777",
        age=timedelta(days=2),
        error_message="fixed later",
    )
    seed(runtime, PORTAL_A, result="created", object_id="777", age=timedelta(days=1))
    connection = companies.get_connection(runtime.db, PORTAL_A, "realm-alpha")
    connection.status, connection.last_error = "reconnect_required", "invalid_grant"
    store.save(runtime.db, connection)
    sign_in(client, PORTAL_A)

    page = text(client.get("/"))
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    bars = re.findall(r'<rect class="bar bar-(\w+)"', svg)
    # Six executions in the last 30 days (the 40-day-old one is outside) on five days.
    assert sorted(bars) == ["created", "created", "existing", "failed", "failed", "skipped"]
    assert svg.count("<title>") >= 30
    pairs = re.findall(r'<span class="stat-value">(\d+)</span><span class="stat-label">'
                       r"([\w ·]+)</span>", page)  # fmt: skip
    totals = {label: value for value, label in pairs}
    assert totals["executions · 30 days"] == "7"
    assert (totals["created"], totals["existing"], totals["skipped"], totals["failed"]) == (
        "3",
        "1",
        "1",
        "2",
    )
    attention = page[page.index("Failures needing attention") : page.index("Connection health")]
    assert "NO_EMAIL" in attention and "fixed later" not in attention
    assert f"#{fixed.id}<" not in attention
    assert "Add an email to the contact" in attention  # the catalogue's fix
    health = page[page.index("Connection health") :]
    assert "reconnect required" in health and "invalid_grant" in health


def test_overview_when_nothing_happened(client, portals):
    sign_in(client, PORTAL_A)
    page = text(client.get("/"))
    assert "No executions in the last 30 days" in page
    assert "<rect" not in page
    assert "Nothing needs attention" in page


# --- executions list, filters and CSV -------------------------------------------------------


@pytest.fixture
def history(runtime, portals):
    """A varied history for portal A."""
    rows = {
        "old": seed(
            runtime, PORTAL_A, age=timedelta(days=10), object_id="111", qbo_doc_number="INV-OLD"
        ),
        "estimate": seed(
            runtime, PORTAL_A, action="create-estimate", object_id="222", age=timedelta(days=5)
        ),
        "failed": seed(
            runtime,
            PORTAL_A,
            result="failed",
            error_code="UNMATCHED_PRODUCTS",
            error_message="Line 'Gizmo 100%' matches no item",
            object_id="333",
            age=timedelta(days=2),
        ),
        "skipped": seed(
            runtime,
            PORTAL_A,
            result="skipped",
            object_id="444",
            age=timedelta(days=1),
            action="create-fee-expense",
            object_type="commerce_payments",
        ),
        "running": seed(runtime, PORTAL_A, result="", object_id="555"),
    }
    return rows


def ids_listed(response) -> list[int]:
    """Execution ids in a listing, in order."""
    return [int(i) for i in re.findall(r'<a href="/executions/(\d+)">#', text(response))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["running", "skipped", "failed", "estimate", "old"]),
        ("action=create-estimate", ["estimate"]),
        ("outcome=failed", ["failed"]),
        ("outcome=in_progress", ["running"]),
        ("error_code=UNMATCHED_PRODUCTS", ["failed"]),
        ("error_code=unmatched_products", ["failed"]),
        ("record=222", ["estimate"]),
        ("q=gizmo 100%", ["failed"]),
        ("q=INV-OLD", ["old"]),
        ("q=444", ["skipped"]),
        ("q=100%25", ["failed"]),
        ("q=_", []),
        ("outcome=created&action=create-invoice", ["old"]),
    ],
)
def test_filters(client, history, query, expected):
    sign_in(client, PORTAL_A)
    response = client.get(f"/executions?{query}")
    assert response.status_code == 200
    assert ids_listed(response) == [history[k].id for k in expected]


def test_callback_id_search_and_date_range(client, history):
    sign_in(client, PORTAL_A)
    callback = history["estimate"].callback_id
    assert ids_listed(client.get(f"/executions?q={callback}")) == [history["estimate"].id]
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=6), today - timedelta(days=2)
    response = client.get(f"/executions?from={start}&to={end}")
    assert ids_listed(response) == [history["failed"].id, history["estimate"].id]
    response = client.get(f"/executions?from={today - timedelta(days=1)}")
    assert ids_listed(response) == [history["running"].id, history["skipped"].id]


def test_bad_filter_values_are_ignored_with_a_message(client, history):
    sign_in(client, PORTAL_A)
    response = client.get("/executions?from=31/12/2026&outcome=maybe&action=nope&page=abc")
    assert response.status_code == 200
    page = text(response)
    assert "must be a date like" in page and "Unknown outcome" in page
    assert "Unknown action" in page
    assert len(ids_listed(response)) == 5
    assert client.get("/executions?page=99999999999999999999999").status_code == 200


def test_pagination_walks_every_row_once(client, runtime, portals):
    seeded = [seed(runtime, PORTAL_A, age=timedelta(minutes=n)).id for n in range(120)]
    sign_in(client, PORTAL_A)
    first = client.get("/executions")
    assert "Showing 1–50 of 120" in text(first) and "Page 1 of 3" in text(first)
    seen = []
    for page in (1, 2, 3):
        seen += ids_listed(client.get(f"/executions?page={page}"))
    assert seen == seeded  # newest first, no overlap, nothing missed
    last = text(client.get("/executions?page=7"))  # past the end: the last page
    assert "Page 3 of 3" in last and 'rel="next"' not in last


def test_csv_export_of_the_filtered_set(client, history, runtime):
    seed(
        runtime,
        PORTAL_A,
        result="failed",
        error_code="DUPLICATE_DOC_NUMBER",
        error_message='=HYPERLINK("http://evil")',
        object_id="666",
    )
    sign_in(client, PORTAL_A)
    response = client.get("/executions.csv?outcome=failed")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="executions-1000001-\d{8}-\d{6}\.csv"',
                        response.headers["Content-Disposition"])  # fmt: skip
    body = text(response)
    assert body.splitlines()[0].startswith("id,created_at,finished_at,portal_id,action")
    rows = csv_rows(response)
    assert [r["object_id"] for r in rows] == ["666", "333"]
    assert rows[1]["error_code"] == "UNMATCHED_PRODUCTS"
    assert rows[1]["hubspot_url"] == f"https://app.hubspot.com/contacts/{PORTAL_A}/record/0-3/333"
    assert rows[0]["error_message"].startswith("'=HYPERLINK")  # defused for spreadsheets
    everything = csv_rows(client.get("/executions.csv"))
    assert len(everything) == 6
    created = next(r for r in everything if r["object_id"] == "111")
    assert created["qbo_doc_number"] == "INV-OLD"
    assert created["qbo_url"].startswith("https://app.qbo.intuit.com/app/invoice?txnId=")
    assert created["qbo_total"] == "100.00"


def test_each_row_links_the_hubspot_record_and_the_quickbooks_transaction(client, history):
    sign_in(client, PORTAL_A)
    page = text(client.get("/executions"))
    old = history["old"]
    assert f'href="https://app.hubspot.com/contacts/{PORTAL_A}/record/0-3/111"' in page
    assert f'href="https://app.qbo.intuit.com/app/invoice?txnId={old.qbo_id}"' in page
    payment = f'href="https://app.hubspot.com/contacts/{PORTAL_A}/record/0-101/444"'
    assert payment in page


# --- execution detail -----------------------------------------------------------------------


def test_detail_shows_inputs_resolution_calls_outputs_and_the_fix(client, runtime, portals):
    failed = seed(
        runtime, PORTAL_A, result="failed", error_code="TAX_CODE_REQUIRED",
        error_message="Choose a tax code for this Canadian company",
        inputs={"tax_code": "", "doc_number": "Q-17"},
        trace={"customer": {"id": "58", "name": "Doe LLC"},
               "lines": [{"item": "Consulting", "qty": "2", "amount": "300.00"}]},
        outputs={"result": "failed", "error_code": "TAX_CODE_REQUIRED"},
    )  # fmt: skip
    links.add_api_calls(runtime.db, [ApiCall(
        execution_id=failed.id, service="quickbooks", method="POST",
        path="/v3/company/realm-alpha/invoice", status=400, duration_ms=87,
        intuit_tid="1-abc-tid")])  # fmt: skip
    sign_in(client, PORTAL_A)
    page = text(client.get(f"/executions/{failed.id}"))
    for expected in (
        "doc_number",
        "Q-17",
        "Doe LLC",
        "Consulting",
        "300.00",
        "/v3/company/realm-alpha/invoice",
        "1-abc-tid",
        ">87<",
        "TAX_CODE_REQUIRED",
        "Choose a tax code in the action",
        "Run again",
    ):
        assert expected in page, expected
    done = seed(runtime, PORTAL_A, result="created")
    page = text(client.get(f"/executions/{done.id}"))
    assert "Run again</button>" not in page and "error-card" not in page


# --- run again ------------------------------------------------------------------------------


def _run_again(client, execution_id: int):
    response = client.post(f"/executions/{execution_id}/run-again", data={"csrf_token": CSRF})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/executions/{execution_id}"
    return text(client.get(response.headers["Location"]))


def test_run_again_after_fixing_the_cause_books_once_on_the_same_row(client, world):
    deal = make_deal(
        world,
        lines=[line("Onboarding workshop", "400", qty="2")],
        contact=contact(world, "ana@example.com", "Ana", "Silva"),
    )
    first = outputs(world.execute("create-invoice", "DEAL", deal))
    assert first["error_code"] == "QUICKBOOKS_NOT_CONNECTED"
    rows = reports.list_executions(world.runtime.db, reports.ExecutionFilter((PORTAL_A,)), 0, 5)
    execution = rows[0]
    sign_in(client, PORTAL_A)

    company = world.connect_company()  # fix 1: connect QuickBooks
    page = _run_again(client, execution.id)
    row = ledger.by_id(world.runtime.db, execution.id)
    assert (row.status, row.error_code, row.generation) == ("failed", "UNMATCHED_PRODUCTS", 1)
    assert "failed again: UNMATCHED_PRODUCTS" in page
    assert company.entities("Invoice") == []

    income = next(a for a in company.entities("Account") if a["Name"] == "Services")
    company.add(
        "Item",
        {
            "Name": "Onboarding workshop",
            "Type": "Service",
            "IncomeAccountRef": {"value": income["Id"]},
        },
    )  # fix 2: the product
    page = _run_again(client, execution.id)
    row = ledger.by_id(world.runtime.db, execution.id)
    assert (row.status, row.result, row.generation) == ("succeeded", "created", 2)
    assert row.callback_id == execution.callback_id  # the same ledger row
    invoices = company.entities("Invoice")
    assert len(invoices) == 1 and invoices[0]["Id"] == row.qbo_id
    assert "Ran again: created" in page
    assert row.outputs["qbo_url"] and row.outputs["qbo_url"] in page

    # A succeeded execution cannot be run again, and a forced replay never books twice.
    response = client.post(f"/executions/{execution.id}/run-again", data={"csrf_token": CSRF})
    assert "only failed executions" in text(client.get(response.headers["Location"]))
    ledger.set_columns(world.runtime.db, execution.id, status="failed", result="failed")
    _run_again(client, execution.id)
    row = ledger.by_id(world.runtime.db, execution.id)
    assert (row.status, row.generation) == ("succeeded", 3)
    assert len(company.entities("Invoice")) == 1  # the recorded step was reused
    assert row.qbo_id == invoices[0]["Id"]
    # HubSpot's repeat of the original delivery answers the stored (now successful) outputs.
    repeat = outputs(world.execute("create-invoice", "DEAL", deal, callback_id=row.callback_id))
    assert (repeat["result"], repeat["qbo_id"]) == ("created", row.qbo_id)
    assert reports.count_executions(world.runtime.db, reports.ExecutionFilter((PORTAL_A,))) == 1
    assert len(company.entities("Invoice")) == 1


def test_cli_replays_failed_executions(world):
    deal = make_deal(world, lines=[line("Consulting", "150")], contact=contact(world))
    assert outputs(world.execute("create-invoice", "DEAL", deal))["result"] == "failed"
    execution = reports.list_executions(world.runtime.db, reports.ExecutionFilter((PORTAL_A,)),
                                      0, 1)[0]  # fmt: skip
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["executions", "replay", str(execution.id)])
    assert result.exit_code == 1 and "QUICKBOOKS_NOT_CONNECTED" in result.output
    company = world.connect_company()
    result = runner.invoke(args=["executions", "replay", str(execution.id), "999999"])
    assert f"{execution.id}: succeeded" in result.output
    assert "999999: no such execution" in result.output and result.exit_code == 1
    assert len(company.entities("Invoice")) == 1
    result = runner.invoke(args=["executions", "replay", str(execution.id)])
    assert result.exit_code == 1 and "only failed executions" in result.output
    assert len(company.entities("Invoice")) == 1


def test_run_again_that_meets_an_outage_books_nothing_and_can_run_once_it_is_over(client, world):
    deal = make_deal(world, lines=[line("Consulting", "150", sku="CONS-H")], contact=contact(world))
    assert outputs(world.execute("create-invoice", "DEAL", deal))["result"] == "failed"
    execution = reports.list_executions(world.runtime.db, reports.ExecutionFilter((PORTAL_A,)),
                                      0, 1)[0]  # fmt: skip
    company = world.connect_company()
    world.quickbooks.faults.add("error_500", count=3)  # every retry of the first call fails
    sign_in(client, PORTAL_A)
    page = _run_again(client, execution.id)
    assert "nothing was booked; run it again" in page
    row = ledger.by_id(world.runtime.db, execution.id)
    assert (row.status, row.generation) == ("pending", 1)
    assert "Waiting to be retried" in page and "Run again</button>" in page
    assert company.entities("Invoice") == []

    page = _run_again(client, execution.id)
    row = ledger.by_id(world.runtime.db, execution.id)
    assert (row.status, row.result, row.generation) == ("succeeded", "created", 1)
    assert len(company.entities("Invoice")) == 1


class RecordingQueue:
    """Stands in for RQ: remembers what was enqueued."""

    def __init__(self):
        self.enqueued: list[int] = []

    def enqueue(self, execution_id: int) -> None:
        self.enqueued.append(execution_id)


def test_in_queue_mode_waiting_rows_are_left_to_the_worker(client, runtime, portals):
    runtime.queue = RecordingQueue()
    waiting = seed(runtime, PORTAL_A, result="")
    failed = seed(runtime, PORTAL_A, result="failed", error_code="NO_CONTACT")
    sign_in(client, PORTAL_A)
    assert "Run again</button>" not in text(client.get(f"/executions/{waiting.id}"))
    assert "Run again</button>" in text(client.get(f"/executions/{failed.id}"))
    response = client.post(f"/executions/{waiting.id}/run-again", data={"csrf_token": CSRF})
    assert "only failed executions can be run again" in text(client.get(response.location))
    row = ledger.by_id(runtime.db, waiting.id)
    assert (row.status, row.attempts, row.generation) == ("pending", 0, 0)
    assert runtime.queue.enqueued == []


def test_csv_is_streamed_in_chunks(client, runtime, portals):
    now = utcnow()
    ledger.insert_rows(runtime.db, [
        {"portal_id": PORTAL_A, "callback_id": f"bulk-{n}", "action": "create-invoice",
         "object_type": "deals", "object_id": str(n), "realm_id": "", "payload": {},
         "inputs": {}, "status": "succeeded", "result": "created", "outputs": {},
         "error_code": "", "error_message": "", "qbo_id": str(n), "qbo_doc_number": "",
         "qbo_total": "1.00", "attempts": 1, "generation": 0, "progress": {}, "trace": {},
         "callback_completed": True, "created_at": now - timedelta(seconds=n),
         "updated_at": now}
        for n in range(1201)
    ])  # fmt: skip
    sign_in(client, PORTAL_A)
    response = client.get("/executions.csv")
    chunks = list(response.response)
    response.close()
    assert len(chunks) == 3  # header + 500 rows, 500 rows, the last 201 rows
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["callback_id"] for r in rows] == [f"bulk-{n}" for n in range(1201)]
