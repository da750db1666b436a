"""Fault-injection harness: HubSpot's workflow engine against the live server, emulators failing.

Every scenario enrols deals through the HubSpot emulator's WorkflowDriver (signed POSTs, resent on
429/5xx/no answer the way HubSpot does), keeps resending what is unfinished once the fault is
over (HubSpot retries for three days), and ends by counting what QuickBooks holds: one invoice
per deal, none twice, none missing.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import select

import store
from emulators.hubspot.workflows import Delivery, WorkflowDriver
from executions import ledger
from tests.support.crm import contact, line, make_deal
from tests.support.signing import PUBLIC_BASE

SLUG = "create-invoice"
RESULTS: list[Tally] = []
WORKER_RESTARTS: list[int] = []
_emails = itertools.count(1)


@dataclass
class Tally:
    """What one fault run ended with."""

    fault: str
    mode: str
    deals: int
    attempts: int = 0  # HTTP deliveries HubSpot made, retries included
    executions: int = 0  # ledger rows
    succeeded: int = 0
    failed: int = 0
    transactions: int = 0  # invoices in QuickBooks
    duplicates: int = 0  # deals with more than one invoice
    lost: int = 0  # deals whose invoice is missing though the run said succeeded, or no outcome
    injected: int = 0  # faults that actually fired
    statuses: Counter = field(default_factory=Counter)  # what HubSpot was answered
    error_codes: Counter = field(default_factory=Counter)

    def row(self) -> str:
        """One Markdown table row."""
        answered = ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items(), key=str))
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(self.error_codes.items())) or "—"
        return (f"| {self.fault} | {self.mode} | {self.injected} | {self.deals} | "
                f"{self.attempts} ({answered}) | "
                f"{self.executions} | {self.succeeded} | {self.failed} ({codes}) | "
                f"{self.transactions} | {self.duplicates} | {self.lost} |")  # fmt: skip


class Harness:
    """Deals, the driver that enrols them, and the count at the end."""

    def __init__(self, world, server_url: str, mode: str):
        self.world = world
        self.mode = mode
        self.company = world.quickbooks.companies[next(iter(world.connections))]
        self.driver = WorkflowDriver(
            world.hubspot, world.portal_id, server_url, PUBLIC_BASE, max_attempts=25,
            backoff_seconds=0.02, backoff_cap=0.3, retry_after_cap=0.3, request_timeout=20,
        )  # fmt: skip
        self.deals: list[str] = []
        self.deliveries: dict[str, Delivery] = {}
        self.attempts: list[int | None] = []

    def make_deals(self, n: int) -> list[str]:
        """Deals with their own contact and lines that match the company's items."""
        made = []
        for i in range(n):
            who = contact(self.world, f"fault-{next(_emails)}-{uuid.uuid4().hex[:6]}@example.com",
                          "Fault", f"Tester {i}")  # fmt: skip
            made.append(make_deal(self.world, [line("Consulting", "150.00", str(i + 1),
                                                    sku="CONS-H")], who))  # fmt: skip
        self.deals += made
        return made

    def enrol(self, deals: list[str] | None = None) -> None:
        """Deliver one execution per deal, with HubSpot's retries."""
        for deal in deals if deals is not None else self.deals:
            known = self.deliveries.get(deal)
            delivery = self.driver.execute(
                SLUG, "DEAL", deal, {"private_note": note(deal)},
                callback_id=known.callback_id if known else None,
            )  # fmt: skip
            self.attempts += [a.status for a in delivery.history]
            self.deliveries[deal] = delivery
        if self.mode == "queue":  # the workers meet the faults still armed
            drain(self.world)

    def settle(self, rounds: int = 5) -> None:
        """The fault is over: HubSpot keeps resending what never got a final answer."""
        for _ in range(rounds):
            if self.mode == "queue":
                drain(self.world)
            unfinished = [d for d in self.deals if not self.final(d)]
            if not unfinished:
                return
            self.enrol(unfinished)
        if self.mode == "queue":
            drain(self.world)

    def final(self, deal: str) -> bool:
        """True once HubSpot holds a final state for the deal's execution."""
        delivery = self.deliveries.get(deal)
        if delivery is None:
            return False
        if delivery.state in ("SUCCESS", "FAIL_CONTINUE"):
            return True
        completion = self.world.hubspot.completion(delivery.callback_id)
        return completion is not None

    def outputs(self, deal: str) -> dict:
        """The outputs HubSpot got for the deal (response or callback completion); for a deal
        run again from the dashboard or CLI, the outcome the ledger holds."""
        delivery = self.deliveries[deal]
        if delivery.state == "RERUN":
            row = ledger.by_callback(self.world.runtime.db, self.world.portal_id,
                                      delivery.callback_id)  # fmt: skip
            return row.outputs or {}
        completion = self.world.hubspot.completion(delivery.callback_id)
        if completion is not None:
            return completion["outputFields"]
        return delivery.output_fields or {}

    def tally(self, fault: str, injected: int = 0) -> Tally:
        """Count executions and QuickBooks transactions; record the row for the report."""
        db = self.world.runtime.db
        with db.session() as s:
            rows = s.exec(select(store.Execution)).all()
        invoices = self.company.entities("Invoice")
        by_deal = Counter(inv.get("PrivateNote", "") for inv in invoices)
        t = Tally(fault, self.mode, len(self.deals), attempts=len(self.attempts),
                  executions=len(rows), transactions=len(invoices), injected=injected)  # fmt: skip
        t.statuses.update(s if s is not None else "no answer" for s in self.attempts)
        ids = {str(inv["Id"]) for inv in invoices}
        for deal in self.deals:
            out = self.outputs(deal)
            if out.get("hs_execution_state") == "SUCCESS":
                t.succeeded += 1
                t.lost += out.get("qbo_id") not in ids
            elif out.get("hs_execution_state") == "FAIL_CONTINUE":
                t.failed += 1
                t.error_codes[out.get("error_code", "")] += 1
            else:
                t.lost += 1
            t.duplicates += by_deal[note(deal)] > 1
        RESULTS.append(t)
        return t


