"""Custom action definitions: CRUD for an app's workflow actions, with HubSpot's checks (§1)."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request

from .api import ApiError, authenticate, current_emulator, json_body, validation_error

bp = Blueprint("definitions", __name__)

PREFIXES = {"2026-03": "/automation/actions/2026-03"}
CREDENTIAL_HELP = ("The 2026-03 definitions API takes a Bearer token: the app's developer API key "
                   "or a token with the developers-write scope (developers-read to read).")
REQUIRED = ("actionUrl", "objectTypes", "published", "inputFields", "labels", "functions")
OPTIONAL = ("inputFieldDependencies", "outputFields", "objectRequestOptions", "executionRules",
            "archivedAt")
INPUT_TYPES = {"bool", "date", "datetime", "enumeration", "json", "number", "object_coordinates",
               "phone_number", "string"}
OUTPUT_TYPES = INPUT_TYPES | {"currency_number"}
FIELD_TYPES = {"booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html",
               "number", "phonenumber", "radio", "select", "text", "textarea"}
VALUE_TYPES = {"STATIC_VALUE", "OBJECT_PROPERTY"}  # §1.1: FIELD_DATA and others were removed
FUNCTION_TYPES = {"PRE_ACTION_EXECUTION", "POST_ACTION_EXECUTION", "PRE_FETCH_OPTIONS",
                  "POST_FETCH_OPTIONS"}
LOCALES = {"en", "fr", "de", "ja", "es", "pt-br", "nl"}
DEPENDENCY_TYPES = {"SINGLE_FIELD", "CONDITIONAL_SINGLE_FIELD"}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}
PAGE_LIMIT = 100


def validate_definition(d: dict) -> None:
    """Raise a 400 naming the first problem of a definition body."""
    for name in d:
        if name not in REQUIRED + OPTIONAL:
            _fail(f'Unrecognized field "{name}"')
    for name in REQUIRED:
        if name not in d:
            _fail(f"{name} is required")
    _check_url(d["actionUrl"], "actionUrl")
    if not isinstance(d["objectTypes"], list) or not all(
            isinstance(t, str) and t for t in d["objectTypes"]):
        _fail("objectTypes must be a list of object type names")
    if not isinstance(d["published"], bool):
        _fail("published must be true or false")
    inputs = d["inputFields"]
    if not isinstance(inputs, list):
        _fail("inputFields must be a list")
    names = [_check_input(field, i) for i, field in enumerate(inputs)]
    _check_labels(d["labels"])
    _check_functions(d["functions"])
    for i, field in enumerate(d.get("outputFields") or []):
        _check_type_definition(field, f"outputFields[{i}]", OUTPUT_TYPES)
    _check_dependencies(d.get("inputFieldDependencies") or [], set(names))
    for i, rule in enumerate(d.get("executionRules") or []):
        if not isinstance(rule, dict) or not isinstance(rule.get("labelName"), str) \
                or not isinstance(rule.get("conditions"), dict):
            _fail(f"executionRules[{i}] needs labelName and a conditions object")
    options = d.get("objectRequestOptions")
    if options is not None and not (isinstance(options, dict)
                                    and isinstance(options.get("properties", []), list)):
        _fail("objectRequestOptions.properties must be a list of property names")


def _fail(message: str):
    raise validation_error(message)


def _check_url(url, where: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.netloc:
        _fail(f"{where} must be an absolute URL")
    # HubSpot requires https; plain http is allowed here for a server on the same machine.
    if parts.scheme != "https" and not (parts.scheme == "http"
                                        and parts.hostname in LOOPBACK_HOSTS):
        _fail(f"{where} must use https")


def _check_type_definition(field, where: str, allowed_types: set[str]) -> str:
    if not isinstance(field, dict) or not isinstance(field.get("typeDefinition"), dict):
        _fail(f"{where}.typeDefinition is required")
    td = field["typeDefinition"]
    if not isinstance(td.get("name"), str) or not td["name"]:
        _fail(f"{where}.typeDefinition.name is required")
    if td.get("type") not in allowed_types:
        _fail(f"{where}.typeDefinition.type must be one of {sorted(allowed_types)}")
    if "fieldType" in td and td["fieldType"] not in FIELD_TYPES:
        _fail(f"{where}.typeDefinition.fieldType must be one of {sorted(FIELD_TYPES)}")
    if "optionsUrl" in td:
        _check_url(td["optionsUrl"], f"{where}.typeDefinition.optionsUrl")
    options = td.get("options", [])
    if not isinstance(options, list) or not all(
            isinstance(o, dict) and "label" in o and "value" in o for o in options):
        _fail(f"{where}.typeDefinition.options must be a list of {{label, value}}")
    if td.get("referencedObjectType") not in (None, "OWNER"):
        _fail(f"{where}.typeDefinition.referencedObjectType may only be OWNER")
    return td["name"]


def _check_input(field, index: int) -> str:
    where = f"inputFields[{index}]"
    name = _check_type_definition(field, where, INPUT_TYPES)
    values = field.get("supportedValueTypes")
    if not isinstance(values, list) or not values or not set(values) <= VALUE_TYPES:
        _fail(f"{where}.supportedValueTypes must be a non-empty subset of {sorted(VALUE_TYPES)}")
    if not isinstance(field.get("isRequired"), bool):
        _fail(f"{where}.isRequired is required (true or false)")
    return name


def _check_labels(labels) -> None:
    if not isinstance(labels, dict) or not isinstance(labels.get("en"), dict):
        _fail("labels.en is required")
    for locale, value in labels.items():
        if locale not in LOCALES or not isinstance(value, dict):
            _fail(f"labels.{locale} is not a supported locale object")


def _check_functions(functions) -> None:
    if not isinstance(functions, list):
        _fail("functions must be a list (send [] when unused)")
    for i, fn in enumerate(functions):
        if not isinstance(fn, dict) or fn.get("functionType") not in FUNCTION_TYPES:
            _fail(f"functions[{i}].functionType must be one of {sorted(FUNCTION_TYPES)}")
        if not isinstance(fn.get("functionSource"), str):
            _fail(f"functions[{i}].functionSource is required")


def _check_dependencies(dependencies, names: set[str]) -> None:
    for i, dep in enumerate(dependencies):
        where = f"inputFieldDependencies[{i}]"
        if not isinstance(dep, dict) or dep.get("dependencyType") not in DEPENDENCY_TYPES:
            _fail(f"{where}.dependencyType must be one of {sorted(DEPENDENCY_TYPES)}")
        fields = [dep.get("controllingFieldName"), *(dep.get("dependentFieldNames") or [])]
        unknown = [f for f in fields if f not in names]
        if unknown:
            _fail(f"{where} names {unknown[0]!r}, which is not an input field")


# -- routes -----------------------------------------------------------------------------------


def _authorize(app_id: int, write: bool) -> dict[str, dict]:
    """A Bearer credential: the developer API key, or a token with developers-write/-read.

    2026-03 declares only oauth2 (developers-read/-write) for these operations (§1.3, §9.2);
    a `hapikey` query parameter is refused.
    """
    emu = current_emulator()
    if "hapikey" in request.args:
        raise ApiError(401, "INVALID_AUTHENTICATION",
                       f"hapikey is not accepted on this API version. {CREDENTIAL_HELP}")
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not bearer:
        raise ApiError(401, "INVALID_AUTHENTICATION",
                       f"Authentication credentials not found. {CREDENTIAL_HELP}")
    if bearer != emu.developer_api_key:
        if emu.tokens.access(bearer) is None:
            raise ApiError(401, "INVALID_AUTHENTICATION",
                           f"The credential used to make this call is invalid. {CREDENTIAL_HELP}")
        scopes = ("developers-write",) if write else ("developers-read", "developers-write")
        authenticate([scopes])
    store = emu.definition_store(app_id)
    if store is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"App {app_id} not found")
    return store


def _live(store: dict[str, dict], definition_id: str) -> dict:
    found = store.get(definition_id)
    if found is None or found.get("archived"):
        raise ApiError(404, "OBJECT_NOT_FOUND", f"Action definition {definition_id} not found")
    return found


def list_definitions(app_id: int, version: str):
    """GET a page of an app's definitions (`limit`, `after`, `archived`)."""
    emu = current_emulator()
    store = _authorize(app_id, write=False)
    limit = request.args.get("limit", default=10, type=int)
    if not 1 <= limit <= PAGE_LIMIT:
        raise validation_error(f"limit must be between 1 and {PAGE_LIMIT}")
    archived = request.args.get("archived", "false").lower() == "true"
    after = request.args.get("after")
    if after is not None and not after.isdigit():
        raise validation_error(f"Invalid paging cursor: {after}")
    with emu.lock:
        items = [d for d in store.values() if bool(d.get("archived")) == archived]
        items.sort(key=lambda d: int(d["id"]))
        if after:
            items = [d for d in items if int(d["id"]) > int(after)]
        page = copy.deepcopy(items[:limit])
    body: dict = {"results": page}
    if len(items) > limit:
        body["paging"] = {"next": {"after": page[-1]["id"]}}
    return jsonify(body)


