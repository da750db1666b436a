"""Chunk prefetch: a chunk's HubSpot reads in a handful of batch calls, and the same bookings.

Every test runs the same executions twice, into two identically seeded QuickBooks companies:
once as today (each execution reads HubSpot itself), once after the action's
``prefetch(runtime, executions)``; outcomes, traces and what QuickBooks stored must be equal.
"""

from __future__ import annotations

import itertools

import pytest

from actions import ACTIONS, prefetch
from clients.hubspot import HubSpotError
from clients.transport import Unavailable
from executions import executor, ledger
from jobs import queue as queue_mode
from store import Execution
from tests.support.crm import (
    company,
    contact,
    hubspot_calls,
    line,
    make_deal,
    make_payment,
    make_quote,
)
from tests.support.queue import REDIS_URL, scratch_redis
from tests.support.signing import execution_payload

REALM_A, REALM_B = "9130350000000001", "9130350000000002"
ENUM = {"deals": "DEAL", "quotes": "QUOTE", "commerce_payments": "COMMERCE_PAYMENT"}
_callbacks = itertools.count(1)


@pytest.fixture
def queue_redis():
    """The test Redis (skips without one) and a key prefix of this test's own."""
    with scratch_redis() as pair:
        yield pair


@pytest.fixture
def settings(settings, request):
    """The root settings; in queue mode for the tests that ask for ``queue_redis``."""
    if "queue_redis" not in request.fixturenames:
        return settings
    _, prefix = request.getfixturevalue("queue_redis")
    return settings.replace(redis_url=REDIS_URL, execution_lease_seconds=5.0,
                            redis_prefix=prefix, pending_grace_seconds=0,
                            callback_window_seconds=0)  # fmt: skip


@pytest.fixture
def twins(world):
    """Two identically seeded US companies: A books without prefetch, B with it."""
    a = world.connect_company(REALM_A)
    b = world.connect_company(REALM_B)
    for qbo in (a, b):  # a customer QuickBooks already has: matched by email, no company read
        qbo.add("Customer", {"DisplayName": "Known Buyer", "Active": True,
                             "PrimaryEmailAddr": {"Address": "known@pf.example"}})  # fmt: skip
    return a, b


def queued(world, slug: str, path: str, record_id, realm: str, *, payload_properties=True):
    """A claimed (running) ledger row, as a worker holds it before running it."""
    props = {}
    if payload_properties and path in ENUM:
        stored = world.portal.get(path, str(record_id)) or {}
        props = {k: v for k, v in stored.items() if v not in (None, "")}
    payload = execution_payload(
        callback_id=f"ap-pf-{next(_callbacks)}", portal_id=world.portal_id,
        object_type=ENUM[path], object_id=int(record_id),
        inputs={"quickbooks_company": realm}, properties=props,
    )  # fmt: skip
    row = Execution(portal_id=world.portal_id, callback_id=payload["callbackId"], action=slug,
                    object_type=path, object_id=str(record_id), payload=payload,
                    inputs=payload["inputFields"])  # fmt: skip
    return ledger.claim(world.runtime.db, row, lease_seconds=60).execution


def run_chunk(world, slug: str, records, realm: str, *, prefetched: bool):
    """Run the records' executions one after another, as a worker runs a chunk."""
    rows = [queued(world, slug, path, rid, realm, payload_properties=n % 2 == 0)
            for n, (path, rid) in enumerate(records)]  # fmt: skip
    world.hubspot.reset_calls()
    if prefetched:
        ACTIONS[slug].prefetch(world.runtime, rows)
    during_prefetch = len(hubspot_calls(world))
    outcomes = [executor.run(world.runtime, row) for row in rows]
    traces = [_trace(world, row) for row in rows]
    return outcomes, traces, hubspot_calls(world), during_prefetch


def _trace(world, row) -> dict:

    trace = dict(ledger.by_id(world.runtime.db, row.id).trace or {})
    customer = trace.get("customer")
    if customer and customer.get("matched_by") == "cache":
        customer = {**customer, "matched_by": "email"}  # warmed by an earlier execution
    return {**trace, "customer": customer}


def stored(qbo, entity: str) -> list[dict]:
    """What QuickBooks keeps, without its own timestamps."""
    return [{k: v for k, v in row.items() if k != "MetaData"} for row in qbo.entities(entity)]


