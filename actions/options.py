"""Dropdown options for action inputs: QuickBooks lists, cached, searchable and paged."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from clients.quickbooks import QuickBooksError
from clients.transport import Unavailable
from failures import ActionFailed
from store.companies import connections_for, resolve_company
from store.tables import QuickBooksConnection

log = logging.getLogger(__name__)

PAGE_SIZE = 50
COMPANY_FIELD = "quickbooks_company"
US_TAX_NOTICE = "Not needed: QuickBooks computes US sales tax"


class UnknownField(LookupError):
    """No options exist for this input field name."""


class BadCursor(ValueError):
    """fetchOptions.after is not a cursor this server gave out."""


@dataclass(frozen=True)
class Option:
    """One dropdown entry: the QuickBooks Id as value, a readable label."""

    label: str
    value: str
    description: str = ""

    def as_json(self) -> dict:
        """The entry as HubSpot reads it."""
        body = {"label": self.label, "value": self.value}
        if self.description:
            body["description"] = self.description
        return body


# --- where each field's options come from ------------------------------------------------


def _slim(entity: str, raw: dict) -> dict:
    """Only what labels and filters need: small enough for Redis, free of money fields."""
    name = raw.get("FullyQualifiedName") or raw.get("Name") or raw.get("DisplayName") or ""
    if entity == "Vendor":
        name = raw.get("DisplayName") or name
    return {
        "id": str(raw.get("Id", "")),
        "name": str(name),
        "type": str(raw.get("AccountType") or raw.get("Type") or ""),
        "subtype": str(raw.get("AccountSubType") or ""),
        "description": str(raw.get("Description") or raw.get("CompanyName") or ""),
        "sku": str(raw.get("Sku") or ""),
        "due_days": raw.get("DueDays"),
        # Inactive entities cannot be referenced (QBO 610); hidden tax codes are not offered.
        "active": raw.get("Active") is not False and raw.get("Hidden") is not True,
    }


def _account_option(r: dict) -> Option:
    # AccountSubType is an enum like UndepositedFunds; spaced out it reads as a description.
    subtype = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", r["subtype"])
    return Option(f"{r['name']} ({r['type']})", r["id"], subtype)


def _item_option(r: dict) -> Option:
    detail = r["type"] + (f", SKU {r['sku']}" if r["sku"] else "")
    return Option(r["name"], r["id"], detail)


def _term_option(r: dict) -> Option:
    days = r.get("due_days")
    return Option(r["name"], r["id"], f"Due in {days} days" if days not in (None, "") else "")


def _plain_option(r: dict) -> Option:
    description = r["description"] if r["description"] != r["name"] else ""
    return Option(r["name"], r["id"], description)


def _method_option(r: dict) -> Option:
    return Option(r["name"], r["id"], "Credit card" if r["type"] == "CREDIT_CARD" else "")


@dataclass(frozen=True)
class Source:
    """A field's options: one QuickBooks entity, filtered, each entity turned into an option."""

    entity: str
    option: Callable[[dict], Option]
    types: frozenset[str] = frozenset()

    def options(self, records: list[dict]) -> list[Option]:
        """Active records of the wanted types, as options sorted by label."""
        kept = [r for r in records if r["active"] and (not self.types or r["type"] in self.types)]
        return sorted((self.option(r) for r in kept), key=lambda o: (o.label.casefold(), o.value))


def _accounts(*types: str) -> Source:
    return Source("Account", _account_option, frozenset(types))


SOURCES: dict[str, Source] = {
    "payment_terms": Source("Term", _term_option),
    # Undeposited Funds is an Other Current Asset account (subtype UndepositedFunds).
    "deposit_account": _accounts("Bank", "Other Current Asset"),
    "payment_account": _accounts("Bank", "Credit Card"),
    "expense_account": _accounts("Expense", "Other Expense", "Cost of Goods Sold"),
    "refund_from_account": _accounts("Bank", "Other Current Asset"),
    "income_account": _accounts("Income"),
    "fallback_item": Source("Item", _item_option, frozenset({"Service", "NonInventory"})),
    "tax_code": Source("TaxCode", _plain_option),
    "vendor": Source("Vendor", _plain_option),
    "payment_method": Source("PaymentMethod", _method_option),
    # SPEC §7: classes and locations (QuickBooks' Class and Department lists), the tax code of
    # untaxed lines, the item quote fees are billed on.
    "class": Source("Class", _plain_option),
    "location": Source("Department", _plain_option),
    "exempt_tax_code": Source("TaxCode", _plain_option),
    "fee_item": Source("Item", _item_option, frozenset({"Service", "NonInventory",
                                                        "Other Charge"})),
}
FIELDS = (COMPANY_FIELD, *SOURCES)


# --- the cache ---------------------------------------------------------------------------


