"""Inline executions that arrive together share one set of HubSpot batch reads.

Queue workers read a chunk's records in batch calls (actions/prefetch.py); inline executions
arrive one request thread at a time, so this gathers them: the first execution to arrive while
others are running opens a batch and waits, the ones arriving meanwhile join it, and then the
opener reads every member's record, associations, line items, contacts (and, on first ask,
companies) with the same ``prefetch`` queue chunks use. Each member's ``read_sale`` then takes
its reads from the runtime's cache.

How long a batch gathers: while QuickBooks' budget holds an execution back anyway (its
admission ``slot``, executions/admission.py) it gathers until shortly before that slot, at most
``MAX_WINDOW``; with no such wait, ``gathering_window_seconds`` (a setting) while other
executions are running; a lone execution is not delayed at all. One process gathers across its
request threads; several web processes each gather their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from actions import ACTIONS
from executions import budgets

log = logging.getLogger(__name__)

# The longest a batch gathers, whatever the budgets: long enough for a process's request threads
# to fill a batch at QuickBooks' pace, short against HubSpot's ~20 s wait for an answer.
MAX_WINDOW = 3.0
# Close the batch this long before the opener's QuickBooks slot: time for the batch reads.
READ_LEAD = 0.15
MAX_ROWS = 30  # as a queue chunk
# A batch stops gathering early once fewer executions than this are past gathering (booking in
# QuickBooks): the company's budget would otherwise go unused while it gathers.
KEEP_BUSY = 1
FOLLOWER_TIMEOUT = 60.0  # a member gives up waiting for the reads and reads its own


@dataclass
class Batch:
    """Executions gathering for one set of batch reads."""

    due: float
    rows: list = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)


class Gatherer:
    """Per process: the batch now gathering, and how many inline executions are running."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._open: Batch | None = None
        self._running = 0
        self._cond = threading.Condition()

    @contextmanager
    def shared(self, execution, slot: float = 0.0) -> Iterator[None]:
        """Run the body after this execution's HubSpot reads were made with its batch's."""
        if getattr(ACTIONS.get(execution.action), "prefetch", None) is None:
            yield
            return
        with self._cond:
            self._running += 1
            others = self._running > 1
        try:
            self._gather(execution, slot, others)
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()  # a gathering batch may be all that is left to run

    def _gather(self, execution, slot: float, others: bool) -> None:
        started = time.monotonic()
        with self._cond:
            batch = self._open
            if batch is not None:
                batch.rows.append(execution)
                if len(batch.rows) >= MAX_ROWS:
                    self._cond.notify_all()
                lead = False
            else:
                least = self.runtime.settings.gathering_window_seconds if others else 0.0
                window = min(MAX_WINDOW, max(least, slot - READ_LEAD))
                if window <= 0:
                    return  # alone, or nothing to wait for: read at once, as ever
                batch = self._open = Batch(started + window, [execution])
                lead = True
                while self._gathers(batch):
                    self._cond.wait(batch.due - time.monotonic())
                self._open = None
        if lead:
            try:
                self._read(batch.rows)
            finally:  # the members go on (reading their own) whatever became of the reads
                batch.ready.set()
        else:
            batch.ready.wait(FOLLOWER_TIMEOUT)
        # Time held here stands in for the QuickBooks budget wait it overlaps.
        budgets.record_wait(time.monotonic() - started)

    def _gathers(self, batch: Batch) -> bool:
        """Whether the open batch goes on gathering (called under the lock)."""
        booking = self._running - len(batch.rows)
        return (len(batch.rows) < MAX_ROWS and batch.due > time.monotonic()
                and booking >= KEEP_BUSY)

    def _read(self, rows: list) -> None:
        """One set of batch reads for the batch, per action (a lone member reads its own)."""
        by_action: dict[str, list] = {}
        for row in rows:
            by_action.setdefault(row.action, []).append(row)
        for slug, group in by_action.items():
            if len(group) < 2:
                continue
            try:
                ACTIONS[slug].prefetch(self.runtime, group)
            except Exception:  # a warm-up only: each execution still reads what it misses
                log.exception("batch reads for %s failed; executions read their own", slug)
