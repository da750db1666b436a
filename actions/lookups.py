"""What this process already found in each QuickBooks company: customers, items, accounts.

A warm invoice needs no QuickBooks lookup at all (SPEC §6: ≤ 1 QuickBooks call). Entries live
for ``TTL_SECONDS``; a company's whole cache is dropped when QuickBooks answers 610/2500 (a
cached reference is gone or inactive), so the next resolution asks QuickBooks again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from clients.quickbooks import QuickBooksError, escape

# Ten minutes: customers, items and accounts change rarely, a stale reference is caught anyway
# (QuickBooks answers 610/2500 and the company's cache is dropped), and a person who renames an
# item in QuickBooks sees it used within minutes without any action.
TTL_SECONDS = 600.0
_lock = threading.Lock()
_companies: dict[tuple[str, str], CompanyLookups] = {}


@dataclass(frozen=True)
class Found:
    """A QuickBooks name-list entity we resolved: its Id and display name."""

    id: str
    name: str


@dataclass
class CompanyLookups:
    """One company's cached resolutions (keys are case-folded)."""

    created_at: float = field(default_factory=time.monotonic)
    customers: dict[tuple[str, str], Found] = field(default_factory=dict)  # (email, currency)
    items_by_sku: dict[str, Found] = field(default_factory=dict)
    items_by_name: dict[str, Found] = field(default_factory=dict)
    income_account: Found | None = None
    payment_methods: dict[str, Found] | None = None  # by name key; None: not read yet

    @property
    def expired(self) -> bool:
        """True once the entries are older than the TTL."""
        return time.monotonic() - self.created_at > TTL_SECONDS


def for_company(api_base: str, realm_id: str) -> CompanyLookups:
    """The cache of one company (a realm at one API base), fresh when expired."""
    key = (api_base, str(realm_id))
    with _lock:
        found = _companies.get(key)
        if found is None or found.expired:
            found = _companies[key] = CompanyLookups()
        return found


def forget(api_base: str, realm_id: str) -> None:
    """Drop a company's cache (QuickBooks said a cached reference is gone)."""
    with _lock:
        _companies.pop((api_base, str(realm_id)), None)


def forget_all() -> None:
    """Drop every company's cache (tests; a disconnect)."""
    with _lock:
        _companies.clear()


_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def fold(text: str) -> str:
    """The case-insensitive key of a name, SKU or email (typographic quotes as plain ones)."""
    return " ".join(str(text).translate(_TYPOGRAPHIC).split()).casefold()


def query_safe(value: str) -> bool:
    """Whether QuickBooks' query lexer takes the value as it is (plain printable ASCII)."""
    return all(" " <= ch <= "~" for ch in value)


def select_values(client, entity: str, column: str, values: list[str],
                  chunk: int = 50) -> list[dict]:
    """Rows whose ``column`` may equal one of ``values``; the caller compares locally.

    Plain values go in ``IN (...)`` lists; a value the lexer may reject (typographic quotes,
    emoji, accents: reference §4) is looked up by its plain leading part with ``LIKE`` and
    both spellings of its quotes. A query QuickBooks cannot parse means "no match" for those
    values, never a failed execution (SPEC §7).
    """
    plain = [v for v in dict.fromkeys(values) if query_safe(v)]
    other = [v for v in dict.fromkeys(values) if not query_safe(v)]
    for value in other:
        straight = value.translate(_TYPOGRAPHIC)
        if query_safe(straight):
            plain.append(straight)
    plain = list(dict.fromkeys(plain))
    clauses = []
    for start in range(0, len(plain), chunk):
        quoted = ", ".join(f"'{escape(v)}'" for v in plain[start:start + chunk])
        clauses.append(f"{column} IN ({quoted})")
    for value in other:
        prefix = ""
        for ch in value:
            if not query_safe(ch) or ch in "%_'\\":
                break
            prefix += ch
        if prefix.strip():
            clauses.append(f"{column} LIKE '{escape(prefix)}%'")
    rows: list[dict] = []
    for clause in dict.fromkeys(clauses):
        try:
            rows.extend(client.select(entity, clause))
        except QuickBooksError as exc:
            if str(exc.code) != "4000":
                raise
    return rows
