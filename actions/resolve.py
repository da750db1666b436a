"""Read the enrolled record from HubSpot: its lines, billing contact, company and currency.

The public entry point is ``read_sale(ctx)``. It makes as few HubSpot calls as the API allows:

1. ``GET /crm/objects/2026-03/{type}/{id}?associations=line_items,contacts,companies`` — the
   ids of every associated line item, contact and company in one call (plus any record property
   the execution payload lacked); a type with more ids than the read lists (its ``paging``) is
   read to the end with ``GET /crm/objects/2026-03/{type}/{id}/associations/{to}`` (500 a page);
2. only for a quote with several contacts none of which the object read marks as signer:
   ``GET /crm/objects/2026-03/quotes/{id}/associations/contacts`` for the signer type id 702;
3. ``POST /crm/objects/2026-03/line_items/batch/read`` (100 ids a call);
4. ``POST /crm/objects/2026-03/contacts/batch/read``;
5. the company's name only when something asks for it (``Sale.company_name()``), i.e. when a
   QuickBooks customer has to be matched by name or created.

A warm deal/quote/payment invoice therefore costs 3 HubSpot calls, a new customer 4.

A queue worker reads a whole chunk's records in batch calls first (actions/prefetch.py);
``read_sale`` then takes the record's prefetched reads from ``ctx.runtime.prefetched`` and makes
no HubSpot call of its own (the company's name, when asked for, comes from one read for the
chunk).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from actions import money, quote_terms
from actions.addresses import Address, phone
from actions.parties import COMPANY_PROPERTIES, Company, Contact, read_contact
from actions.portal import as_date, portal_of, portal_zone
from failures import ActionFailed
from schemas.records import DEAL, PAYMENT, QUOTE, RECORD_PROPERTIES, RecordType

QUOTE_SIGNER = 702
LINE_ITEM_PROPERTIES = (
    "name", "description", "hs_sku", "quantity", "price", "amount", "hs_tax_rate_group_id",
    "hs_recurring_billing_start_date", "hs_product_id", "hs_position_on_quote",
)  # fmt: skip
# The record property holding each record type's currency (SPEC §1.1).
CURRENCY_PROPERTY = {DEAL: "deal_currency_code", QUOTE: "hs_currency", PAYMENT: "hs_currency_code"}


@dataclass(frozen=True)
class SourceLine:
    """One line to bill, as HubSpot priced it.

    ``amount`` is HubSpot's net amount (after the line's discount); ``gross`` is
    Qty × UnitPrice as QuickBooks will check it; their difference is the line's discount.
    ``fallback_first`` lines (a payment without line items) go to the fallback item when one
    is set, before any SKU or name matching.
    """

    key: str  # HubSpot line item id ("payment" for a payment's single line)
    name: str
    description: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    gross: Decimal
    amount: Decimal
    taxable: bool
    service_date: date | None = None
    fallback_first: bool = False
    tax_included: bool = False  # a gross amount HubSpot reports as paid/refunded (SPEC §7)
    item_hint: str = ""  # a QuickBooks item chosen for this line (a quote fee's fee_item)

    @property
    def discount(self) -> Decimal:
        """What HubSpot took off this line (0 when none)."""
        return self.gross - self.amount


@dataclass
class Sale:
    """Everything HubSpot says about the record to book: lines, contact, company, currency."""

    record_type: RecordType
    record_id: str
    properties: dict
    currency: str
    lines: list[SourceLine]
    contact: Contact | None
    contacts_found: int = 0
    company_id: str | None = None
    terms: quote_terms.QuoteTerms = field(default_factory=quote_terms.QuoteTerms)
    zone: ZoneInfo | None = None
    _company: Company | None = field(default=None, repr=False)
    _reader: object = field(default=None, repr=False)

    @property
    def total(self) -> Decimal:
        """HubSpot's total: the sum of the lines' net amounts."""
        return sum((line.amount for line in self.lines), money.ZERO)

    @property
    def discount(self) -> Decimal:
        """The sum of the line discounts (one DiscountLineDetail in QuickBooks)."""
        return sum((line.discount for line in self.lines), money.ZERO)

    def company(self) -> Company:
        """The associated company, read from HubSpot on first use (empty if none)."""
        if self._company is None:
            self._company = Company()
            if self.company_id and self._reader is not None:
                record = self._reader.get_object("companies", self.company_id, COMPANY_PROPERTIES)
                props = record.get("properties") or {}
                self._company = Company(str(props.get("name") or "").strip(),
                                        Address.from_properties(props), phone(props))
        return self._company

    def company_name(self) -> str:
        """The associated company's name ("" if none)."""
        return self.company().name

    def bill_address(self) -> Address | None:
        """BillAddr: the company's address, else the contact's."""
        contact = self.contact.address if self.contact else None
        return self.company().address or contact

    def ship_address(self) -> Address | None:
        """ShipAddr: the contact's address, else the company's."""
        contact = self.contact.address if self.contact else None
        return contact or self.company().address


