"""CRM search, enough of it for tests: filter groups, one sort, paging and the limits (§6.4)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, jsonify, request

from .api import authenticate, current_emulator, json_body, validation_error
from .catalog import object_type
from .crm import OBJECT_PREFIXES, object_json, resolve_type
from .state import Portal, Record

bp = Blueprint("search", __name__)

MAX_LIMIT = 200
MAX_BODY_CHARS = 3000
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_RESULTS = 10_000
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "NOT_IN", "HAS_PROPERTY",
             "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}


def search(object_type_key: str):
    """POST search: AND within a filter group, OR across groups."""
    t = resolve_type(object_type_key)
    grant = authenticate([t.scopes], search=True)
    portal = current_emulator().portal(grant.portal_id)
    if len(request.get_data(as_text=True)) > MAX_BODY_CHARS:
        raise validation_error(f"Request body exceeds {MAX_BODY_CHARS} characters")
    body = json_body()
    groups = body.get("filterGroups") or []
    _check_filters(groups)
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 0 and {MAX_LIMIT}")
    try:
        after = int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise validation_error(f"Invalid paging cursor: {body.get('after')}") from None
    if after + limit > MAX_RESULTS:
        raise validation_error(f"Search can page through at most {MAX_RESULTS} results")
    with current_emulator().lock:
        matches = [r for r in portal.records(t)
                   if (not groups or any(_matches(portal, r, g) for g in groups))
                   and _matches_query(r, body.get("query"))]
        matches = _sorted(matches, body.get("sorts") or [])
        page = matches[after:after + limit]
        results = [object_json(portal, r, body.get("properties")) for r in page]
    answer: dict = {"total": len(matches), "results": results}
    if after + limit < len(matches):
        answer["paging"] = {"next": {"after": str(after + limit)}}
    # Search responses carry no rate-limit headers (§6.4).
    return jsonify(answer)


def _check_filters(groups) -> None:
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise validation_error(f"At most {MAX_GROUPS} filterGroups are allowed")
    total = 0
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(f"Each filterGroup takes at most {MAX_FILTERS_PER_GROUP} "
                                   "filters")
        total += len(filters)
        for f in filters:
            if not isinstance(f, dict) or f.get("operator") not in OPERATORS:
                raise validation_error(f"Unknown filter operator in {f!r}")
            if "propertyName" not in f:
                raise validation_error("Each filter needs a propertyName")
    if total > MAX_FILTERS:
        raise validation_error(f"At most {MAX_FILTERS} filters are allowed in total")


def _matches(portal: Portal, record: Record, group: dict) -> bool:
    return all(_match_filter(portal, record, f) for f in group["filters"])


def _match_filter(portal: Portal, record: Record, f: dict) -> bool:
    name, op = f["propertyName"], f["operator"]
    if name.startswith("associations."):
        to_t = object_type(name.split(".", 1)[1])
        linked = ({to_id for to_id, _ in portal.associations(record.type, record.id, to_t)}
                  if to_t else set())
        return (str(f.get("value")) in linked) == (op == "EQ")
    actual = record.properties.get(name)
    if op == "HAS_PROPERTY":
        return actual not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return actual in (None, "")
    if actual is None:
        return op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    wanted = str(f.get("value", ""))
    values = [str(v).lower() for v in f.get("values") or []]
    if op in ("IN", "NOT_IN"):
        return (actual.lower() in values) == (op == "IN")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = wanted.strip("*").lower() in actual.lower()
        return found == (op == "CONTAINS_TOKEN")
    # String comparisons are case-insensitive in HubSpot search; numbers compare as numbers.
    left, right = _comparable(actual), _comparable(wanted)
    if type(left) is not type(right):
        left, right = actual.lower(), wanted.lower()
    return {"EQ": left == right, "NEQ": left != right, "LT": left < right,
            "LTE": left <= right, "GT": left > right, "GTE": left >= right}[op]


def _comparable(value: str):
    try:
        return Decimal(value)
    except InvalidOperation:
        return value.lower()


def _matches_query(record: Record, query) -> bool:
    if not query:
        return True
    needle = str(query).lower()
    return any(needle in (v or "").lower() for v in record.properties.values())


def _sorted(records: list[Record], sorts: list) -> list[Record]:
    if len(sorts) > 1:
        raise validation_error("Only one sort is allowed")
    if not sorts:
        return sorted(records, key=lambda r: int(r.id))
    sort = sorts[0] if isinstance(sorts[0], dict) else {"propertyName": str(sorts[0])}
    name = sort.get("propertyName", "hs_object_id")
    present = [r for r in records if r.properties.get(name) not in (None, "")]
    empty = [r for r in records if r.properties.get(name) in (None, "")]
    present.sort(key=lambda r: _sort_key(r.properties[name]),
                 reverse=sort.get("direction") == "DESCENDING")
    return present + empty


def _sort_key(value: str):
    number = _comparable(value)
    return (0, number, "") if isinstance(number, Decimal) else (1, Decimal(0), number)


for _name, _prefix in OBJECT_PREFIXES.items():
    bp.add_url_rule(f"{_prefix}/<object_type_key>/search", f"search_{_name}", search,
                    methods=["POST"])
