"""Status sync in queue mode: the webhook enqueues an RQ job that settles after the 200."""

from __future__ import annotations

import time

from jobs import queue as queue_mode
from store import status as rows
from tests.support.crm import contact, line, make_deal
from tests.support.status import deal_props, enable, grant_write_scopes, setup_properties

REALM = "9130350000000001"


def work(world) -> None:
    """Deliver what the emulator queued, then run a worker until the queue is empty."""
    world.quickbooks.webhooks.flush()
    queue_mode.run_worker(world.app, burst=True)


def test_payment_settles_through_the_queue(world):
    world.connect_company()
    grant_write_scopes(world)
    setup_properties(world)
    enable(world)
    deal = make_deal(world, [line("Consulting", "120.00", "1", sku="CONS-H")], contact(world))
    answer = world.execute("create-invoice", "DEAL", deal)
    assert answer.status_code == 200
    work(world)  # books the invoice, then settles its create event
    invoice = world.quickbooks.companies[REALM].entities("Invoice")[-1]["Id"]
    work(world)
    assert deal_props(world, deal)["qbo_invoice_status"] == "awaiting_send"
    started = time.monotonic()
    world.quickbooks.pay_invoice(REALM, invoice, "20.00")
    work(world)
    props = deal_props(world, deal)
    assert (props["qbo_invoice_status"], props["qbo_amount_paid"], props["qbo_balance"]) == (
        "partially_paid", "20.00", "100.00")
    world.quickbooks.pay_invoice(REALM, invoice)
    work(world)
    props = deal_props(world, deal)
    assert (props["qbo_invoice_status"], props["qbo_balance"]) == ("paid", "0.00")
    assert time.monotonic() - started < 10
    assert rows.count_events(world.runtime.db, "pending") == 0
    # Inline settling stayed off: the queue did the work.
    assert world.app.extensions["status_settler"]._thread is None
