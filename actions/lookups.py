"""What this process already found in each QuickBooks company: customers, items, accounts.

A warm invoice needs no QuickBooks lookup at all (SPEC §6: ≤ 1 QuickBooks call). Entries live
for ``TTL_SECONDS``; a company's whole cache is dropped when QuickBooks answers 610/2500 (a
cached reference is gone or inactive), so the next resolution asks QuickBooks again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

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


def fold(text: str) -> str:
    """The case-insensitive key of a name, SKU or email."""
    return " ".join(str(text).split()).casefold()
