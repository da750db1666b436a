"""Batch reads for a chunk of queued sales: the HubSpot records behind many executions at once.

A queue worker runs up to 30 executions of one portal in a row and first calls the action's
``prefetch(runtime, executions)`` (jobs/tasks.py). For the actions that book a sale read by
``resolve.read_sale`` this reads, for all the chunk's records of one type:

1. their properties: ``POST /crm/objects/2026-03/{type}/batch/read``;
2. their line items, contacts and companies:
   ``POST /crm/associations/2026-03/{type}/{to}/batch/read``, every page (the answer names each
   association's type id: the quote signer 702, the deal's primary company 5);
3. every line item, then every contact: one ``batch/read`` each (100 ids per call);
4. company names only once an execution asks for one (a customer to match by name or create),
   then every company of the chunk in that one call — ``read_sale``'s own rule, batched.

Then, in each QuickBooks company of the chunk, the billing emails no customer is cached for yet
are looked up in one batch request (``POST /v3/company/{realm}/batch``, up to 30 queries, the
same query ``customers`` sends per email), filling the company's ``lookups`` cache: a chunk of
new-to-this-process customers costs one QuickBooks call instead of one per customer.

About 6 HubSpot calls per chunk instead of about 3 per execution. What was read waits in the
runtime's ``ReadCache`` under (portal, record type, record id) for ``TTL_SECONDS``;
``read_sale`` takes its entry (once per execution) and builds the sale from it exactly as from
its own reads, or reads HubSpot itself when there is none (inline mode, a failed prefetch, an
execution run later). The rules that pick the contact and the company from association answers
mirror ``resolve``'s rules for the object read; tests/actions/test_prefetch.py proves both agree.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from actions import lookups, quote_terms
from actions.parties import COMPANY_PROPERTIES, CONTACT_PROPERTIES
from actions.resolve import LINE_ITEM_PROPERTIES, QUOTE_SIGNER
from clients.quickbooks import QuickBooksError, escape
from clients.transport import Unavailable
from failures import ActionFailed, CompanyRefused, TransientFailure
from schemas.records import DEAL, PAYMENT, QUOTE, RECORD_PROPERTIES, RecordType, record_type
from store.companies import resolve_company
from store.tables import QuickBooksConnection

log = logging.getLogger(__name__)

# Two minutes: long enough for a queued chunk's executions to be worked off, short enough that
# an execution run later (a retry, a replay) reads the record afresh rather than an old copy.
TTL_SECONDS = 120.0
# read_sale reads at most this many contacts per record (one batch read).
CONTACTS_READ = 100
# The object read calls this default deal→company type "deal_to_company_unlabeled" (the pair has a
# Primary label); read_sale's primary company is the first one with any other type.
UNLABELED_COMPANY_TYPE = {DEAL: 341}
ASSOCIATED = ("line_items", "contacts", "companies")
QUICKBOOKS_BATCH = 30  # queries per QuickBooks batch request
QUERY_PAGE = 1000  # a full page may hide more customers: leave that email to customers.py

_cache_lock = threading.Lock()


class PrefetchesSales:
    """Mixin for the actions that book a sale read by ``resolve.read_sale``."""

    def prefetch(self, runtime, executions) -> None:
        """Read the chunk's HubSpot records, and look up its QuickBooks customers, in batch
        calls before its executions run."""
        warm(runtime, executions)


class ChunkReads:
    """The line items, contacts and (on first ask) companies read in batch for one chunk."""

    def __init__(self, company_ids: list[str]):
        self.company_ids = list(dict.fromkeys(company_ids))
        self.records: dict[str, dict[str, dict | None]] = {}  # type → id → record (None: gone)
        self.properties: dict[str, tuple[str, ...]] = {}  # type → the properties read
        self._lock = threading.Lock()

    def read(self, client, object_type: str, ids: list[str], properties) -> None:
        """Read these records in batch; ids HubSpot leaves out are remembered as gone."""
        unique = list(dict.fromkeys(str(i) for i in ids))
        found = {str(r["id"]): r for r in client.batch_read(object_type, unique, properties)}
        self.records[object_type] = {i: found.get(i) for i in unique}
        self.properties[object_type] = tuple(properties)

    def batch_read(self, client, object_type: str, ids, properties) -> list[dict]:
        """What ``client.batch_read`` would answer, from the chunk's reads when they cover it."""
        known = self.records.get(object_type, {})
        unique = list(dict.fromkeys(str(i) for i in ids))
        covered = set(properties) <= set(self.properties.get(object_type, ()))
        if not covered or any(i not in known for i in unique):
            return client.batch_read(object_type, ids, properties)
        return [known[i] for i in unique if known[i] is not None]

    def get_object(self, client, object_type: str, object_id, properties=(),
                   associations=()) -> dict:
        """A company's name from one batch read of every company of the chunk; else HubSpot."""
        object_id = str(object_id)
        if (object_type == "companies" and not associations and object_id in self.company_ids
                and set(properties) <= set(COMPANY_PROPERTIES)):
            with self._lock:
                if "companies" not in self.records:
                    self.read(client, "companies", self.company_ids, COMPANY_PROPERTIES)
            found = self.records["companies"].get(object_id)
            if found is not None:
                return found
        # Not read, or gone: the single read answers (a 404 fails the execution as before).
        return client.get_object(object_type, object_id, properties, associations)