def sales(world) -> list[tuple[str, str]]:
    """Deals and quotes covering read_sale's rules (see each comment)."""
    consulting = line("Consulting", "150.00", "2", sku="CONS-H")
    implementation = line("Implementation", "2500.00", sku="IMPL-01")
    buyer = contact(world, "buyer@pf.example", "Bea", "Buyer")
    records = [
        # a discount line (amount < qty × price) and a second line; new customer, its company
        ("deals", make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H",
                                         amount="250.00"), implementation],
                            buyer, company(world, "Discount Co"))),
        # no contact at all: NO_CONTACT
        ("deals", make_deal(world, [consulting], None, None)),
        # no line items: NO_LINE_ITEMS
        ("deals", make_deal(world, [], buyer, None)),
        # the first contact has no email: the second one is billed
        ("deals", make_deal(world, [consulting], [contact(world, None, "No", "Mail"),
                                                  contact(world, "second@pf.example", "Sam")])),
        # a customer QuickBooks already has (matched by email: no company name needed)
        ("deals", make_deal(world, [implementation], contact(world, "known@pf.example"),
                            company(world, "Known Co"))),
        # the record does not exist: RECORD_NOT_FOUND
        ("deals", "987654321"),
    ]
    # two companies: an unlabeled one first, the primary (type 5) second; named after the primary
    two = make_deal(world, [consulting], contact(world, "primary@pf.example", "Pia"),
                    company(world, "Unlabeled Co"))
    world.portal.associate("deals", two, "companies", company(world, "Primary Co"), type_id=5)
    records.append(("deals", two))
    signer = contact(world, "signer@pf.example", "Sig", "Ner")
    records += [
        # the signer (702) among three contacts is billed, though listed last
        ("quotes", make_quote(world, [consulting, implementation],
                              [contact(world, "first@pf.example", "Fay"), buyer, signer],
                              company(world, "Quote Co"), signer=signer)),
        # two contacts, no signer: the first with an email
        ("quotes", make_quote(world, [consulting], [contact(world, None, "Nemo"), buyer])),
        # no contact: NO_CONTACT
        ("quotes", make_quote(world, [consulting], None, company(world, "Lonely Co"))),
    ]
    records.append(records[0])  # the same deal twice in one chunk: the second finds the first
    return records


def test_prefetched_chunk_books_exactly_what_single_reads_book(world, twins):
    qbo_a, qbo_b = twins
    records = sales(world)

    plain, plain_traces, plain_calls, _ = run_chunk(world, "create-invoice", records, REALM_A,
                                                    prefetched=False)  # fmt: skip
    warm, warm_traces, warm_calls, in_prefetch = run_chunk(world, "create-invoice", records,
                                                           REALM_B, prefetched=True)  # fmt: skip

    results = [(o.result, o.error_code) for o in plain]
    assert results == [
        ("created", ""), ("failed", "NO_CONTACT"), ("failed", "NO_LINE_ITEMS"), ("created", ""),
        ("created", ""), ("failed", "RECORD_NOT_FOUND"), ("created", ""), ("created", ""),
        ("created", ""), ("failed", "NO_CONTACT"), ("existing", ""),  # if_exists=skip
    ]
    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert warm_traces == plain_traces
    for entity in ("Invoice", "Customer"):
        assert stored(qbo_b, entity) == stored(qbo_a, entity)
    # The rules really were exercised: who was billed, under which name, with what discount.
    by_id = {c["Id"]: c for c in qbo_b.entities("Customer")}
    billed = [by_id[i["CustomerRef"]["value"]] for i in qbo_b.entities("Invoice")]
    assert [c["PrimaryEmailAddr"]["Address"] for c in billed] == [
        "buyer@pf.example", "second@pf.example", "known@pf.example", "primary@pf.example",
        "signer@pf.example", "buyer@pf.example",
    ]
    assert billed[3]["DisplayName"] == "Primary Co"  # the primary company, not the first
    discounts = [ln for ln in qbo_b.entities("Invoice")[0]["Line"]
                 if ln["DetailType"] == "DiscountLineDetail"]  # fmt: skip
    assert [str(d["Amount"]) for d in discounts] == ["50.00"]

    # Without prefetch each execution reads the record, then its lines and contacts.
    assert len(plain_calls) >= 3 * len(records) - 8
    # With it: two record types x (records, 3 association reads, lines, contacts) + one read
    # of the companies per type once a new customer needs a name, + the missing deal's 404.
    singles = [c for c in warm_calls if "/batch/read" not in c["path"]]
    assert [c["path"] for c in singles] == ["/crm/objects/2026-03/deals/987654321"]
    assert in_prefetch == 2 * 6 + 3  # + the quotes' discounts, fees and taxes associations
    assert len(warm_calls) == in_prefetch + 2 + 1


