"""Budget-aware admission of inline executions: a spent budget answers 429 before any work.

An inline execution that HubSpot's or QuickBooks' budget could not serve within the inline wait
would read HubSpot, then time out at the QuickBooks gate and be re-delivered to read HubSpot
again. Admission asks the budgets first and answers 429 + Retry-After at once instead.

QuickBooks' side is a forecast: the calls the executions admitted before this one still have to
make (a running mean of the calls an execution makes, less those each has made) are ahead of it
in the company's budget. That forecast is also the execution's ``slot``: how long it would wait
for QuickBooks anyway, which executions/gathering.py spends gathering HubSpot reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from executions import budgets, gathering
from executions.executor import resolve_company
from failures import TransientFailure

# QuickBooks calls an inline execution makes until this process has measured some.
FIRST_GUESS_CALLS = 1.5
SMOOTHING = 0.1  # weight of each finished execution in the running mean
# Admit only what the budgets serve within this part of the inline wait (the rest absorbs a
# forecast that was short), plus the time an execution may spend gathering instead of waiting.
ADMIT_SHARE = 0.75
# How long admission trusts a (portal, requested company) → realm answer; only the forecast uses
# it, the executor resolves the company itself.
REALM_TTL = 10.0
GATHERING = gathering.MAX_WINDOW + gathering.READ_LEAD


@dataclass
class Ticket:
    """One admitted inline execution's reservation in its QuickBooks company's budget."""

    realm: str | None = None
    reserved: float = 0.0  # calls still reserved for it
    made: int = 0  # QuickBooks calls it made so far
    slot: float = 0.0  # seconds from admission until its QuickBooks calls could start


class Admission:
    """Per process: what the admitted inline executions still owe each company's budget."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.calls = FIRST_GUESS_CALLS
        self._reserved: dict[str, float] = {}
        self._lock = threading.Lock()
        self._current = threading.local()
        self._realms: dict[tuple[int, str], tuple[float, str | None]] = {}
        runtime.call_observers.append(self._observe)

    def admit(self, execution) -> Ticket:
        """A ticket for this execution, or TransientFailure(429) when a budget is spent."""
        runtime = self.runtime
        limit = ADMIT_SHARE * budgets.current_patience(_inline_wait(runtime.settings))
        if runtime.hubspot_budget is not None:
            wait = runtime.hubspot_budget.for_portal(execution.portal_id).peek()
            if wait > limit:
                raise _spent(f"HubSpot portal {execution.portal_id}", wait)
        realm = self._realm(execution)
        if realm is None or runtime.quickbooks_budget is None:
            return Ticket()
        gate = runtime.quickbooks_budget.for_realm(realm)
        with self._lock:
            ahead = self._reserved.get(realm, 0.0)
            slot = gate.peek() + ahead / gate.rate()
            if slot > limit + GATHERING:
                raise _spent(f"QuickBooks company {realm}", slot - GATHERING)
            self._reserved[realm] = ahead + self.calls
            return Ticket(realm, self.calls, 0, slot)

    @contextmanager
    def holding(self, ticket: Ticket) -> Iterator[Ticket]:
        """Run the body with the ticket counting this thread's QuickBooks calls; release it."""
        self._current.ticket = ticket
        try:
            yield ticket
        finally:
            self._current.ticket = None
            self._release(ticket)

    def _release(self, ticket: Ticket) -> None:
        if ticket.realm is None:
            return
        with self._lock:
            left = self._reserved.get(ticket.realm, 0.0) - ticket.reserved
            self._reserved[ticket.realm] = max(0.0, left)
            if ticket.made:
                self.calls += SMOOTHING * (ticket.made - self.calls)

    def _observe(self, **call) -> None:
        """A QuickBooks call made in an admitted execution's thread uses up its reservation."""
        ticket = getattr(self._current, "ticket", None)
        if ticket is None or ticket.realm is None or call.get("service") != "quickbooks":
            return
        ticket.made += 1
        with self._lock:
            used = min(1.0, ticket.reserved)
            ticket.reserved -= used
            self._reserved[ticket.realm] = max(0.0, self._reserved.get(ticket.realm, 0.0) - used)

    def _realm(self, execution) -> str | None:
        """The company the execution will book in, if it resolves (else the executor says why)."""
        requested = (execution.inputs or {}).get("quickbooks_company")
        key = (int(execution.portal_id), str(requested or ""))
        known = self._realms.get(key)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        try:
            realm = resolve_company(self.runtime.db, execution.portal_id, requested).realm_id
        except Exception:  # refused or not connected: the executor answers that, with no calls
            realm = None
        self._realms[key] = (time.monotonic() + REALM_TTL, realm)
        return realm


def _spent(name: str, wait: float) -> TransientFailure:
    return TransientFailure(f"the request budget of {name} is spent; retry in {wait:.0f} s",
                            retry_after=wait, status=429)  # fmt: skip


def _inline_wait(settings) -> float:
    """How long a request handler may wait for budget before answering 429."""
    return float(settings.inline_budget_wait)
