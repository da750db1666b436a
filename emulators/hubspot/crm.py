"""CRM object reads: single, list and batch, on the dated 2026-03 paths (§6.2, §9.2)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .api import (
    ApiError,
    authenticate,
    current_emulator,
    json_body,
    reject_unknown_fields,
    validation_error,
)
from .catalog import ObjectType, object_type, system_properties, v3_association_name
from .state import Portal, Record, iso_time

bp = Blueprint("crm", __name__)

OBJECT_PREFIXES = {"dated": "/crm/objects/2026-03"}
# An object read lists this many associated ids per type, then `paging.next.after`: the rest
# come from the association list (a choice, see README).
EMBEDDED_ASSOCIATIONS = 100
BATCH_READ_LIMIT = 100  # §6.2: object batch endpoints take at most 100 inputs
LIST_LIMIT = 100


def resolve_type(key: str) -> ObjectType:
    """The object type named in a path, or HubSpot's 400 for an unknown one."""
    t = object_type(key)
    if t is None:
        raise validation_error(f"Unable to infer object type from: {key}")
    return t


def read_grant(*types: ObjectType) -> Portal:
    """Authenticate with read access to every given type; the caller's portal."""
    grant = authenticate([t.scopes for t in types])
    return current_emulator().portal(grant.portal_id)