def test_a_bulk_chunk_costs_a_handful_of_batch_calls_not_three_per_execution(world, twins):
    qbo_a, qbo_b = twins
    buyers = [(contact(world, f"bulk{n}@pf.example", "Bulk", f"No{n}"),
               company(world, f"Bulk Customer {n}")) for n in range(4)]  # fmt: skip
    for qbo in twins:  # two of the four buyers are QuickBooks customers already
        for n in (0, 1):
            qbo.add("Customer", {"DisplayName": f"Bulk Customer {n}", "Active": True,
                                 "PrimaryEmailAddr": {"Address": f"bulk{n}@pf.example"}})
    records = [("deals", make_deal(world, [line("Consulting", "150.00", str(1 + n % 3),
                                                sku="CONS-H"),
                                           line("Implementation", "2500.00", sku="IMPL-01")],
                                   *buyers[n % 4])) for n in range(16)]  # fmt: skip

    plain, _, plain_calls, _ = run_chunk(world, "create-invoice", records, REALM_A,
                                         prefetched=False)  # fmt: skip
    warm, _, warm_calls, in_prefetch = run_chunk(world, "create-invoice", records, REALM_B,
                                                 prefetched=True)  # fmt: skip

    assert {o.result for o in warm} == {"created"}
    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert stored(qbo_b, "Invoice") == stored(qbo_a, "Invoice")
    # record, lines, contacts, company (its address is BillAddr, SPEC §7)
    assert len(plain_calls) == 4 * 16
    assert in_prefetch == 6  # records, line_items/contacts/companies associations, lines, contacts
    assert len(warm_calls) == 7  # + one read of every company, when the first one is needed
    assert all(c["method"] == "POST" and c["path"].endswith("/batch/read") for c in warm_calls)
    # QuickBooks: the two known buyers are found by one batch request instead of two queries;
    # the two new ones are still looked up (then created) by each execution, as before.
    plain_qbo, warm_qbo = qbo_calls_by_kind(world, REALM_A), qbo_calls_by_kind(world, REALM_B)
    assert plain_qbo["invoice"] == warm_qbo["invoice"] == 16
    assert plain_qbo["customer"] == warm_qbo["customer"] == 2
    assert warm_qbo["batch"] == 1 and "batch" not in plain_qbo
    assert warm_qbo["query"] == plain_qbo["query"] - 2
    assert stored(qbo_b, "Customer") == stored(qbo_a, "Customer")


def qbo_calls_by_kind(world, realm: str) -> dict[str, int]:
    """QuickBooks API calls to one company, by resource (invoice, query, batch...)."""
    kinds: dict[str, int] = {}
    for call in world.quickbooks.calls:
        prefix = f"/v3/company/{realm}/"
        if call["path"].startswith(prefix):
            kind = call["path"][len(prefix):].split("/")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


@pytest.mark.parametrize(
    ("kind", "match", "count", "error"),
    [
        ("error_503", "/crm/associations/2026-03/", 3, Unavailable),  # every retry fails
        ("rate_limit", "/crm/objects/2026-03/line_items/batch/read", 1, HubSpotError),
    ],
)
def test_a_failing_prefetch_caches_nothing_and_executions_read_for_themselves(
    world, twins, kind, match, count, error
):
    qbo_a, qbo_b = twins
    runtime = world.runtime
    # A HubSpot 429 pauses the portal for a window: keep the window short in this test.
    runtime.settings = runtime.settings.replace(hubspot_window_seconds=0.2)
    records = sales(world)[:5]
    plain, _, _, _ = run_chunk(world, "create-invoice", records, REALM_A, prefetched=False)
    rows = [queued(world, "create-invoice", path, rid, REALM_B) for path, rid in records]
    world.hubspot.faults.add(kind, match, count)

    with pytest.raises(error):
        ACTIONS["create-invoice"].prefetch(runtime, rows)
    assert len(prefetch.cache_of(runtime)) == 0

    world.hubspot.reset_calls()
    warm = [executor.run(runtime, row) for row in rows]
    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert stored(qbo_b, "Invoice") == stored(qbo_a, "Invoice")
    reads = [c["path"] for c in hubspot_calls(world) if c["method"] == "GET"]
    assert sum(p.startswith("/crm/objects/2026-03/deals/") for p in reads) == len(records)


def test_a_failing_quickbooks_batch_lookup_keeps_the_hubspot_reads(world, twins):
    qbo_a, qbo_b = twins
    records = sales(world)[:5]
    plain, _, _, _ = run_chunk(world, "create-invoice", records, REALM_A, prefetched=False)
    rows = [queued(world, "create-invoice", path, rid, REALM_B) for path, rid in records]
    world.quickbooks.faults.add("error_500", f"/v3/company/{REALM_B}/batch", 3)

    ACTIONS["create-invoice"].prefetch(world.runtime, rows)  # logs the failure, no raise
    batches = [c["status"] for c in world.quickbooks.calls if c["path"].endswith("/batch")]
    assert batches == [500, 500, 500]  # every retry of the one batch request failed
    world.hubspot.reset_calls()
    warm = [executor.run(world.runtime, row) for row in rows]

    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert stored(qbo_b, "Invoice") == stored(qbo_a, "Invoice")
    assert all(c["path"].endswith("/batch/read") for c in hubspot_calls(world))