def read_sale(ctx, *, home_currency: str | None = None) -> Sale:  # noqa: C901
    """Read the enrolled record's lines, contact and company; checks nothing about QuickBooks.

    Raises ActionFailed NO_LINE_ITEMS for a deal or quote without line items. A payment without
    line items gets one ``fallback_first`` line of its gross amount (``hs_initial_amount``).
    """
    record_type: RecordType = ctx.record.type
    record_id = str(ctx.record.id)
    properties = dict(ctx.record.properties or {})
    prefetched = _prefetched(ctx, record_type, record_id)
    if prefetched is None:
        wanted = RECORD_PROPERTIES.get(record_type.path, ())
        answer = ctx.hubspot.get_object(
            record_type.path, record_id, properties=wanted,
            associations=("line_items", "contacts", "companies",
                          *(quote_terms.ASSOCIATED if record_type is QUOTE else ())),
        )  # fmt: skip
        read = answer.get("properties") or {}
        links = answer.get("associations") or {}
        line_ids = _ids(links, "line_items")
        contact_entries = _entries(links, "contacts")
        company_id = _primary(_entries(links, "companies"))
        reader = ctx.hubspot
        term_links = links
    else:
        read, line_ids = prefetched.properties, prefetched.line_ids
        company_id = prefetched.company_id
        reader = prefetched.reader(ctx.hubspot)
        term_links = prefetched.term_links
    # The payload's snapshot wins; the read fills what objectRequestOptions did not deliver.
    for name, value in read.items():
        if properties.get(name) in (None, ""):
            properties[name] = value

    currency = str(properties.get(CURRENCY_PROPERTY.get(record_type, "")) or "").strip().upper()
    portal = portal_of(ctx)
    portal_currency = str(getattr(portal, "company_currency", "") or "").strip().upper()
    currency = currency or portal_currency or (home_currency or "").upper()

    lines = _read_lines(reader, line_ids, currency)
    if not lines:
        if record_type is PAYMENT:
            lines = [payment_line(properties, currency)]
        else:
            lines = [_amount_line(ctx, record_type, record_id, properties, currency)]
    terms = quote_terms.QuoteTerms()
    if record_type is QUOTE:
        terms = quote_terms.read(reader, record_id, term_links, properties, currency)

    if prefetched is None:
        contact_ids = _contact_order(ctx.hubspot, record_type, record_id, contact_entries)
    else:
        contact_ids = prefetched.contact_ids
    contact = read_contact(reader, contact_ids)
    if record_type is PAYMENT:
        contact = payment_payer(properties, contact)
    return Sale(
        record_type=record_type,
        record_id=record_id,
        properties=properties,
        currency=currency,
        lines=lines,
        contact=contact,
        contacts_found=len(contact_ids),
        company_id=company_id,
        terms=terms,
        zone=portal_zone(portal),
        _reader=reader,
    )


def _prefetched(ctx, record_type: RecordType, record_id: str):
    """The record's reads a queue worker made for its chunk (prefetch.SaleReads), if any."""
    cache = getattr(getattr(ctx, "runtime", None), "prefetched", None)
    return cache.take(ctx.portal_id, record_type.path, record_id) if cache is not None else None


def _amount_line(ctx, record_type, record_id, properties: dict, currency: str) -> SourceLine:
    """A deal without line items: one line of its ``amount`` on the fallback item."""
    amount = money.parse(properties.get("amount"))
    if not str(ctx.inputs.get("fallback_item") or "").strip() or amount is None or amount <= 0:
        raise ActionFailed(
            "NO_LINE_ITEMS",
            f"The {record_type.name.lower()} {record_id} has no line items to bill"
            + ("" if record_type is not DEAL else
               " (a deal with an amount is billed on the 'Fallback item' when one is chosen)")
            + ".",
        )
    amount = money.rounded(amount, currency)
    name = str(properties.get("dealname") or "").strip() or f"HubSpot deal {record_id}"
    return SourceLine(
        key="amount", name=name, description=name, sku="", quantity=Decimal(1),
        unit_price=amount, gross=amount, amount=amount, taxable=False, fallback_first=True,
    )  # fmt: skip


def payment_line(properties: dict, currency: str) -> SourceLine:
    """A payment without line items: one line of its gross amount on the fallback item."""
    amount = money.rounded(money.parse(properties.get("hs_initial_amount")) or money.ZERO, currency)
    name = str(properties.get("hs_payment_source_name") or "").strip() or "HubSpot payment"
    return SourceLine(
        key="payment", name=name, description=name, sku="", quantity=Decimal(1),
        unit_price=amount, gross=amount, amount=amount, taxable=False, fallback_first=True,
        tax_included=True,
    )  # fmt: skip


