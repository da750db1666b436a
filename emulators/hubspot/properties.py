"""Properties API and record updates at 2026-03 paths (reference §10.5, §9.2), scopes enforced."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, g, jsonify

from .api import ApiError, authenticate, current_emulator, json_body, validation_error
from .catalog import ObjectType
from .crm import BATCH_READ_LIMIT, object_json, resolve_type
from .state import iso_time

bp = Blueprint("properties", __name__)
PROPS = "/crm/properties/2026-03/<object_type_key>"
OBJECTS = "/crm/objects/2026-03/<object_type_key>"
TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES = ("booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html",
               "number", "phonenumber", "radio", "select", "text", "textarea")
# Groups every portal has on deals (HubSpot's own).
BUILT_IN_GROUPS = {"dealinformation": "Deal information"}


def _schemas(t: ObjectType) -> dict:
    """The emulator's custom groups and property definitions for a portal and type."""
    emu = current_emulator()
    fresh = {"groups": dict(BUILT_IN_GROUPS), "props": {}}
    return emu.property_schemas.setdefault((g.portal_id, t.name), fresh)


def _read(t: ObjectType):
    grant = authenticate([(f"crm.schemas.{t.name}.read", *t.scopes)])
    return grant


def _write_schema(t: ObjectType):
    grant = authenticate([(f"crm.schemas.{t.name}.write",)])
    return grant


def _group_json(name: str, label: str, order: int = -1) -> dict:
    return {"name": name, "label": label, "displayOrder": order, "archived": False}


@bp.get(f"{PROPS}/groups")
def list_groups(object_type_key: str):
    """Every property group of a type."""
    t = resolve_type(object_type_key)
    _read(t)
    groups = _schemas(t)["groups"]
    return jsonify({"results": [_group_json(n, label) for n, label in groups.items()]})


@bp.get(f"{PROPS}/groups/<name>")
def get_group(object_type_key: str, name: str):
    """One property group, or 404."""
    t = resolve_type(object_type_key)
    _read(t)
    groups = _schemas(t)["groups"]
    if name not in groups:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"Unable to find property group {name}")
    return jsonify(_group_json(name, groups[name]))


@bp.post(f"{PROPS}/groups")
def create_group(object_type_key: str):
    """Create a group: `name` and `label` required; 409 when it exists."""
    t = resolve_type(object_type_key)
    _write_schema(t)
    body = json_body()
    name, label = body.get("name"), body.get("label")
    if not name or not label:
        raise validation_error("name and label are required")
    with current_emulator().lock:
        groups = _schemas(t)["groups"]
        if name in groups:
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", f"A property group named {name} "
                           "already exists")
        groups[name] = label
    answer = jsonify(_group_json(name, label, int(body.get("displayOrder", -1))))
    answer.status_code = 201
    return answer


@bp.get(PROPS)
def list_properties(object_type_key: str):
    """The type's properties (built-in names and custom definitions)."""
    t = resolve_type(object_type_key)
    _read(t)
    custom = _schemas(t)["props"]
    built_in = [{"name": n, "label": n, "type": "string", "fieldType": "text",
                 "groupName": "dealinformation"} for n in t.properties if n not in custom]
    return jsonify({"results": [*built_in, *custom.values()]})


@bp.get(f"{PROPS}/<name>")
def get_property(object_type_key: str, name: str):
    """One property definition, or 404."""
    t = resolve_type(object_type_key)
    _read(t)
    definition = _schemas(t)["props"].get(name)
    if definition is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"Unable to find property {name}")
    return jsonify(definition)


