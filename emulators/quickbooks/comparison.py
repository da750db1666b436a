"""How query conditions compare stored values with literals, and how rows sort."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

# Fields QBO matches without regard to case (names, SKUs, emails); other strings are exact.
CASE_INSENSITIVE = frozenset({"DisplayName", "Name", "Sku", "FullyQualifiedName", "CompanyName",
                              "GivenName", "FamilyName", "MiddleName", "PrintOnCheckName",
                              "PrimaryEmailAddr"})


def field_value(entity: dict, prop: str):
    """The value a condition on ``prop`` compares (a ref's value, an email's address)."""
    value = entity
    for part in prop.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict):
        # Refs compare on their value, emails on the address, phones on the number.
        for key in ("value", "Address", "FreeFormNumber", "URI"):
            if key in value:
                return value[key]
        return None
    return value


def matches(entity: dict, condition) -> bool:
    """Whether ``entity`` satisfies one WHERE condition."""
    actual = field_value(entity, condition.prop)
    if actual is None:
        return False
    insensitive = condition.prop.split(".")[0] in CASE_INSENSITIVE
    if condition.op == "IN":
        return any(_compare(actual, "=", v, insensitive, condition.prop) for v in condition.value)
    if condition.op == "LIKE":
        pattern = ".*".join(re.escape(part) for part in str(condition.value).split("%"))
        return re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    return _compare(actual, condition.op, condition.value, insensitive, condition.prop)


def _compare(actual, op: str, literal, insensitive: bool, prop: str) -> bool:
    left, right = _coerce(actual, literal, insensitive, prop)
    if left is None or right is None:
        return False
    try:
        if op == "=":
            return left == right
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op == "<=":
            return left <= right
        return left >= right
    except TypeError:
        return False


def _coerce(actual, literal, insensitive: bool, prop: str):
    """Bring a stored value and a literal to one comparable type."""
    if isinstance(actual, bool):
        if isinstance(literal, bool):
            return actual, literal
        text = str(literal).lower()
        return (actual, text == "true") if text in ("true", "false") else (None, None)
    if isinstance(actual, int | Decimal):
        return Decimal(actual), _as_decimal(literal)
    actual = str(actual)
    if isinstance(literal, bool):
        literal = "true" if literal else "false"
    if isinstance(literal, Decimal):
        literal = str(int(literal)) if literal == literal.to_integral_value() else str(literal)
    if prop == "Id" and actual.isdigit() and literal.isdigit():
        return int(actual), int(literal)
    when = _as_datetime(actual)
    if when is not None and (literal_when := _as_datetime(literal, when.tzinfo)) is not None:
        return when, literal_when
    if insensitive:
        return actual.casefold(), literal.casefold()
    return actual, literal


def _as_decimal(value):
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _as_datetime(text: str, default_zone=None):
    if len(text) < 19 or text[10] != "T":
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        if default_zone is None:
            return None
        parsed = parsed.replace(tzinfo=default_zone)
    return parsed


def sort_key(value):
    """An ORDERBY key: numbers and timestamps by value, text without case."""
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | Decimal):
        return (0, Decimal(value), "")
    text = str(value)
    when = _as_datetime(text)
    if when is not None:
        return (0, Decimal(str(when.timestamp())), "")
    if text.isdigit():
        return (0, Decimal(text), "")
    return (1, 0, text.casefold())
