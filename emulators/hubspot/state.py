"""The emulator's tunable settings and each portal's CRM records and associations."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal

from emulators.clock import Clock

from .catalog import (
    DEFAULT_ASSOCIATION_TYPES,
    ObjectType,
    labeled_type,
    object_type,
    system_properties,
)


@dataclass
class Config:
    """Settings tests change at run time (also through POST /_emulator/config)."""

    rate_limit: int = 100  # requests per window per portal (§7: 100 is the safe floor)
    rate_window_seconds: float = 10.0
    search_rate_per_second: int = 5  # §6.4: search has its own per-account limit
    latency_seconds: float = 0.0  # added before every API answer
    access_token_ttl: int = 1800  # §5.2: 30 minutes
    auth_code_ttl: int = 600  # codes must be exchanged quickly; HubSpot states no number
    fault_timeout_seconds: float = 5.0  # how long a "timeout" fault holds the request

    def update(self, values: dict) -> None:
        """Set the given settings, coercing to each field's type; unknown names raise KeyError."""
        types = {f.name: f.type for f in fields(self)}
        for name, value in values.items():
            if name not in types:
                raise KeyError(name)
            setattr(self, name, int(value) if types[name] == "int" else float(value))

    def as_dict(self) -> dict:
        """The settings as a plain dict."""
        return asdict(self)


