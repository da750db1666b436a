"""Status sync benchmark: N invoices paid in QuickBooks, their webhooks settled onto N deals.

    .venv/bin/python benchmarks/webhooks.py --n 1000 [--format legacy]

In one process: the HubSpot and QuickBooks emulators and the server (inline mode, its settler
thread), each on a loopback port. It seeds N deals and N invoices this product booked (invoices
stored straight into the emulated company and linked in the store: the booking path has its own
benchmark), then pays every invoice in the QuickBooks emulator. The emulator aggregates the
events into signed notifications of at most 100, as Intuit does, and posts them to
`/quickbooks/webhooks`. Prints the events, the QuickBooks reads (GET and query calls), the
HubSpot batch updates and the time from the first payment until every deal shows `paid`.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import base64
import logging
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import store  # noqa: E402
from app import create_app  # noqa: E402
from emulators.hubspot import HubSpotEmulator  # noqa: E402
from emulators.hubspot.emulator import DEFAULT_SCOPES  # noqa: E402
from emulators.quickbooks import QuickBooksEmulator  # noqa: E402
from emulators.server import serve_in_thread  # noqa: E402
from sandbox import pointed_at_emulators  # noqa: E402
from settings import Settings  # noqa: E402
from statussync import properties  # noqa: E402
from store import Portal, QuickBooksConnection, TransactionLink, migrate, utcnow  # noqa: E402
from store import status as rows  # noqa: E402

PORTAL_ID = 1000001
REALM = "9130350000000001"
VERIFIER = "bench-verifier-token"
KEY = base64.urlsafe_b64encode(b"hubqbo-bench-webhooks-fernet-32b").decode()


def build(tmp: Path):
    """Emulators and the app, wired together; (app, hubspot, quickbooks)."""
    hubspot = HubSpotEmulator(client_id="hs-client", client_secret="hs-secret")
    quickbooks = QuickBooksEmulator(client_id="qbo-client", client_secret="qbo-secret")
    quickbooks.config.update({"per_second": 1000, "per_minute": 100000})
    hs_server, qbo_server = serve_in_thread(hubspot.app), serve_in_thread(quickbooks.app)
    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    settings = pointed_at_emulators(Settings(
        database_url=url, secret_key="bench", token_encryption_keys=(KEY,),
        hubspot_client_id="hs-client", hubspot_client_secret="hs-secret",
        quickbooks_client_id="qbo-client", quickbooks_client_secret="qbo-secret",
        quickbooks_webhook_verifier_token=VERIFIER,
    ), hs_server.url, qbo_server.url)
    app = create_app(settings)
    app_server = serve_in_thread(app)
    return app, app_server, hubspot, quickbooks


def seed(app, hubspot, quickbooks, n: int) -> list[tuple[str, str]]:
    """A portal with write scopes, a company, N deals and N linked open invoices."""
    runtime = app.extensions["hubqbo"]
    portal = hubspot.add_portal(portal_id=PORTAL_ID, name="Bench Co")
    granted = [*DEFAULT_SCOPES, *properties.WRITE_SCOPES]
    tokens = hubspot.issue_tokens(PORTAL_ID, scopes=granted)
    cipher = runtime.cipher
    store.save(runtime.db, Portal(
        id=PORTAL_ID, name="Bench Co", scopes=" ".join(granted),
        access_token=cipher.encrypt(tokens["access_token"]),
        refresh_token=cipher.encrypt(tokens["refresh_token"]),
        token_expires_at=utcnow() + timedelta(hours=1)))
    company = quickbooks.add_company(realm_id=REALM, name="Bench Books")  # no invoices seeded
    qbo_tokens = quickbooks.issue_tokens(REALM)
    store.save(runtime.db, QuickBooksConnection(
        portal_id=PORTAL_ID, realm_id=REALM, company_name="Bench Books", country="US",
        home_currency="USD", access_token=cipher.encrypt(qbo_tokens["access_token"]),
        refresh_token=cipher.encrypt(qbo_tokens["refresh_token"]),
        access_expires_at=utcnow() + timedelta(hours=1)))
    customer = company.add("Customer", {"DisplayName": "Bench Customer",
                                        "Balance": Decimal(0), "BalanceWithJobs": Decimal(0)})
    properties.setup(runtime.hubspot_client(PORTAL_ID))
    due = (date.today() + timedelta(days=30)).isoformat()
    pairs, links = [], []
    for i in range(n):
        deal = portal.create("deals", {"dealname": f"Deal {i}"})
        total = f"{100 + i % 50}.00"
        amount = Decimal(total)  # the emulator's rules keep amounts as Decimals
        invoice = company.add("Invoice", {
            "DocNumber": str(5000 + i), "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": amount, "Balance": amount, "DueDate": due, "EmailStatus": "NotSet",
            "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail"}]})
        pairs.append((deal, invoice["Id"]))
        links.append(TransactionLink(
            portal_id=PORTAL_ID, realm_id=REALM, action="create-invoice", object_type="DEAL",
            object_id=deal, qbo_type="Invoice", qbo_id=invoice["Id"],
            qbo_doc_number=str(5000 + i), qbo_total=total))
    with runtime.db.session() as s:
        s.add_all(links)
    return pairs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--format", choices=("cloudevents", "legacy"), default="cloudevents")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app, server, hubspot, quickbooks = build(Path(tmp))
        pairs = seed(app, hubspot, quickbooks, args.n)
        quickbooks.webhooks.configure(url=f"{server.url}/quickbooks/webhooks",
                                      format=args.format, verifier_token=VERIFIER,
                                      batch_seconds=0.5, max_events=100)
        quickbooks.reset_calls()
        hubspot.reset_calls()
        started = time.perf_counter()
        for _, invoice in pairs:
            quickbooks.pay_invoice(REALM, invoice)
        portal = hubspot.portal(PORTAL_ID)
        runtime = app.extensions["hubqbo"]
        deadline = time.monotonic() + args.timeout
        paid_at = None
        while time.monotonic() < deadline:
            if paid_at is None and all(portal.get("deals", d).get("qbo_invoice_status") == "paid"
                                       for d, _ in pairs):
                paid_at = time.perf_counter() - started
            quickbooks.webhooks.flush(timeout=0.1)
            if (paid_at is not None and rows.count_events(runtime.db) >= len(pairs)
                    and rows.count_events(runtime.db, "pending") == 0):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        paid = sum(portal.get("deals", d).get("qbo_invoice_status") == "paid" for d, _ in pairs)
        qbo = [c for c in quickbooks.calls if c["path"].startswith("/v3/company/")]
        reads = [c for c in qbo if c["method"] == "GET" or c["path"].endswith("/query")]
        updates = [c for c in hubspot.calls if c["path"].endswith("/batch/update")]
        print(f"webhook events: {rows.count_events(runtime.db)} recorded, "
              f"{rows.count_events(runtime.db, 'done')} settled "
              f"({len(quickbooks.webhooks.sent)} notifications, {args.format})")
        print(f"deals paid: {paid}/{len(pairs)}")
        print(f"QuickBooks reads: {len(reads)} "
              f"({sum('/cdc' in c['path'] for c in reads)} CDC)")
        print(f"HubSpot batch updates: {len(updates)}")
        print(f"time: every deal paid {paid_at or float('nan'):.2f} s after the first payment; "
              f"every event settled after {elapsed:.2f} s")
        app.extensions["status_settler"].stop()
        server.stop()


if __name__ == "__main__":
    main()
