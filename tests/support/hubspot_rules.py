"""The reference's rules for HubSpot requests (hubspot-api.md §6, §9): each recorded call
checked against them, so tests can say what the product sent wrong."""

from __future__ import annotations

import json
import re

# §6.1: the path names of the objects the product reads (type ids are accepted too).
OBJECT_TYPES = r"(contacts|companies|deals|line_items|quotes|products|commerce_payments|0-\d+)"
ID = r"[0-9]+"
SINGLE_READ_PARAMS = {"properties", "propertiesWithHistory", "associations", "idProperty",
                      "archived"}  # fmt: skip
BATCH_READ_FIELDS = {"properties", "propertiesWithHistory", "idProperty", "inputs"}
COMPLETION_FIELDS = {"outputFields", "typedOutputs", "failureReasonType", "requestContext"}
RETIRED_PREFIXES = ("/crm/v3", "/crm/v4", "/automation/v4", "/oauth/v1", "/account-info/v3")
V = "2026-03"


def _single_read(call) -> list[str]:
    unknown = set(call["query"]) - SINGLE_READ_PARAMS
    return [f"unknown query parameters {sorted(unknown)}"] if unknown else []


def _batch_read(call) -> list[str]:
    body, problems = call["json"] or {}, []
    if set(body) - BATCH_READ_FIELDS:
        extra = sorted(set(body) - BATCH_READ_FIELDS)
        problems.append(f"fields outside the batch-read schema: {extra}")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
        problems.append("inputs must hold 1 to 100 ids (§6.2)")
    elif not all(isinstance(i, dict) and set(i) == {"id"} and isinstance(i["id"], str)
                 for i in inputs):  # fmt: skip
        problems.append("each input is {'id': '<string>'}")
    # BatchReadInputSimplePublicObjectId (2026-03) requires all three.
    for name in ("properties", "propertiesWithHistory"):
        if not isinstance(body.get(name), list):
            problems.append(f"{name} is a (required) list (§9.2)")
    return problems


def _search(call) -> list[str]:
    body, problems = call["json"] or {}, []
    groups = body.get("filterGroups", [])
    if len(groups) > 5 or sum(len(g.get("filters", [])) for g in groups) > 18:
        problems.append("at most 5 filterGroups and 18 filters (§6.4)")
    if len(body.get("sorts", [])) > 1 or int(body.get("limit", 10)) > 200:
        problems.append("one sort and limit <= 200 (§6.4)")
    if len(json.dumps(body)) > 3000:
        problems.append("search bodies stay under 3,000 characters (§6.4)")
    return problems