class OptionsCache:
    """Entity lists per company: in this process, and in Redis when REDIS_URL is set."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._local: dict[str, tuple[float, list[dict]]] = {}
        self._lock = threading.Lock()
        self._redis = None
        self._redis_url = ""

    def get(self, key: str, redis_url: str = "") -> list[dict] | None:
        """The cached list, or None when absent or expired."""
        with self._lock:
            hit = self._local.get(key)
        if hit and hit[0] > self.clock():
            return hit[1]
        shared = self._shared(redis_url)
        if shared is None:
            return None
        try:
            raw = shared.get(f"hubqbo:options:{key}")
            ttl_ms = shared.pttl(f"hubqbo:options:{key}") if raw else -1
        except Exception as exc:  # a cache outage must not break the dropdown
            log.warning("options cache: Redis read failed: %s", exc)
            return None
        if not raw or ttl_ms <= 0:
            return None
        records = json.loads(raw)
        with self._lock:
            self._local[key] = (self.clock() + ttl_ms / 1000, records)
        return records

    def put(self, key: str, records: list[dict], ttl: float, redis_url: str = "") -> None:
        """Keep a list for ttl seconds."""
        if ttl <= 0:
            return
        with self._lock:
            self._local[key] = (self.clock() + ttl, records)
        shared = self._shared(redis_url)
        if shared is None:
            return
        try:
            shared.set(f"hubqbo:options:{key}", json.dumps(records), px=max(1, int(ttl * 1000)))
        except Exception as exc:
            log.warning("options cache: Redis write failed: %s", exc)

    def clear(self) -> None:
        """Forget the in-process entries (Redis entries expire on their own)."""
        with self._lock:
            self._local.clear()

    def close(self) -> None:
        """Close the Redis connection pool, if one was opened."""
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def _shared(self, redis_url: str):
        """The Redis client for this URL, created on first use."""
        if not redis_url:
            return None
        if self._redis is None or self._redis_url != redis_url:
            import redis  # only queue-mode deployments need it

            self.close()
            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)  # fmt: skip
            self._redis_url = redis_url
        return self._redis


# --- answering -----------------------------------------------------------------------------


def answer(
    runtime,
    cache: OptionsCache,
    portal_id: int,
    field: str,
    inputs: dict,
    query: str | None = None,
    after: str | None = None,
) -> dict:
    """The options response for one field (raises UnknownField, BadCursor, CompanyRefused)."""
    if field not in FIELDS:
        raise UnknownField(f"no options for {field!r}; fields with options: {', '.join(FIELDS)}")
    offset = decode_cursor(after)
    if field == COMPANY_FIELD:
        options = company_options(connections_for(runtime.db, portal_id))
        if not options:
            return notice("No QuickBooks company is connected: connect one in the dashboard")
        return page(options, query, offset)
    requested = inputs.get(COMPANY_FIELD) or None
    try:
        connection = resolve_company(runtime.db, portal_id, requested)
    except ActionFailed as failed:
        if failed.code == "QUICKBOOKS_COMPANY_REQUIRED":
            return notice("Choose the QuickBooks company first")
        return notice("No QuickBooks company is connected: connect one in the dashboard")
    if field in ("tax_code", "exempt_tax_code") and connection.is_us:
        return notice(US_TAX_NOTICE)
    if connection.status != "connected":
        return notice(f"Reconnect {connection.company_name or 'QuickBooks'} in the dashboard")
    source = SOURCES[field]
    try:
        records = entity_records(runtime, cache, connection, source.entity)
    except ActionFailed as failed:  # ReconnectRequired from the token source
        log.warning("options %s for realm %s: %s", field, connection.realm_id, failed.message)
        return notice(f"Reconnect {connection.company_name or 'QuickBooks'} in the dashboard")
    except (QuickBooksError, Unavailable) as exc:
        # Not cached: the next opening of the dropdown tries again.
        log.warning("options %s for realm %s: %s", field, connection.realm_id, exc)
        return notice("QuickBooks did not answer; close and reopen this list to retry")
    return page(source.options(records), query, offset)


def company_options(connections: list[QuickBooksConnection]) -> list[Option]:
    """The portal's own companies: name (country, currency)."""
    options = []
    for c in connections:
        label = f"{c.company_name or c.realm_id} ({c.country or '?'}, {c.home_currency or '?'})"
        if c.status != "connected":
            label += " - reconnect required"
        options.append(Option(label, c.realm_id, f"Realm {c.realm_id}"))
    return options


def entity_records(
    runtime, cache: OptionsCache, connection: QuickBooksConnection, entity: str
) -> list[dict]:
    """A company's entities of one type, from the cache or else from QuickBooks."""
    settings = runtime.settings
    key = f"{connection.realm_id}:{entity}"
    records = cache.get(key, settings.redis_url)
    if records is not None:
        return records
    client = runtime.quickbooks_client(connection)
    try:
        # Name lists answer active entities only; the flag is re-checked on each record anyway.
        raw = client.select(entity, "Active = true")
    finally:
        client.transport.session.close()
    records = [_slim(entity, r) for r in raw]
    ttl = settings.options_cache_seconds
    cache.put(key, records, ttl, settings.redis_url)
    return records


def page(options: list[Option], query: str | None, offset: int) -> dict:
    """One page of the options whose label holds the query, and the cursor of the next."""
    if query and query.strip():
        needle = query.strip().casefold()
        options = [o for o in options if needle in o.label.casefold()]
    chunk = options[offset : offset + PAGE_SIZE]
    body: dict = {"options": [o.as_json() for o in chunk], "searchable": True}
    if offset + PAGE_SIZE < len(options):
        body["after"] = encode_cursor(offset + PAGE_SIZE)
    return body


def notice(text: str) -> dict:
    """A single explanatory entry: the editor shows it where the list would be."""
    return {"options": [Option(text, "").as_json()], "searchable": False}


def encode_cursor(offset: int) -> str:
    """An opaque cursor for an offset."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(after: str | None) -> int:
    """The offset a cursor stands for (0 without one); BadCursor when it is not ours."""
    if not after:
        return 0
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("o:") or not text[2:].isdigit():
        raise BadCursor(f"fetchOptions.after {after!r} is not a cursor this server gave out")
    return int(text[2:])
