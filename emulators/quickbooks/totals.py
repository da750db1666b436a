"""Money arithmetic for transactions: line checks, discounts, tax and totals (all Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def money(value) -> Decimal:
    """Round to cents, half up, as QBO stores amounts."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(qty: Decimal, unit_price: Decimal) -> Decimal:
    """What QBO expects a line's Amount to be for ``qty`` × ``unit_price``."""
    return money(qty * unit_price)


@dataclass(frozen=True)
class Rate:
    """One tax rate a line is charged: the TaxRate Id, and its percent."""

    rate_id: str
    name: str
    percent: Decimal


@dataclass
class PricedLine:
    """A line's amount and the rates its tax code charges (none: not taxable)."""

    amount: Decimal
    rates: tuple[Rate, ...] = ()


@dataclass
class Totals:
    """What QBO computes for a transaction."""

    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    tax_lines: list[dict] = field(default_factory=list)


def discount_amount(subtotal: Decimal, amount: Decimal | None, percent: Decimal | None) -> Decimal:
    """The discount in money: a percent of the subtotal wins over a fixed amount."""
    if percent is not None:
        return money(subtotal * percent / HUNDRED)
    return money(amount or ZERO)


def compute(
    lines: list[PricedLine],
    discount: Decimal = ZERO,
    *,
    tax_after_discount: bool = True,
    calculation: str = "TaxExcluded",
    tax_override: Decimal | None = None,
) -> Totals:
    """Subtotal, tax by rate and total, with the discount spread over lines pro rata."""
    subtotal = sum((line.amount for line in lines), ZERO)
    factor = Decimal(1)
    if tax_after_discount and subtotal and discount:
        factor = (subtotal - discount) / subtotal
    bases: dict[Rate, Decimal] = {}
    gross_rate: dict[Rate, Decimal] = {}
    for line in lines:
        combined = sum((rate.percent for rate in line.rates), ZERO)
        for rate in line.rates:
            bases[rate] = bases.get(rate, ZERO) + line.amount
            gross_rate[rate] = combined
    tax_lines = []
    tax = ZERO
    if calculation != "NotApplicable":
        for rate, base in bases.items():
            taxable = money(base * factor)
            if calculation == "TaxInclusive":
                # Amounts already include tax: take the tax back out of the gross.
                taxable = money(taxable / (1 + gross_rate[rate] / HUNDRED))
            amount = money(taxable * rate.percent / HUNDRED)
            tax += amount
            tax_lines.append(_tax_line(rate, taxable, amount))
    if tax_override is not None:
        tax = money(tax_override)
    total = subtotal - discount + (tax if calculation == "TaxExcluded" else ZERO)
    return Totals(money(subtotal), money(discount), money(tax), money(total), tax_lines)


def _tax_line(rate: Rate, taxable: Decimal, amount: Decimal) -> dict:
    return {
        "Amount": amount,
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {
            "TaxRateRef": {"value": rate.rate_id, "name": rate.name},
            "PercentBased": True,
            "TaxPercent": rate.percent,
            "NetAmountTaxable": taxable,
        },
    }