def note(deal: str) -> str:
    """The private note that ties an invoice to its deal."""
    return f"hubspot deal {deal}"


def drain(world, rounds: int = 200) -> None:
    """Queue mode: run workers until every row is final and its callback completed.

    Delayed retries (429 pauses, outages) are made due at once: the test compresses time.
    """
    from jobs import queue as queue_mode

    q = world.runtime.queue
    for _ in range(rounds):
        try:
            queue_mode.run_worker(world.app, burst=True, sweep_seconds=0)
        except OperationalError:
            # A worker starting while the database is down exits (its first sweep fails);
            # the process supervisor starts it again.
            WORKER_RESTARTS.append(1)
            time.sleep(0.05)
            continue
        delayed = q.redis.zrange(q.delayed_key, 0, -1)
        if delayed:
            q.redis.zadd(q.delayed_key, {member: 0 for member in delayed})
            q.release_due()
            continue
        try:
            with world.runtime.db.session() as s:
                rows = s.exec(select(store.Execution)).all()
        except OperationalError:  # the outage under test hits this check too
            continue
        if rows and all(r.finished and r.callback_completed for r in rows):
            return
        time.sleep(0.05)
    raise AssertionError("the queue did not drain")


class DatabaseOutage:
    """The database refusing connections: always, or for bursts of checkouts."""

    def __init__(self, db):
        self.engine = db.engine
        self.always = False
        self.burst: tuple[int, int] | None = None  # (every, length) in checkouts
        self.checkouts = 0
        self.refused = 0
        self._lock = threading.Lock()
        event.listen(self.engine, "checkout", self._checkout)

    def _checkout(self, *_args) -> None:
        with self._lock:
            self.checkouts += 1
            down = self.always or (
                self.burst is not None and self.checkouts % self.burst[0] < self.burst[1]
            )
            if down:
                self.refused += 1
        if down:
            raise OperationalError("connect", {}, ConnectionRefusedError("injected: database down"))

    def close(self) -> None:
        """Let connections through again for good."""
        event.remove(self.engine, "checkout", self._checkout)