def iso_time(epoch_seconds: float) -> str:
    """HubSpot's timestamp format, e.g. 2025-02-05T16:35:33.362Z."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AssociationType:
    """One association type on a pair of records, as v4 reports it."""

    category: str
    type_id: int
    label: str | None

    def as_json(self) -> dict:
        """The v4 `associationTypes` entry."""
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


@dataclass
class Record:
    """One stored CRM object."""

    id: str
    type: ObjectType
    properties: dict[str, str | None]
    created_at: float
    updated_at: float
    history: dict[str, list[dict]] = field(default_factory=dict)
    archived: bool = False


def property_value(value) -> str | None:
    """HubSpot stores every property as a string; None stays empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class Portal:
    """One HubSpot account: its records, property definitions and associations."""

    def __init__(self, portal_id: int, name: str, currency: str, currencies: Iterable[str],
                 *, lock: threading.RLock, clock: Clock, next_id: Callable[[], str]) -> None:
        self.portal_id = int(portal_id)
        self.name = name
        self.currency = currency
        self.currencies = list(dict.fromkeys([currency, *currencies]))
        slug = re.sub(r"[^a-z0-9]+", "", name.lower()) or f"portal{portal_id}"
        self.domain = f"{slug}.com"
        self.user = f"admin@{self.domain}"
        self.user_id = 7_000_000 + self.portal_id % 1_000_000
        # Account details (§10.4); tests change them to see a refresh pick them up.
        self.time_zone = "US/Eastern"
        self.ui_domain = "app.hubspot.com"
        self.account_type = "STANDARD"
        self.data_hosting_location = "na1"
        self._lock = lock
        self._clock = clock
        self._next_id = next_id
        self._records: dict[str, dict[str, Record]] = {}
        self._custom_properties: dict[str, list[str]] = {}
        # (from type, from id, to type) → {to id → {type id → AssociationType}}
        self._links: dict[tuple[str, str, str], dict[str, dict[int, AssociationType]]] = {}

    # -- properties --------------------------------------------------------------------------

    def define_property(self, type_key: str, name: str) -> None:
        """Add a custom property to a type in this portal, as an admin would in settings."""
        t = _type(type_key)
        with self._lock:
            self._custom_properties.setdefault(t.name, []).append(name)

    def defined_properties(self, t: ObjectType) -> set[str]:
        """Every property name this portal defines for a type."""
        with self._lock:
            custom = self._custom_properties.get(t.name, [])
        return {*t.properties, *system_properties(t), *custom}

    # -- records -----------------------------------------------------------------------------

    def create(self, type_key: str, properties: dict | None = None) -> str:
        """Store a new record and return its id; undefined properties raise ValueError."""
        t = _type(type_key)
        values = self._checked(t, properties or {})
        with self._lock:
            self._check_unique_email(t, values)
            now = self._clock.now()
            record_id = self._next_id()
            record = Record(record_id, t, {}, now, now)
            self._set(record, values, now)
            stamp = iso_time(now)
            modified = "lastmodifieddate" if t.name == "contacts" else "hs_lastmodifieddate"
            record.properties.update(
                {"hs_object_id": record_id, "createdate": stamp, modified: stamp})
            self._records.setdefault(t.name, {})[record_id] = record
            return record_id

    def update(self, type_key: str, record_id: str, properties: dict) -> None:
        """Change properties of a stored record."""
        t = _type(type_key)
        values = self._checked(t, properties)
        with self._lock:
            record = self._require(t, record_id)
            self._check_unique_email(t, values, record_id)
            now = self._clock.now()
            self._set(record, values, now)
            record.updated_at = now
            modified = "lastmodifieddate" if t.name == "contacts" else "hs_lastmodifieddate"
            record.properties[modified] = iso_time(now)

    def archive(self, type_key: str, record_id: str) -> None:
        """Archive a record: reads answer 404 and search skips it, as in HubSpot."""
        with self._lock:
            self._require(_type(type_key), record_id).archived = True

    def get(self, type_key: str, record_id: str) -> dict:
        """The stored properties of a record (a copy); KeyError when unknown."""
        with self._lock:
            return dict(self._require(_type(type_key), str(record_id)).properties)

    def record(self, t: ObjectType, record_id: str) -> Record | None:
        """The live record, or None when unknown or archived."""
        with self._lock:
            record = self._records.get(t.name, {}).get(str(record_id))
            return None if record is None or record.archived else record

    def records(self, t: ObjectType) -> list[Record]:
        """All live records of a type in creation order."""
        with self._lock:
            return [r for r in self._records.get(t.name, {}).values() if not r.archived]

    def find(self, t: ObjectType, prop: str, value: str) -> Record | None:
        """The first live record whose property equals value (for `idProperty` reads)."""
        return next((r for r in self.records(t) if r.properties.get(prop) == value), None)

    # -- associations ------------------------------------------------------------------------

    def associate(self, from_key: str, from_id: str, to_key: str, to_id: str, *,
                  type_id: int | None = None, label: str | None = None) -> None:
        """Link two records in both directions (default HUBSPOT_DEFINED types unless given)."""
        from_t, to_t = _type(from_key), _type(to_key)
        from_id, to_id = str(from_id), str(to_id)
        default = DEFAULT_ASSOCIATION_TYPES.get((from_t.name, to_t.name))
        reverse_default = DEFAULT_ASSOCIATION_TYPES.get((to_t.name, from_t.name))
        if default is None or reverse_default is None:
            raise ValueError(f"HubSpot defines no association from {from_t.name} to {to_t.name}")
        forward = [AssociationType("HUBSPOT_DEFINED", default, None)]
        backward = [AssociationType("HUBSPOT_DEFINED", reverse_default, None)]
        if type_id is not None and type_id != default:
            lt = labeled_type(type_id)
            if lt is not None and (lt.from_type, lt.to_type) == (from_t.name, to_t.name):
                forward.insert(0, AssociationType("HUBSPOT_DEFINED", type_id, lt.label))
                backward.insert(0, AssociationType("HUBSPOT_DEFINED", lt.inverse_id, lt.label))
            else:
                # A custom label the portal's admin created: only the forward type is known.
                forward.insert(0, AssociationType("USER_DEFINED", type_id, label))
        with self._lock:
            self._require(from_t, from_id)
            self._require(to_t, to_id)
            self._link(from_t.name, from_id, to_t.name, to_id, forward)
            self._link(to_t.name, to_id, from_t.name, from_id, backward)

    def associations(self, from_key: str | ObjectType, from_id: str,
                     to_key: str | ObjectType) -> list[tuple[str, list[AssociationType]]]:
        """The associated ids of one type, ascending, each with its association types."""
        from_t, to_t = _type(from_key), _type(to_key)
        with self._lock:
            links = self._links.get((from_t.name, str(from_id), to_t.name), {})
            live = [(to_id, list(types.values())) for to_id, types in links.items()
                    if self.record(to_t, to_id) is not None]
        # Labeled types first, then the unlabeled default, as HubSpot lists them.
        return [(to_id, sorted(types, key=lambda a: a.label is None))
                for to_id, types in sorted(live, key=lambda item: int(item[0]))]

    # -- internals ---------------------------------------------------------------------------

    def _checked(self, t: ObjectType, properties: dict) -> dict[str, str | None]:
        defined = self.defined_properties(t)
        values = {name: property_value(value) for name, value in properties.items()}
        unknown = sorted(set(values) - defined)
        if unknown:
            raise ValueError(f"Property {unknown[0]!r} does not exist on {t.name} "
                             "(HubSpot: PROPERTY_DOESNT_EXIST)")
        code = values.get("deal_currency_code")
        if t.name == "deals" and code and code not in self.currencies:
            # HubSpot validates deal currencies against the account's (§6.5: INVALID_OPTION).
            raise ValueError(f"{code} is not one of the portal's currencies (INVALID_OPTION)")
        return values

    def _check_unique_email(self, t: ObjectType, values: dict, own_id: str | None = None) -> None:
        # HubSpot deduplicates contacts by email (409 CONFLICT on a second one).
        email = (values.get("email") or "").lower()
        if t.name != "contacts" or not email:
            return
        for other in self.records(t):
            if other.id != own_id and (other.properties.get("email") or "").lower() == email:
                raise ValueError(f"Contact already exists. Existing ID: {other.id} (CONFLICT)")

    def _set(self, record: Record, values: dict[str, str | None], now: float) -> None:
        for name, value in values.items():
            record.properties[name] = value
            record.history.setdefault(name, []).insert(0, {
                "value": value, "timestamp": iso_time(now), "sourceType": "API",
                "sourceId": "emulator"})

    def _require(self, t: ObjectType, record_id: str) -> Record:
        record = self.record(t, record_id)
        if record is None:
            raise KeyError(f"no {t.name} record {record_id} in portal {self.portal_id}")
        return record

    def _link(self, from_name: str, from_id: str, to_name: str, to_id: str,
              types: list[AssociationType]) -> None:
        pair = self._links.setdefault((from_name, from_id, to_name), {}).setdefault(to_id, {})
        for a in types:
            pair[a.type_id] = a


def _type(key: str | ObjectType) -> ObjectType:
    if isinstance(key, ObjectType):
        return key
    t = object_type(key)
    if t is None:
        raise ValueError(f"unknown object type {key!r}")
    return t