@bp.post(PROPS)
def create_property(object_type_key: str):
    """Create a property (name, label, type, fieldType, groupName required)."""
    t = resolve_type(object_type_key)
    grant = _write_schema(t)
    body = json_body()
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        raise validation_error(f"Missing required fields: {missing}")
    if body["type"] not in TYPES or body["fieldType"] not in FIELD_TYPES:
        raise validation_error(f"Invalid type {body['type']!r} or fieldType "
                               f"{body['fieldType']!r}")
    if body["type"] == "enumeration" and not body.get("options"):
        raise validation_error("Enumeration properties need options")
    emu = current_emulator()
    with emu.lock:
        schema = _schemas(t)
        if body["groupName"] not in schema["groups"]:
            raise validation_error(f"Property group {body['groupName']} does not exist")
        if body["name"] in schema["props"] or body["name"] in t.properties:
            raise ApiError(409, "OBJECT_ALREADY_EXISTS",
                           f"A property named {body['name']} already exists")
        definition = {**body, "archived": False, "hidden": bool(body.get("hidden", False)),
                      "createdAt": iso_time(emu.clock.now())}
        schema["props"][body["name"]] = definition
        emu.portal(grant.portal_id).define_property(t.name, body["name"])
    answer = jsonify(definition)
    answer.status_code = 201
    return answer


def _checked_values(t: ObjectType, properties) -> dict:
    """Values as HubSpot validates them against custom definitions (options, numbers)."""
    if not isinstance(properties, dict):
        raise validation_error("properties must be an object")
    defs = _schemas(t)["props"]
    for name, value in properties.items():
        d = defs.get(name)
        if d is None or value in (None, ""):
            continue
        if d["type"] == "enumeration":
            allowed = [o.get("value") for o in d.get("options", [])]
            if value not in allowed:
                raise validation_error(f"{value} was not one of the allowed options: {allowed}",
                                       errorType="INVALID_OPTION")
        if d["type"] == "number":
            try:
                Decimal(str(value))
            except InvalidOperation:
                raise validation_error(f"{value} is not a valid number for {name}") from None
    return properties


def _write_grant(t: ObjectType):
    write = t.scopes[0].replace(".read", ".write")
    grant = authenticate([(write,)])
    return grant


@bp.patch(f"{OBJECTS}/<object_id>")
def update_object(object_type_key: str, object_id: str):
    """PATCH one record's properties."""
    t = resolve_type(object_type_key)
    grant = _write_grant(t)
    values = _checked_values(t, json_body().get("properties"))
    portal = current_emulator().portal(grant.portal_id)
    with current_emulator().lock:
        if portal.record(t, object_id) is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", "resource not found")
        try:
            portal.update(t.name, object_id, values)
        except ValueError as exc:
            raise validation_error(str(exc)) from None
        return jsonify(object_json(portal, portal.record(t, object_id), list(values)))


@bp.post(f"{OBJECTS}/batch/update")
def batch_update(object_type_key: str):
    """Update up to 100 records; 207 with errors for ids that don't exist."""
    t = resolve_type(object_type_key)
    grant = _write_grant(t)
    emu = current_emulator()
    started = emu.clock.now()
    inputs = json_body().get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and "id" in i
                                               for i in inputs):
        raise validation_error("inputs must be a list of {id, properties} objects")
    if len(inputs) > BATCH_READ_LIMIT:
        raise validation_error(f"Batch input limit exceeded: {len(inputs)} inputs given, the "
                               f"maximum is {BATCH_READ_LIMIT}")
    portal = emu.portal(grant.portal_id)
    results, missing = [], []
    with emu.lock:
        for item in inputs:
            _checked_values(t, item.get("properties"))
        for item in inputs:
            key = str(item["id"])
            if portal.record(t, key) is None:
                missing.append(key)
                continue
            try:
                portal.update(t.name, key, item.get("properties") or {})
            except ValueError as exc:
                raise validation_error(str(exc)) from None
            results.append(object_json(portal, portal.record(t, key),
                                       list(item.get("properties") or {})))
    answer = {"status": "COMPLETE", "results": results,
              "startedAt": iso_time(started), "completedAt": iso_time(emu.clock.now())}
    if missing:
        answer["numErrors"] = 1
        answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                             "message": "Could not update some objects; they may not exist",
                             "context": {"ids": missing}}]
    response = jsonify(answer)
    response.status_code = 207 if missing else 200
    return response