def create_definition(app_id: int, version: str):
    """POST a new definition; 201 with its id and revisionId."""
    emu = current_emulator()
    store = _authorize(app_id, write=True)
    body = json_body()
    validate_definition(body)
    definition = {"id": emu.new_definition_id(), "revisionId": "1", **copy.deepcopy(body),
                  "archived": False}
    with emu.lock:
        store[definition["id"]] = definition
    response = jsonify(definition)
    response.status_code = 201
    return response


def get_definition(app_id: int, definition_id: str, version: str):
    """GET one live definition."""
    emu = current_emulator()
    store = _authorize(app_id, write=False)
    with emu.lock:
        return jsonify(copy.deepcopy(_live(store, definition_id)))


def update_definition(app_id: int, definition_id: str, version: str):
    """PATCH a definition: merge, re-check the whole, bump revisionId."""
    emu = current_emulator()
    store = _authorize(app_id, write=True)
    body = json_body()
    with emu.lock:
        current = _live(store, definition_id)
        merged = {k: v for k, v in current.items() if k not in ("id", "revisionId", "archived")}
        merged.update(copy.deepcopy(body))
        validate_definition(merged)
        revision = str(int(current["revisionId"]) + 1)
        updated = {"id": definition_id, "revisionId": revision, **merged, "archived": False}
        store[definition_id] = updated
        return jsonify(copy.deepcopy(updated))


