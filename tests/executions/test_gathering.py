"""Inline executions arriving together share HubSpot batch reads; admission refuses early.

Through the real endpoint and both emulators: concurrent deliveries cost one set of batch reads
(counted in the HubSpot emulator's call log) and book exactly what one-at-a-time deliveries
book; a lone delivery neither gathers nor waits; a spent budget answers 429 before any call.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from executions import budgets, deliveries, gathering, ledger
from failures import TransientFailure
from store import Execution
from tests.support.crm import company, contact, hubspot_calls, line, make_deal, outputs

REALM_A, REALM_B = "9130350000000001", "9130350000000002"
N = 5
# What differs between two companies' bookings of the same sale.
COMPANY_SPECIFIC = ("qbo_id", "qbo_doc_number", "qbo_url", "qbo_customer_id")


def deals(world) -> list[str]:
    """N deals, each with two lines and its own buyer and company (a customer to create)."""
    made = []
    for n in range(N):
        buyer = contact(world, f"buyer{n}@gather.example", "Buyer", f"No{n}")
        lines = [line("Consulting", "150.00", str(1 + n), sku="CONS-H"),
                 line("Implementation", "2500.00", sku="IMPL-01")]  # fmt: skip
        made.append(make_deal(world, lines, buyer, company(world, f"Gather Co {n}")))
    return made


def deliver_together(world, deal_ids, realm: str) -> dict:
    """Deliver the deals' executions at once from several threads, as HubSpot does; returns
    each deal's answer. One execution of this process is already running meanwhile."""
    answers: dict = {}
    start = threading.Barrier(len(deal_ids))

    def one(deal_id):
        start.wait()
        answers[deal_id] = world.execute("create-invoice", "DEAL", deal_id,
                                         {"quickbooks_company": realm})  # fmt: skip

    threads = [threading.Thread(target=one, args=(d,)) for d in deal_ids]
    running = SimpleNamespace(action="create-invoice")  # a booking in progress elsewhere
    with world.runtime.gatherer.shared(running):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return answers


def comparable(answer) -> dict:
    """An answer's outputs without what names the company's own ids."""
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {k: v for k, v in outputs(answer).items() if k not in COMPANY_SPECIFIC}


def booked(qbo) -> list[tuple]:
    """Each stored invoice as (customer's name, total, lines' amounts), in a stable order."""
    names = {c["Id"]: c["DisplayName"] for c in qbo.entities("Customer")}
    return sorted(
        (names[i["CustomerRef"]["value"]], str(i["TotalAmt"]),
         tuple(str(ln["Amount"]) for ln in i["Line"]
               if ln.get("DetailType") != "SubTotalLineDetail"))
        for i in qbo.entities("Invoice")
    )  # fmt: skip


@pytest.fixture
def gathers(world, monkeypatch):
    """The process's gatherer, gathering for a while (no budget holds these executions back)."""
    deliveries.inline(world.runtime)
    world.runtime.settings = world.runtime.settings.replace(gathering_window_seconds=3.0)
    return world.runtime.gatherer


def test_concurrent_inline_executions_share_one_set_of_batch_reads(world, gathers):
    qbo_a = world.connect_company(REALM_A)
    qbo_b = world.connect_company(REALM_B)
    deal_ids = deals(world)

    world.hubspot.reset_calls()
    alone = {d: world.execute("create-invoice", "DEAL", d, {"quickbooks_company": REALM_A})
             for d in deal_ids}  # fmt: skip
    single_calls = hubspot_calls(world)
    world.hubspot.reset_calls()
    together = deliver_together(world, deal_ids, REALM_B)
    shared_calls = hubspot_calls(world)

    # Same outputs and the same bookings as one delivery at a time.
    assert {d: comparable(a) for d, a in together.items()} == {
        d: comparable(a) for d, a in alone.items()}
    assert all(outputs(a)["qbo_id"] for a in together.values())
    assert booked(qbo_b) == booked(qbo_a)
    assert len(booked(qbo_b)) == N

    # One at a time: the deal with its associations, its lines, its contacts, its company.
    assert len(single_calls) == 4 * N
    # Together: deals, three association types, lines, contacts, companies: one call each.
    paths = sorted(c["path"] for c in shared_calls)
    assert paths == sorted([
        "/crm/objects/2026-03/deals/batch/read", "/crm/objects/2026-03/line_items/batch/read",
        "/crm/objects/2026-03/contacts/batch/read", "/crm/objects/2026-03/companies/batch/read",
        *(f"/crm/associations/2026-03/deals/{to}/batch/read"
          for to in ("line_items", "contacts", "companies")),
    ])  # fmt: skip