def split_list(values: list[str]) -> list[str]:
    """Query lists come comma-separated, repeated, or both."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def object_json(portal: Portal, record: Record, requested: list[str] | None,
                with_history: list[str] | None = None) -> dict:
    """A record as HubSpot returns it: requested properties, defined-but-empty ones as null."""
    t = record.type
    names = t.default_properties if requested is None else requested
    defined = portal.defined_properties(t)
    wanted = [n for n in dict.fromkeys([*names, *system_properties(t)]) if n in defined]
    properties = {name: _value(record.properties.get(name)) for name in sorted(wanted)}
    body = {"id": record.id, "properties": properties}
    if with_history:
        body["propertiesWithHistory"] = {
            name: [dict(entry) for entry in record.history.get(name, [])]
            for name in with_history if name in defined}
    body.update(createdAt=iso_time(record.created_at), updatedAt=iso_time(record.updated_at),
                archived=False)
    return body


def _value(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _find(portal: Portal, t: ObjectType, key: str, id_property: str | None) -> Record | None:
    if id_property and id_property != "hs_object_id":
        if id_property not in portal.defined_properties(t):
            raise validation_error(f"Property {id_property} does not exist")
        return portal.find(t, id_property, key)
    return portal.record(t, key)


def _associations_json(portal: Portal, record: Record, names: list[str]) -> dict:
    result = {}
    for name in names:
        to_t = resolve_type(name)
        entries = [{"id": to_id, "type": v3_association_name(record.type, to_t, a.type_id,
                                                              a.label)}
                   for to_id, types in portal.associations(record.type, record.id, to_t)
                   for a in types]
        # HubSpot leaves out the key when nothing is associated.
        if entries:
            block: dict = {"results": entries[:EMBEDDED_ASSOCIATIONS]}
            if len(entries) > EMBEDDED_ASSOCIATIONS:
                block["paging"] = {"next": {"after": str(EMBEDDED_ASSOCIATIONS)}}
            result[to_t.association_key] = block
    return result


def get_object(object_type_key: str, object_id: str):
    """GET one record with `properties`, `propertiesWithHistory`, `associations`, `idProperty`."""
    t = resolve_type(object_type_key)
    portal = read_grant(t)
    requested = split_list(request.args.getlist("properties")) or None
    names = split_list(request.args.getlist("associations"))
    # Read under the emulator's lock so a concurrent update can't tear the record.
    with current_emulator().lock:
        record = _find(portal, t, object_id, request.args.get("idProperty"))
        if record is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", "resource not found")
        body = object_json(portal, record, requested,
                           split_list(request.args.getlist("propertiesWithHistory")))
        associations = _associations_json(portal, record, names) if names else {}
    if associations:
        body["associations"] = associations
    return jsonify(body)


def list_objects(object_type_key: str):
    """GET a page of records (`limit` ≤ 100, cursor `after`)."""
    t = resolve_type(object_type_key)
    portal = read_grant(t)
    limit = request.args.get("limit", default=10, type=int)
    if not 1 <= limit <= LIST_LIMIT:
        raise validation_error(f"limit must be between 1 and {LIST_LIMIT}")
    after = request.args.get("after", default="0")
    if not after.isdigit():
        raise validation_error(f"Invalid paging cursor: {after}")
    records = [r for r in portal.records(t) if int(r.id) > int(after)]
    page = records[:limit]
    requested = split_list(request.args.getlist("properties")) or None
    names = split_list(request.args.getlist("associations"))
    results = []
    with current_emulator().lock:
        for record in page:
            item = object_json(portal, record, requested)
            associations = _associations_json(portal, record, names) if names else {}
            if associations:
                item["associations"] = associations
            results.append(item)
    body: dict = {"results": results}
    if len(records) > limit:
        body["paging"] = {"next": {"after": page[-1].id,
                                   "link": f"{request.base_url}?after={page[-1].id}"}}
    return jsonify(body)


def batch_read(object_type_key: str):
    """POST batch/read: up to 100 ids; 207 with OBJECT_NOT_FOUND errors for missing ones."""
    t = resolve_type(object_type_key)
    portal = read_grant(t)
    clock = current_emulator().clock
    started = clock.now()
    body = json_body()
    reject_unknown_fields(body, ("properties", "propertiesWithHistory", "idProperty", "inputs"),
                          "BatchReadInputSimplePublicObjectId")
    # BatchReadInputSimplePublicObjectId requires all three (2026-03 objects spec).
    for name in ("inputs", "properties", "propertiesWithHistory"):
        if name not in body:
            raise validation_error(f"Invalid input JSON: missing required field '{name}'",
                                   context={"missingFields": [name]})
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and "id" in i for i in inputs):
        raise validation_error("inputs must be a list of {\"id\": ...} objects")
    if len(inputs) > BATCH_READ_LIMIT:
        raise validation_error(
            f"Batch input limit exceeded: {len(inputs)} inputs given, the maximum is "
            f"{BATCH_READ_LIMIT}", context={"inputs": [str(len(inputs))]})
    ids = [str(i["id"]) for i in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation_error(f"Duplicate IDs found in batch input: {duplicates}. "
                               "IDs must be unique")
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, list):
        raise validation_error("properties must be a list of property names")
    id_property = body.get("idProperty")
    results, missing = [], []
    with current_emulator().lock:
        for key in ids:
            record = _find(portal, t, key, id_property)
            if record is None:
                missing.append(key)
            else:
                results.append(object_json(portal, record, properties,
                                           body.get("propertiesWithHistory")))
    answer = {"status": "COMPLETE", "results": results}
    if missing:
        answer["numErrors"] = 1
        answer["errors"] = [{
            "status": "error", "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get some {t.enum} objects, they may be deleted or not exist. "
                       "Check that ids are valid.",
            "context": {"ids": missing}}]
    answer.update(startedAt=iso_time(started), completedAt=iso_time(clock.now()))
    response = jsonify(answer)
    response.status_code = 207 if missing else 200
    return response


for _name, _prefix in OBJECT_PREFIXES.items():
    bp.add_url_rule(f"{_prefix}/<object_type_key>/<object_id>", f"get_object_{_name}",
                    get_object, methods=["GET"])
    bp.add_url_rule(f"{_prefix}/<object_type_key>", f"list_objects_{_name}", list_objects,
                    methods=["GET"])
    bp.add_url_rule(f"{_prefix}/<object_type_key>/batch/read", f"batch_read_{_name}",
                    batch_read, methods=["POST"])