@dataclass(frozen=True)
class ChunkReader:
    """A HubSpot reader for read_sale: the chunk's reads first, the execution's client else."""

    chunk: ChunkReads
    client: object

    def batch_read(self, object_type: str, ids, properties) -> list[dict]:
        """Like HubSpotClient.batch_read."""
        return self.chunk.batch_read(self.client, object_type, ids, properties)

    def get_object(self, object_type: str, object_id, properties=(), associations=()) -> dict:
        """Like HubSpotClient.get_object."""
        return self.chunk.get_object(self.client, object_type, object_id, properties,
                                     associations)


@dataclass(frozen=True)
class SaleReads:
    """What read_sale reads of one record, read in batch for its chunk."""

    properties: dict  # the record's RECORD_PROPERTIES as HubSpot holds them
    line_ids: list[str]
    contact_ids: list[str]  # a quote's signer first
    company_id: str | None
    chunk: ChunkReads = field(repr=False)
    # A quote's discounts, fees and taxes as a v3 read names them (None: not read here).
    term_links: dict | None = None

    def reader(self, client) -> ChunkReader:
        """Serve this record's line items, contacts and company, falling back on ``client``."""
        return ChunkReader(self.chunk, client)


class ReadCache:
    """Prefetched reads by (portal, record type path, record id); each taken once, short-lived."""

    def __init__(self, ttl: float = TTL_SECONDS):
        self.ttl = ttl
        self._entries: dict[tuple[int, str, str], list[tuple[float, SaleReads]]] = {}
        self._lock = threading.Lock()

    def put(self, portal_id: int, path: str, record_id: str, reads: SaleReads,
            uses: int = 1) -> None:
        """Keep a record's reads for ``uses`` executions (one per execution of the chunk)."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, v in self._entries.items() if v[-1][0] <= now]:
                del self._entries[key]
            self._entries[(int(portal_id), path, str(record_id))] = [(now + self.ttl, reads)] * uses

    def take(self, portal_id: int, path: str, record_id: str) -> SaleReads | None:
        """A record's reads, once per put use; None when none are kept or they expired."""
        key = (int(portal_id), path, str(record_id))
        with self._lock:
            entries = self._entries.get(key)
            if not entries:
                return None
            expires, reads = entries.pop()
            if not entries:
                del self._entries[key]
        return reads if expires > time.monotonic() else None

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._entries.values())


def cache_of(runtime) -> ReadCache:
    """The runtime's cache of prefetched reads (made on first use)."""
    with _cache_lock:
        if runtime.prefetched is None:
            runtime.prefetched = ReadCache()
        return runtime.prefetched


def warm(runtime, executions) -> int:
    """Read the executions' records in batch calls and cache them; returns how many."""
    groups: dict[tuple[int, RecordType], list[str]] = {}
    for row in executions:
        kind = record_type(row.object_type)
        if kind is not None:
            groups.setdefault((row.portal_id, kind), []).append(str(row.object_id))
    cache = cache_of(runtime)
    read: dict[tuple[int, str, str], SaleReads] = {}
    for (portal_id, kind), ids in groups.items():
        client = runtime.hubspot_client(portal_id)
        for record_id, reads in read_chunk(client, kind, list(dict.fromkeys(ids))).items():
            cache.put(portal_id, kind.path, record_id, reads, uses=ids.count(record_id))
            read[(portal_id, kind.path, record_id)] = reads
    try:
        warm_customers(runtime, executions, read)
    except (QuickBooksError, TransientFailure, Unavailable) as exc:
        # A warm-up only: each execution still looks its customer up.
        log.warning("batch customer lookup failed (%s); executions look up their own", exc)
    return len(read)


