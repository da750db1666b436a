"""Fault injection: scripted or random failures matched against "METHOD /path"."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

# access_removed: 401 code 120 even with a freshly refreshed token (the user lost access).
# race_create: another client creates the same record just before this request (6240 follows).
# stall_answer: the write commits at once, its answer leaves config.stall_seconds later.
# refuse: 400 business validation fault (6000), e.g. a Payment QuickBooks refuses once.
KINDS = frozenset({"error_500", "lose_response", "throttle", "timeout", "expire_token",
                   "access_removed", "refuse", "race_create", "stall_answer"})


@dataclass
class ScriptedFault:
    """Fire ``kind`` on the next ``remaining`` requests that match."""

    kind: str
    match: str | None
    remaining: int


@dataclass
class RandomFault:
    """Fire ``kind`` on a matching request with ``probability``."""

    kind: str
    probability: float
    match: str | None
    rng: random.Random = field(repr=False)


def _matches(match: str | None, request_line: str, api: bool) -> bool:
    # Without a match a fault targets the QBO API only; OAuth endpoints must be named.
    if match is None:
        return api
    return match in request_line


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")


class FaultInjector:
    """The faults armed on an emulator; safe to arm from a test while requests run."""

    def __init__(self, lock=None) -> None:
        self._lock = lock or threading.Lock()
        self._scripted: list[ScriptedFault] = []
        self._random: list[RandomFault] = []

    def add(self, kind: str, match: str | None = None, count: int = 1) -> None:
        """Fail the next ``count`` matching requests with ``kind``."""
        _check_kind(kind)
        with self._lock:
            self._scripted.append(ScriptedFault(kind, match, count))

    def rate(
        self, kind: str, probability: float, seed: int | None = None, match: str | None = None
    ) -> None:
        """Fail matching requests with ``kind`` at random; probability 0 disarms it."""
        _check_kind(kind)
        with self._lock:
            self._random = [f for f in self._random if (f.kind, f.match) != (kind, match)]
            if probability > 0:
                self._random.append(RandomFault(kind, probability, match, random.Random(seed)))

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._scripted.clear()
            self._random.clear()

    def pending(self) -> list[dict]:
        """The armed faults, for the control API."""
        with self._lock:
            scripted = [
                {"kind": f.kind, "match": f.match, "count": f.remaining} for f in self._scripted
            ]
            rates = [
                {"kind": f.kind, "match": f.match, "probability": f.probability}
                for f in self._random
            ]
        return scripted + rates

    def draw(self, request_line: str, api: bool) -> str | None:
        """The fault to apply to this request, if any (scripted faults first, in order)."""
        with self._lock:
            for fault in self._scripted:
                if _matches(fault.match, request_line, api):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._scripted.remove(fault)
                    return fault.kind
            for fault in self._random:
                if _matches(fault.match, request_line, api) and (
                    fault.rng.random() < fault.probability
                ):
                    return fault.kind
        return None