def test_sales_receipts_estimates_and_payment_actions_prefetch_too():
    for slug in ("create-invoice", "create-estimate", "create-sales-receipt",
                 "create-paid-invoice", "create-refund-receipt"):  # fmt: skip
        assert callable(getattr(ACTIONS[slug], "prefetch", None)), slug
    assert getattr(ACTIONS["create-fee-expense"], "prefetch", None) is None


def test_an_estimate_chunk_of_quotes_matches_single_reads(world, twins):
    qbo_a, qbo_b = twins
    records = [r for r in sales(world) if r[0] == "quotes"]
    plain, plain_traces, _, _ = run_chunk(world, "create-estimate", records, REALM_A,
                                          prefetched=False)  # fmt: skip
    warm, warm_traces, warm_calls, _ = run_chunk(world, "create-estimate", records, REALM_B,
                                                 prefetched=True)  # fmt: skip
    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert warm_traces == plain_traces
    assert stored(qbo_b, "Estimate") == stored(qbo_a, "Estimate")
    assert all(c["path"].endswith("/batch/read") for c in warm_calls)


def test_a_sales_receipt_chunk_of_payments_matches_single_reads(world, twins):
    qbo_a, qbo_b = twins
    records = [
        # line items and a contact
        ("commerce_payments", make_payment(world, "300.00", [line("Consulting", "150.00", "2",
                                                                  sku="CONS-H")],
                                           contact(world, "payer@pf.example", "Pat"),
                                           company(world, "Payer Co"))),
        # no contact: the email the payer gave
        ("commerce_payments", make_payment(world, "150.00", [line("Consulting", "150.00",
                                                                  sku="CONS-H")],
                                           None, hs_customer_email="given@pf.example")),
        # no line items: one line of the gross amount (on the fallback item)
        ("commerce_payments", make_payment(world, "99.00", [], contact(world, "payer@pf.example"))),
    ]  # fmt: skip
    plain, plain_traces, _, _ = run_chunk(world, "create-sales-receipt", records, REALM_A,
                                          prefetched=False)  # fmt: skip
    warm, warm_traces, warm_calls, in_prefetch = run_chunk(
        world, "create-sales-receipt", records, REALM_B, prefetched=True)
    assert [o.result for o in plain][:2] == ["created", "created"]
    assert [o.output_fields() for o in warm] == [o.output_fields() for o in plain]
    assert warm_traces == plain_traces
    assert stored(qbo_b, "SalesReceipt") == stored(qbo_a, "SalesReceipt")
    assert in_prefetch == 6
    # payments.properties reads a payment whose payload lacks its status (HubSpot sends it
    # through objectRequestOptions; run_chunk leaves every second payload empty).
    singles = [c["path"] for c in warm_calls if not c["path"].endswith("/batch/read")]
    assert singles == [f"/crm/objects/2026-03/commerce_payments/{records[1][1]}"]


def test_cached_reads_are_taken_once_and_expire():
    chunk = prefetch.ChunkReads([])
    reads = prefetch.SaleReads({}, [], [], None, chunk)
    cache = prefetch.ReadCache(ttl=60)
    cache.put(1, "deals", "7", reads, uses=2)
    assert cache.take(1, "deals", "7") is reads
    assert cache.take(1, "deals", "7") is reads
    assert cache.take(1, "deals", "7") is None
    stale = prefetch.ReadCache(ttl=-1)
    stale.put(1, "deals", "8", reads)
    assert stale.take(1, "deals", "8") is None


def test_a_queue_worker_reads_its_chunk_in_batch_calls(world, queue_redis):
    qbo = world.connect_company()
    buyer = contact(world, "queue@pf.example", "Quinn")
    deals = [make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H")], buyer,
                       company(world, "Queue Co")) for _ in range(6)]  # fmt: skip
    for n, deal_id in enumerate(deals):
        answer = world.execute("create-invoice", "DEAL", deal_id, callback_id=f"ap-pfq-{n}",
                               properties={})  # fmt: skip
        assert answer.get_json()["outputFields"]["hs_execution_state"] == "BLOCK"
        world.hubspot.register_callback(f"ap-pfq-{n}", world.portal_id)
    world.hubspot.reset_calls()

    queue_mode.run_worker(world.app, burst=True)

    completions = {c["callbackId"]: c["outputFields"] for c in world.hubspot.completions}
    assert sorted(completions) == [f"ap-pfq-{n}" for n in range(6)]
    assert {o["result"] for o in completions.values()} == {"created"}
    assert len(qbo.entities("Invoice")) == 6
    crm = hubspot_calls(world)
    assert all(c["path"].endswith("/batch/read") for c in crm)
    assert len(crm) == 7  # records, 3 association reads, lines, contacts, the company