def archive_definition(app_id: int, definition_id: str, version: str):
    """DELETE (archive) a definition; 204."""
    emu = current_emulator()
    store = _authorize(app_id, write=True)
    with emu.lock:
        definition = _live(store, definition_id)
        definition["archived"] = True
        definition["archivedAt"] = int(emu.clock.now() * 1000)
    return Response(status=204)


for _version, _prefix in PREFIXES.items():
    _tag = _version.replace("-", "_")
    _defaults = {"version": _version}
    bp.add_url_rule(f"{_prefix}/<int:app_id>", f"list_{_tag}", list_definitions,
                    methods=["GET"], defaults=_defaults)
    bp.add_url_rule(f"{_prefix}/<int:app_id>", f"create_{_tag}", create_definition,
                    methods=["POST"], defaults=_defaults)
    bp.add_url_rule(f"{_prefix}/<int:app_id>/<definition_id>", f"get_{_tag}", get_definition,
                    methods=["GET"], defaults=_defaults)
    bp.add_url_rule(f"{_prefix}/<int:app_id>/<definition_id>", f"update_{_tag}",
                    update_definition, methods=["PATCH"], defaults=_defaults)
    bp.add_url_rule(f"{_prefix}/<int:app_id>/<definition_id>", f"archive_{_tag}",
                    archive_definition, methods=["DELETE"], defaults=_defaults)