def test_a_lone_inline_execution_neither_gathers_nor_waits(world, gathers, monkeypatch):
    world.connect_company(REALM_A)
    deal_id = deals(world)[0]
    opened = []
    monkeypatch.setattr(gathering, "Batch", lambda *a, **k: opened.append(a) or None)
    world.hubspot.reset_calls()
    before = budgets.waited()

    answer = world.execute("create-invoice", "DEAL", deal_id, {"quickbooks_company": REALM_A})

    assert outputs(answer)["qbo_id"]
    assert opened == []  # no batch opened: the gathering window never started
    assert budgets.waited() == before  # held back for nothing (the test client runs inline)
    # It read its own record, as without gathering (no batch read of the deal).
    assert [c["path"] for c in hubspot_calls(world)][0].startswith("/crm/objects/2026-03/deals/")
    assert "/crm/objects/2026-03/deals/batch/read" not in [c["path"] for c in hubspot_calls(world)]


def test_spent_hubspot_budget_answers_429_before_any_hubspot_call(world, runtime):
    world.connect_company(REALM_A)
    deal_id = deals(world)[0]
    runtime.settings = runtime.settings.replace(
        hubspot_per_window=2, inline_budget_wait=0.5)
    gate = runtime.hubspot_budget.for_portal(world.portal_id)
    gate(), gate()  # the portal's 10-second window is spent
    world.hubspot.reset_calls()
    world.quickbooks.reset_calls()

    answer = world.execute("create-invoice", "DEAL", deal_id, callback_id="ap-hs-spent")

    assert answer.status_code == 429
    assert 9 <= int(answer.headers["Retry-After"]) <= 11
    assert hubspot_calls(world) == [] and world.quickbooks.calls == []
    assert ledger.by_callback(runtime.db, world.portal_id, "ap-hs-spent").status == "pending"


def test_admission_refuses_what_quickbooks_budget_cannot_serve_soon(world, runtime):
    world.connect_company(REALM_A)
    deal_id = deals(world)[0]
    runtime.settings = runtime.settings.replace(
        quickbooks_per_second=1, inline_budget_wait=0.5, rate_margin_seconds=0.2)
    admission = deliveries.inline(runtime)
    row = Execution(portal_id=world.portal_id, callback_id="ap-q", action="create-invoice",
                    object_type="deals", object_id=deal_id, payload={}, inputs={})  # fmt: skip
    # 1 request per 1.2 s; each admitted execution reserves its expected calls.
    horizon = 0.75 * 0.5 + gathering.MAX_WINDOW + gathering.READ_LEAD
    admitted = []
    while len(admitted) * admission.calls / (1 / 1.2) <= horizon:
        admitted.append(admission.admit(row))
    assert len(admitted) >= 2
    assert admitted[1].slot > admitted[0].slot  # later arrivals wait longer: they gather longer

    with pytest.raises(TransientFailure) as refused:
        admission.admit(row)
    assert refused.value.status == 429 and refused.value.retry_after > 0

    # Once the admitted ones finish (or make their calls), there is room again.
    for ticket in admitted:
        with admission.holding(ticket):
            pass
    again = admission.admit(row)
    assert again.slot == 0.0
    with admission.holding(again):
        pass

    # Through the endpoint, the refusal comes before any HubSpot or QuickBooks call.
    for _ in admitted:
        admission.admit(row)
    world.hubspot.reset_calls()
    answer = world.execute("create-invoice", "DEAL", deal_id, callback_id="ap-qbo-spent")
    assert answer.status_code == 429
    assert hubspot_calls(world) == [] and world.quickbooks.calls == []
