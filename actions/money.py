"""Exact money: Decimal amounts rounded half-up to each currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ISO 4217 currencies whose minor unit is not the usual two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
         "VND", "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}  # fmt: skip
ZERO = Decimal("0")
CENT = Decimal("0.01")


def minor_unit(currency: str) -> int:
    """How many decimals the currency's amounts carry (JPY 0, USD 2, KWD 3)."""
    return _MINOR_UNITS.get((currency or "").upper(), 2)


def rounded(value: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return value.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """A line's Amount as QuickBooks checks it: Qty × UnitPrice, rounded."""
    return rounded(quantity * unit_price, currency)


def parse(value: Any) -> Decimal | None:
    """A Decimal from a HubSpot property value ("12.50", 3, None); None when blank or bad."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def plain(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros ("2.5", "3")."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def two_decimals(value: Any) -> str:
    """An amount with exactly two decimals, as the qbo_total output shows it."""
    number = parse(value)
    return format((number or ZERO).quantize(CENT, rounding=ROUND_HALF_UP), "f")