def read_chunk(client, kind: RecordType, ids: list[str]) -> dict[str, SaleReads]:
    """Everything read_sale needs of these records of one type, in a handful of batch calls.

    Records HubSpot does not return (deleted) are left out: their executions read HubSpot
    themselves. Association lists are read to the end (the client pages them).
    """
    records = client.batch_read(kind.path, ids, RECORD_PROPERTIES[kind.path])
    found = {str(r["id"]): r for r in records}
    ids = [i for i in ids if i in found]
    if not ids:
        return {}
    links = {to: client.batch_associations(kind.path, to, ids) for to in ASSOCIATED}
    line_ids = {i: _to_ids(links["line_items"].get(i, [])) for i in ids}
    contact_ids = {i: contact_order(kind, links["contacts"].get(i, [])) for i in ids}
    company_ids = {i: primary_company(kind, links["companies"].get(i, [])) for i in ids}
    chunk = ChunkReads([c for c in company_ids.values() if c])
    chunk.read(client, "line_items", [x for i in ids for x in line_ids[i]], LINE_ITEM_PROPERTIES)
    chunk.read(client, "contacts", [x for i in ids for x in contact_ids[i][:CONTACTS_READ]],
               CONTACT_PROPERTIES)  # fmt: skip
    terms = _quote_terms(client, chunk, ids) if kind is QUOTE else {}
    return {
        i: SaleReads(dict(found[i].get("properties") or {}), line_ids[i], contact_ids[i],
                     company_ids[i], chunk, terms.get(i))
        for i in ids
    }  # fmt: skip


def _quote_terms(client, chunk: ChunkReads, ids: list[str]) -> dict[str, dict]:
    """The quotes' discounts, fees and taxes: one association read per kind, then one batch
    read per kind that any quote has (SPEC §7)."""
    found: dict[str, dict] = {i: {} for i in ids}
    for kind in quote_terms.ASSOCIATED:
        links = client.batch_associations("quotes", kind, ids)
        for i in ids:
            found[i][kind] = {"results": [{"id": x} for x in _to_ids(links.get(i, []))]}
        wanted = [x["id"] for i in ids for x in found[i][kind]["results"]]
        if wanted:
            chunk.read(client, kind, wanted, quote_terms.TERM_PROPERTIES)
    return found


def warm_customers(runtime, executions, read: dict[tuple[int, str, str], SaleReads]) -> None:
    """Look up the chunk's billing emails no customer is cached for, per QuickBooks company, in
    batch requests; found customers go to the company's ``lookups`` cache."""
    wanted: dict[int, tuple[QuickBooksConnection, set[str]]] = {}
    connections: dict[tuple[int, str], QuickBooksConnection | None] = {}
    for row in executions:
        kind = record_type(row.object_type)
        reads = read.get((row.portal_id, kind.path, str(row.object_id))) if kind else None
        email = billing_email(reads, kind, row) if reads else ""
        requested = str((row.inputs or {}).get("quickbooks_company") or "").strip()
        key = (row.portal_id, requested)
        if key not in connections:
            connections[key] = _connection(runtime.db, row.portal_id, requested)
        connection = connections[key]
        if email and connection is not None and connection.home_currency:
            wanted.setdefault(connection.id, (connection, set()))[1].add(email)
    for connection, emails in wanted.values():
        _look_up_customers(runtime, connection, sorted(emails))


def billing_email(reads: SaleReads, kind: RecordType, row) -> str:
    """The email read_sale will bill: the first contact with one (signer first); for a payment
    without one, the email the payer gave."""
    contacts = reads.chunk.records.get("contacts", {})
    for contact_id in reads.contact_ids[:CONTACTS_READ]:
        email = str(((contacts.get(contact_id) or {}).get("properties") or {}).get("email") or "")
        if email.strip():
            return email.strip()
    if kind is PAYMENT:
        given = ((row.payload or {}).get("object") or {}).get("properties") or {}
        return str(given.get("hs_customer_email") or reads.properties.get("hs_customer_email")
                   or "").strip()  # fmt: skip
    return ""


