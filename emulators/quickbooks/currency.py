"""Currencies the emulator knows, with fixed exchange rates so totals are reproducible."""

from __future__ import annotations

from decimal import Decimal

NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "EUR": "Euro",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "CHF": "Swiss Franc",
    "JPY": "Japanese Yen",
    "MXN": "Mexican Peso",
    "INR": "Indian Rupee",
}

# US dollars per one unit: the seeded market the emulator derives every cross rate from.
_USD_PER_UNIT = {
    "USD": Decimal("1"),
    "CAD": Decimal("0.73"),
    "GBP": Decimal("1.27"),
    "EUR": Decimal("1.08"),
    "AUD": Decimal("0.66"),
    "NZD": Decimal("0.61"),
    "CHF": Decimal("1.12"),
    "JPY": Decimal("0.0067"),
    "MXN": Decimal("0.058"),
    "INR": Decimal("0.012"),
}

DEFAULT_HOME = {"US": "USD", "CA": "CAD", "GB": "GBP"}


def is_known(code: str) -> bool:
    """Whether the emulator can price ``code``."""
    return code in _USD_PER_UNIT


def ref(code: str) -> dict:
    """A CurrencyRef as QBO writes it."""
    return {"value": code, "name": NAMES.get(code, code)}


def exchange_rate(foreign: str, home: str) -> Decimal:
    """Home-currency units per one foreign unit (QBO's ExchangeRate), to 6 places."""
    if foreign == home:
        return Decimal("1")
    return (_USD_PER_UNIT[foreign] / _USD_PER_UNIT[home]).quantize(Decimal("0.000001"))