def payment_payer(properties: dict, contact: Contact | None) -> Contact | None:
    """A payment's contact; without an email, the email the payer gave (hs_customer_email)."""
    email = str(properties.get("hs_customer_email") or "").strip()
    if not email or (contact is not None and contact.email):
        return contact
    return Contact("hs_customer_email", email) if contact is None else replace(contact, email=email)


# --- associations ----------------------------------------------------------------------------


def _entries(links: dict, name: str) -> list[dict]:
    """Association entries of one type from an object read ("line items" has a space)."""
    block = links.get(name) or links.get(name.replace("_", " ")) or {}
    return [e for e in block.get("results") or [] if isinstance(e, dict) and "id" in e]


def _ids(links: dict, name: str) -> list[str]:
    """Associated ids, each once, in HubSpot's order."""
    return list(dict.fromkeys(str(e["id"]) for e in _entries(links, name)))


def _primary(entries: list[dict]) -> str | None:
    """The primary company when marked (the others are "…_unlabeled"), else the first."""
    for entry in entries:
        if not str(entry.get("type", "")).endswith("_unlabeled"):
            return str(entry["id"])
    return str(entries[0]["id"]) if entries else None


def _contact_order(
    hubspot, record_type: RecordType, record_id: str, entries: list[dict]
) -> list[str]:
    """Associated contact ids, a quote's signer first."""
    ids = list(dict.fromkeys(str(e["id"]) for e in entries))
    if record_type is not QUOTE or len(ids) < 2:
        return ids  # with one contact, the signer (if any) is that contact
    signers = [str(e["id"]) for e in entries if "signer" in str(e.get("type", "")).lower()]
    if not signers:
        # The object read does not promise to name labels: ask the association list for type ids.
        signers = [
            str(a["toObjectId"])
            for a in hubspot.associations("quotes", record_id, "contacts")
            if any(t.get("typeId") == QUOTE_SIGNER for t in a.get("associationTypes") or [])
        ]
    signers = [s for s in dict.fromkeys(signers) if s in ids]
    return signers + [i for i in ids if i not in signers]


# --- records ---------------------------------------------------------------------------------


def _read_lines(hubspot, ids: list[str], currency: str) -> list[SourceLine]:
    """The line items, in quote position order when HubSpot gives one."""
    if not ids:
        return []
    records = hubspot.batch_read("line_items", ids, LINE_ITEM_PROPERTIES)
    order = {line_id: n for n, line_id in enumerate(ids)}

    def position(record: dict):
        props = record.get("properties") or {}
        spot = money.parse(props.get("hs_position_on_quote"))
        return (spot if spot is not None else Decimal(10**9), order.get(str(record["id"]), 0))

    return [source_line(r, currency) for r in sorted(records, key=position)]


def source_line(record: dict, currency: str) -> SourceLine:
    """One HubSpot line item (as a batch read returns it) priced exactly: Qty × UnitPrice,
    discount = gross − amount."""
    props = record.get("properties") or {}
    quantity = money.parse(props.get("quantity"))
    quantity = Decimal(1) if quantity is None else quantity
    price = money.parse(props.get("price"))
    amount = money.parse(props.get("amount"))
    if price is None:
        price = (amount / quantity) if amount is not None and quantity else money.ZERO
    gross = money.line_amount(quantity, price, currency)
    net = gross if amount is None else money.rounded(amount, currency)
    if net > gross:
        # HubSpot's amount is the truth for the total: re-price the line so Qty × UnitPrice
        # lands on it exactly, or bill it as one unit when no unit price does.
        price, quantity, gross = _reprice(quantity, net, currency)
    name = str(props.get("name") or "").strip()
    return SourceLine(
        key=str(record["id"]),
        name=name,
        description=str(props.get("description") or "").strip() or name,
        sku=str(props.get("hs_sku") or "").strip(),
        quantity=quantity,
        unit_price=price,
        gross=gross,
        amount=net,
        taxable=bool(str(props.get("hs_tax_rate_group_id") or "").strip()),
        service_date=as_date(props.get("hs_recurring_billing_start_date")),
    )


def _reprice(quantity: Decimal, amount: Decimal, currency: str):
    """A (unit price, quantity, gross) whose product rounds to ``amount``."""
    if quantity:
        price = (amount / quantity).quantize(Decimal("0.0000001"))
        if money.line_amount(quantity, price, currency) == amount:
            return price, quantity, amount
    return amount, Decimal(1), amount



