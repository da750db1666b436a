"""A quote's own discounts (0-84), fees (0-85) and taxes (0-86), and the total they make.

HubSpot applies discounts first (in ``hs_sort_order``), then fees, then taxes
(reference/hubspot-api.md §10.2); ``hs_quote_amount`` is the result. Discounts join the line
discounts in the one DiscountLineDetail, fees become lines, taxes are not booked: QuickBooks
computes tax (US) or the tax code does (elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from actions import money

ASSOCIATED = ("discounts", "fees", "taxes")
TERM_PROPERTIES = ("hs_label", "hs_type", "hs_value", "hs_sort_order")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Term:
    """One discount, fee or tax as HubSpot holds it."""

    id: str
    label: str
    percent: bool
    value: Decimal
    order: Decimal

    def on(self, base: Decimal, currency: str) -> Decimal:
        """Its amount on ``base``: a percentage of it, or the fixed value."""
        raw = base * self.value / HUNDRED if self.percent else self.value
        return money.rounded(raw, currency)


@dataclass(frozen=True)
class QuoteTerms:
    """The quote's discounts, fees and taxes, and HubSpot's total (``hs_quote_amount``)."""

    discounts: tuple[Term, ...] = ()
    fees: tuple[Term, ...] = ()
    taxes: tuple[Term, ...] = ()
    quote_amount: Decimal | None = None

    def priced(self, net_lines: Decimal, currency: str) -> Priced:
        """The money they make on top of the lines' net total."""
        running = net_lines
        discount = money.ZERO
        for term in self.discounts:
            amount = min(term.on(running, currency), running)
            running -= amount
            discount += amount
        fees = tuple((term, term.on(running, currency)) for term in self.fees)
        taxed = running + sum((a for _, a in fees), money.ZERO)
        tax = sum((t.on(taxed, currency) for t in self.taxes), money.ZERO)
        # Without quote-level terms the lines are the total (as before §7); with them HubSpot's
        # hs_quote_amount is the truth.
        any_terms = self.discounts or self.fees or self.taxes
        expected = taxed if self.quote_amount is None or not any_terms else self.quote_amount - tax
        return Priced(discount, fees, tax, money.rounded(expected, currency))


@dataclass(frozen=True)
class Priced:
    """Quote discount total, each fee's amount, HubSpot's tax, and what QuickBooks must reach
    (subtotal after discount + fees = hs_quote_amount − quote taxes)."""

    discount: Decimal
    fees: tuple[tuple[Term, Decimal], ...] = field(default=())
    tax: Decimal = money.ZERO
    expected: Decimal = money.ZERO


def read(hubspot, quote_id: str, links: dict | None, properties: dict,
         currency: str) -> QuoteTerms:
    """Read the quote's discounts, fees and taxes (one batch read per kind present)."""
    if links is None:
        answer = hubspot.get_object("quotes", quote_id, properties=("hs_quote_amount",),
                                    associations=ASSOCIATED)
        links = answer.get("associations") or {}
        if properties.get("hs_quote_amount") in (None, ""):
            properties["hs_quote_amount"] = (answer.get("properties") or {}).get(
                "hs_quote_amount")
    found: dict[str, tuple[Term, ...]] = {}
    for kind in ASSOCIATED:
        block = links.get(kind) or {}
        ids = list(dict.fromkeys(str(e["id"]) for e in block.get("results") or []
                                 if isinstance(e, dict) and "id" in e))
        records = hubspot.batch_read(kind, ids, TERM_PROPERTIES) if ids else []
        terms = [_term(r) for r in records]
        found[kind] = tuple(sorted((t for t in terms if t is not None),
                                   key=lambda t: (t.order, t.id)))
    amount = money.parse(properties.get("hs_quote_amount"))
    return QuoteTerms(found["discounts"], found["fees"], found["taxes"],
                      None if amount is None else money.rounded(amount, currency))


def _term(record: dict) -> Term | None:
    props = record.get("properties") or {}
    value = money.parse(props.get("hs_value"))
    if value is None:
        return None
    order = money.parse(props.get("hs_sort_order"))
    return Term(
        id=str(record["id"]),
        label=str(props.get("hs_label") or "").strip(),
        percent=str(props.get("hs_type") or "").strip().upper() == "PERCENT",
        value=value,
        order=order if order is not None else Decimal(10**9),
    )
