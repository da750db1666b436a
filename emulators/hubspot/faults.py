"""Injected failures: answer matching requests with 5xx, 429 or a hang instead of the real reply."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

# "error_500", "error_502", … any HTTP status; "rate_limit" is HubSpot's 429; "timeout" hangs.
_KIND = re.compile(r"^(error_[1-5]\d\d|rate_limit|timeout)$")


@dataclass
class Fault:
    """One rule: a kind, an optional "METHOD /path" substring, and a count or a probability."""

    kind: str
    match: str | None = None
    remaining: int | None = 1  # None: unlimited (probability rules)
    probability: float | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_json(self) -> dict:
        """The rule as the control API reports it."""
        return {"kind": self.kind, "match": self.match, "remaining": self.remaining,
                "probability": self.probability}


class Faults:
    """The active fault rules; the first rule that matches and fires wins."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._rules: list[Fault] = []

    def add(self, kind: str, match: str | None = None, count: int = 1) -> None:
        """Fail the next `count` requests whose "METHOD /path" contains `match` (any if None)."""
        _check(kind)
        with self._lock:
            self._rules.append(Fault(kind, match, int(count)))

    def rate(self, kind: str, probability: float, seed: int | None = None,
             match: str | None = None) -> None:
        """Fail each matching request with the given probability (seeded for repeatable runs)."""
        _check(kind)
        if not 0.0 <= float(probability) <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        with self._lock:
            self._rules.append(Fault(kind, match, None, float(probability), random.Random(seed)))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        """The active rules."""
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def take(self, method: str, path: str) -> str | None:
        """The fault kind to inject for this request, consuming one use of a counted rule."""
        target = f"{method.upper()} {path}"
        with self._lock:
            for rule in list(self._rules):
                if rule.match is not None and rule.match not in target:
                    continue
                if rule.probability is not None:
                    if rule.rng.random() < rule.probability:
                        return rule.kind
                    continue
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule.kind
        return None


def _check(kind: str) -> None:
    if not _KIND.match(kind):
        raise ValueError(f"unknown fault kind {kind!r}: use error_<status>, rate_limit or timeout")