def _association_batch(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs")
    if set(call["json"] or {}) != {"inputs"} or not 1 <= len(inputs or []) <= 1000:
        return ["body is {'inputs': [...]} with 1 to 1,000 ids (§6.3)"]
    if not all(set(i) <= {"id", "after"} and "id" in i for i in inputs):
        return ["each input is {'id'} or, for a next page, {'id', 'after'} (§9.2)"]
    return []


def _completion(item: dict, where: str = "") -> list[str]:
    problems = []
    for required in ("outputFields", "typedOutputs"):  # both required by the spec (§3.3)
        if required not in item:
            problems.append(f"{where}{required} is missing")
    if set(item) - COMPLETION_FIELDS - {"callbackId"}:
        problems.append(f"{where}unknown fields {sorted(set(item) - COMPLETION_FIELDS)}")
    outputs = item.get("outputFields") or {}
    if not all(isinstance(v, str) for v in outputs.values()):
        problems.append(f"{where}outputFields values are strings")
    if outputs.get("hs_execution_state") not in ("SUCCESS", "FAIL_CONTINUE"):
        problems.append(f"{where}hs_execution_state is SUCCESS or FAIL_CONTINUE")
    return problems


def _batch_completion(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs") or []
    problems = [] if inputs else ["inputs is required"]
    for n, item in enumerate(inputs):
        if "callbackId" not in item:
            problems.append(f"inputs[{n}].callbackId is missing")
        problems += _completion(item, f"inputs[{n}].")
    return problems


def _token(call) -> list[str]:
    form = call["form"] or {}
    needed = {"grant_type", "client_id", "client_secret"}
    needed |= {"code", "redirect_uri"} if form.get("grant_type") == "authorization_code" else {
        "refresh_token"}  # fmt: skip
    problems = [f"form field {name} is missing (§5.2)" for name in sorted(needed - set(form))]
    if call["json"] is not None:
        problems.append("token requests are form-encoded, not JSON (§5.2)")
    if call["query"]:
        problems.append("token parameters go in the body, none in the query string")
    return problems


def _authorize(call) -> list[str]:
    # The browser's visit to the consent page, at the URL the install route built (§5.1).
    missing = {"client_id", "scope", "redirect_uri", "state"} - set(call["query"])
    problems = [f"authorize URL lacks {sorted(missing)}"] if missing else []
    if "," in call["query"].get("scope", ""):
        problems.append("scopes are space-separated")
    return problems


def _definitions(call) -> list[str]:
    # 2026-03 takes a Bearer credential (developers-write), never hapikey (§1.3, §9.2).
    return ["2026-03 definition calls carry no hapikey"] if "hapikey" in call["query"] else []


def _introspect(call) -> list[str]:
    form = call["form"] or {}
    missing = {"client_id", "client_secret", "token"} - set(form)
    return [f"form field {name} is missing (§5.3)" for name in sorted(missing)]


def _property_group(call) -> list[str]:
    body = call["json"] or {}
    return [] if body.get("name") and body.get("label") else ["name and label are required"]


def _property(call) -> list[str]:
    body = call["json"] or {}
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    problems = [f"{k} is required (§10.5)" for k in missing]
    if body.get("type") == "enumeration" and not body.get("options"):
        problems.append("an enumeration needs options (§10.5)")
    return problems


def _batch_update(call) -> list[str]:
    inputs = (call["json"] or {}).get("inputs")
    if not 1 <= len(inputs or []) <= 100:
        return ["inputs holds 1 to 100 records (§10.5)"]
    return [f"inputs[{n}] is {{id, properties}}" for n, item in enumerate(inputs)
            if not item.get("id") or not isinstance(item.get("properties"), dict)]


RULES = [
    ("GET", rf"/crm/properties/{V}/deals/groups", None),
    ("POST", rf"/crm/properties/{V}/deals/groups", _property_group),
    ("GET", rf"/crm/properties/{V}/deals", None),
    ("POST", rf"/crm/properties/{V}/deals", _property),
    ("POST", rf"/crm/objects/{V}/deals/batch/update", _batch_update),
    ("GET", rf"/crm/objects/{V}/{OBJECT_TYPES}/{ID}", _single_read),
    ("POST", rf"/crm/objects/{V}/{OBJECT_TYPES}/batch/read", _batch_read),
    ("POST", rf"/crm/objects/{V}/{OBJECT_TYPES}/search", _search),
    ("GET", rf"/crm/objects/{V}/{OBJECT_TYPES}/{ID}/associations/{OBJECT_TYPES}", None),
    ("POST", rf"/crm/associations/{V}/{OBJECT_TYPES}/{OBJECT_TYPES}/batch/read",
     _association_batch),
    ("POST", rf"/automation/actions/callbacks/{V}/[^/]+/complete",
     lambda c: _completion(c["json"])),
    ("POST", rf"/automation/actions/callbacks/{V}/complete", _batch_completion),
    ("POST", rf"/oauth/{V}/token", _token),
    ("POST", rf"/oauth/{V}/token/introspect", _introspect),
    ("POST", rf"/oauth/{V}/token/revoke", _introspect),
    ("GET", rf"/account-info/{V}/details", None),
    ("GET", r"/oauth/authorize", _authorize),
    ("GET", rf"/automation/actions/{V}/\d+", _definitions),
    ("POST", rf"/automation/actions/{V}/\d+", _definitions),
    ("PATCH", rf"/automation/actions/{V}/\d+/\d+", _definitions),
]  # fmt: skip


def violations(calls: list[dict]) -> list[str]:
    """What is wrong with each recorded call, by the reference's rules."""
    found = []
    for call in calls:
        rule = next((r for r in RULES if r[0] == call["method"]
                     and re.fullmatch(r[1], call["path"])), None)  # fmt: skip
        if call["path"].startswith("/_emulator"):
            continue
        if call["path"].startswith(RETIRED_PREFIXES):
            found.append(f"{call['method']} {call['path']}: a retired API (SPEC §9)")
            continue
        if rule is None:
            found.append(f"{call['method']} {call['path']}: not an endpoint of the reference")
            continue
        check = rule[2]
        problems = list(check(call) if check else [])
        if call["status"] >= 400 and call["status"] != 429:
            problems.append(f"HubSpot answered {call['status']}")
        found += [f"{call['method']} {call['path']}: {p}" for p in problems]
    return found


def retired(calls: list[dict]) -> list[str]:
    """Calls that went to a retired numbered API."""
    return [f"{c['method']} {c['path']}" for c in calls if c["path"].startswith(RETIRED_PREFIXES)]