def _connection(db, portal_id: int, requested: str):
    """The company an execution books in (as the executor resolves it), if connected."""
    try:
        found = resolve_company(db, portal_id, requested)
    except (ActionFailed, CompanyRefused):
        return None  # the execution itself fails with the reason
    return found if found.status == "connected" else None


def _look_up_customers(runtime, connection, emails: list[str]) -> None:
    """One batch request per 30 uncached emails; remember each customer as customers.py would
    find it (``_by_email``: the lowest Id with this email in each currency)."""
    known = lookups.for_company(runtime.settings.quickbooks_api_base, connection.realm_id)
    cached = {email for email, _ in known.customers}
    emails = [e for e in emails if lookups.fold(e) not in cached]
    if not emails:
        return
    client = runtime.quickbooks_client(connection)
    budget = runtime.quickbooks_budget
    gate = budget.for_realm(connection.realm_id) if budget is not None else None
    home = connection.home_currency
    for start in range(0, len(emails), QUICKBOOKS_BATCH):
        part = emails[start : start + QUICKBOOKS_BATCH]
        if gate is not None and gate.batch is not None:
            if gate.batch.peek() > 0:
                # Batch requests have their own budget (40 per minute): rather than hold the
                # whole chunk for it, let each execution look its customer up.
                return
            gate.batch()
        answers = client.batch([
            {"bId": str(n), "Query": "SELECT * FROM Customer WHERE PrimaryEmailAddr = "
                                     f"'{escape(email)}' STARTPOSITION 1 MAXRESULTS {QUERY_PAGE}"}
            for n, email in enumerate(part)
        ])  # fmt: skip
        by_bid = {str(a.get("bId")): a for a in answers}
        for n, email in enumerate(part):
            answer = by_bid.get(str(n)) or {"Fault": "no answer"}
            rows = (answer.get("QueryResponse") or {}).get("Customer") or []
            if "Fault" not in answer and len(rows) < QUERY_PAGE:
                _remember(known, email, rows, home)


def _remember(known: lookups.CompanyLookups, email: str, rows: list[dict], home: str) -> None:
    """Cache, per currency, the customer customers._by_email would pick for this email."""
    wanted = lookups.fold(email)
    for row in sorted(rows, key=_id_order):
        address = str((row.get("PrimaryEmailAddr") or {}).get("Address") or "")
        if lookups.fold(address) != wanted:
            continue
        ref = row.get("CurrencyRef")
        currency = str(ref.get("value") or home).upper() if isinstance(ref, dict) else home
        found = lookups.Found(str(row["Id"]), str(row.get("DisplayName", "")))
        known.customers.setdefault((wanted, currency), found)


def _id_order(row: dict):
    value = str(row.get("Id", ""))
    return (0, int(value)) if value.isdigit() else (1, 0)


def contact_order(kind: RecordType, associated: list[dict]) -> list[str]:
    """Associated contact ids, a quote's signer first (read_sale's rule, from associations)."""
    ids = _to_ids(associated)
    if kind is not QUOTE or len(ids) < 2:
        return ids  # with one contact, the signer (if any) is that contact
    signers = [str(a["toObjectId"]) for a in associated if any(_is_signer(t) for t in _types(a))]
    signers = list(dict.fromkeys(signers))
    return signers + [i for i in ids if i not in signers]


def primary_company(kind: RecordType, associated: list[dict]) -> str | None:
    """The primary company (the first with a type other than the unlabeled default), else the
    first associated one (read_sale's rule, from an association answer)."""
    unlabeled = UNLABELED_COMPANY_TYPE.get(kind)
    for entry in associated:
        if any(t.get("typeId") != unlabeled for t in _types(entry)):
            return str(entry["toObjectId"])
    return str(associated[0]["toObjectId"]) if associated else None


def _is_signer(association_type: dict) -> bool:
    # The object read names type 702 "quote_to_contact_signer" and a custom label by its text.
    label = str(association_type.get("label") or "").lower()
    return association_type.get("typeId") == QUOTE_SIGNER or "signer" in label


def _types(entry: dict) -> list[dict]:
    return [t for t in entry.get("associationTypes") or [] if isinstance(t, dict)]


def _to_ids(associated: list[dict]) -> list[str]:
    """Associated ids, each once, in HubSpot's order."""
    return list(dict.fromkeys(str(a["toObjectId"]) for a in associated if "toObjectId" in a))
