"""The server's OpenAPI 3 document, generated from the app's routes and marshmallow schemas.

Every view says what it answers in its docstring: the first line is the operation's summary,
the YAML after ``---`` its operation (apispec's Flask plugin reads it). This module only adds
what the routes share: the schemas from ``schemas/``, the security schemes, the common
responses the docstrings name (``Unsigned``, ``SignInFirst``...) and the path parameters.
"""

from __future__ import annotations

from importlib import metadata

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from actions import ACTIONS, options
from actions.base import CHOICE, DATE, FLAG
from schemas.execution import ErrorSchema, ExecutionRequestSchema, ExecutionResponseSchema
from schemas.options import OptionsRequestSchema, OptionsResponseSchema

OBJECT_TYPES = ["DEAL", "QUOTE", "COMMERCE_PAYMENT", "0-3", "0-14", "0-101"]
# Static files are files, not operations.
UNDOCUMENTED = {"static", "dashboard.static"}


class RoutePlugin(FlaskPlugin):
    """The Flask plugin, plus each view's first docstring line as its operations' summary."""

    def path_helper(self, path=None, operations=None, parameters=None, *, view=None, app=None,
                    **kwargs):  # fmt: skip
        """The OpenAPI path of the view's rule; its docstring's operations added."""
        found = super().path_helper(path, operations, parameters, view=view, app=app, **kwargs)
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        for operation in operations.values():
            if summary:
                operation.setdefault("summary", summary)
        return found


def _version() -> str:
    try:
        return metadata.version("hubqbo")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def path_parameter(name: str, converter: str) -> dict:
    """A path parameter: the action slugs and option fields are closed lists."""
    schema: dict = {"type": "string"}
    if name == "slug":
        schema = {"type": "string", "enum": list(ACTIONS)}
    elif name == "field":
        schema = {"type": "string", "enum": sorted(options.FIELDS)}
    elif converter == "IntegerConverter":
        schema = {"type": "integer", "minimum": 0}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def build(app: Flask, public_base_url: str) -> dict:
    """The OpenAPI document describing every route of this app."""
    spec = APISpec(
        title="QuickBooks workflow actions for HubSpot",
        version=_version(),
        openapi_version="3.0.3",
        plugins=[RoutePlugin(), MarshmallowPlugin()],
        servers=[{"url": public_base_url}],
        info={"description": "HubSpot calls the signed endpoints; people use the dashboard "
                             "and OAuth pages; operators scrape /metrics."},
    )  # fmt: skip
    _components(spec)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in UNDOCUMENTED:
            continue
        parameters = [
            path_parameter(name, type(converter).__name__)
            for name, converter in rule._converters.items()
        ]
        spec.path(view=app.view_functions[rule.endpoint], app=app, parameters=parameters)
    document = spec.to_dict()
    _refine(document)
    return document


def cached(app: Flask, public_base_url: str) -> dict:
    """The document, built once per app and base URL (the routes never change after start)."""
    documents = app.extensions.setdefault("hubqbo.openapi", {})
    if public_base_url not in documents:
        documents[public_base_url] = build(app, public_base_url)
    return documents[public_base_url]


def input_field_schema(kind: str, max_length: int | None, choices: tuple) -> dict:
    """The JSON Schema of one input value as HubSpot may send it."""
    if kind == FLAG:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}],
                "nullable": True}  # fmt: skip
    if kind == DATE:
        return {"anyOf": [{"type": "string", "format": "date"}, {"type": "integer"}],
                "nullable": True}  # fmt: skip
    if kind == CHOICE:
        return {"type": "string", "enum": [v for v, _ in choices], "nullable": True}
    text: dict = {"type": "string", "nullable": True}
    if max_length:
        text["maxLength"] = max_length
    return text


def input_fields() -> dict:
    """Every action's input fields (an execution sends those of its action)."""
    properties: dict = {}
    for action in ACTIONS.values():
        for f in action.fields:
            schema = input_field_schema(f.kind, f.max_length, f.choices)
            properties.setdefault(f.name, {**schema, "description": f.description})
    return {"type": "object", "properties": properties, "additionalProperties": True}


def _json(schema, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _page_or_json(description: str) -> dict:
    """Dashboard refusals are pages; the same status from the app (no such URL) is JSON."""
    return {"description": description, "content": {
        "text/html": {"schema": {"type": "string"}},
        "application/json": {"schema": "Error"}}}  # fmt: skip


# The answers several routes share; docstrings name them (e.g. ``"401": Unsigned``).
_RETRY = {"Retry-After": "RetryAfter"}
SHARED_RESPONSES = {
    "BadPayload": _json(
        "Error", "The body is not JSON, misses a field or has a wrong value; the error names it."
    ),
    "Unsigned": _json("Error", "The HubSpot signature is missing, wrong or older than 5 minutes."),
    "ForeignCompany": _json(
        "Error", "The request names a QuickBooks company that is not this portal's."
    ),
    "UnknownName": _json("Error", "No such action or field."),
    "TooLarge": _json("Error", "The body is larger than 1 MiB."),
    "Throttled": _json(
        "Error",
        "A rate budget is spent or this callback is still running: retry after Retry-After.",
        _RETRY,
    ),
    "Unavailable": _json(
        "Error",
        "A service (database, QuickBooks, HubSpot) is unavailable: retry after Retry-After.",
        _RETRY,
    ),
    "Page": {"description": "The page.",
             "content": {"text/html": {"schema": {"type": "string"}}}},  # fmt: skip
    "SignInFirst": {"description": "Not signed in: to the sign-in page.",
                    "headers": {"Location": "Location"}},  # fmt: skip
    "FormRefused": _page_or_json("The form's CSRF token is missing or wrong."),
    "NoSuchExecution": _page_or_json("No such execution in the signed-in portals."),
    "BadQuery": _page_or_json("A query value the server cannot take (a NUL character)."),
}


# The query parameters several routes share; docstrings list them by name.
QUERY_PARAMETERS = {
    "code": "The authorization code.",
    "state": "The anti-CSRF state.",
    "error": "Set when the user declined.",
    "realmId": "The QuickBooks company id.",
    "action": "An action slug.",
    "outcome": "created, existing, skipped, failed or in_progress.",
    "error_code": "An error code.",
    "record": "A HubSpot record id.",
    "from": "First day (YYYY-MM-DD).",
    "to": "Last day (YYYY-MM-DD).",
    "q": "Search text.",
    "page": "Page number.",
}
_QUERY_SCHEMAS = {"page": {"type": "integer", "minimum": 1}}


def _components(spec: APISpec) -> None:
    spec.components.schema("ExecutionRequest", schema=ExecutionRequestSchema)
    spec.components.schema("ExecutionResponse", schema=ExecutionResponseSchema)
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("OptionsRequest", schema=OptionsRequestSchema)
    spec.components.schema("OptionsResponse", schema=OptionsResponseSchema)
    spec.components.schema("InputFields", input_fields())
    spec.components.header("Location", {"description": "Where to go next.",
                                        "schema": {"type": "string"}})  # fmt: skip
    spec.components.header("RetryAfter", {"description": "Seconds to wait.",
                                          "schema": {"type": "string"}})  # fmt: skip
    for name, response in SHARED_RESPONSES.items():
        spec.components.response(name, response)
    for name, description in QUERY_PARAMETERS.items():
        spec.components.parameter(name, "query", {
            "required": False, "description": description,
            "schema": _QUERY_SCHEMAS.get(name, {"type": "string"}),
        })  # fmt: skip
    header = {"type": "apiKey", "in": "header"}
    spec.components.security_scheme("HubSpotSignatureV3", {
        **header, "name": "X-HubSpot-Signature-v3",
        "description": "base64 HMAC-SHA256 with the app's client secret over method + "
                       "PUBLIC_BASE_URL + path + query + body + timestamp.",
    })  # fmt: skip
    spec.components.security_scheme("HubSpotTimestamp", {
        **header, "name": "X-HubSpot-Request-Timestamp",
        "description": "Epoch milliseconds; requests older than 5 minutes are refused.",
    })  # fmt: skip
    spec.components.security_scheme("DashboardSession", {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "Flask's signed session cookie, set by the HubSpot install callback.",
    })  # fmt: skip
    spec.components.security_scheme("IntuitSignature", {
        **header, "name": "intuit-signature",
        "description": "base64 HMAC-SHA256 of the raw body with the webhook verifier token.",
    })  # fmt: skip
    spec.components.security_scheme("HubSpotSignatureV2", {
        **header, "name": "X-HubSpot-Signature",
        "description": "hex SHA-256 of client secret + method + URL + body (version v2).",
    })  # fmt: skip


def _refine(document: dict) -> None:
    """What the marshmallow schemas cannot say: accepted object types, typed input fields."""
    schemas = document["components"]["schemas"]
    record = schemas.get("Record", {}).get("properties", {})
    if "objectType" in record:
        record["objectType"]["enum"] = OBJECT_TYPES
    execution = schemas["ExecutionRequest"]["properties"]
    execution["inputFields"] = {"$ref": "#/components/schemas/InputFields"}
    if "OptionsRequest" in schemas:
        # Each input the editor has: a typed reference, or a bare value read as STATIC_VALUE.
        schemas["TypedReference"] = {"anyOf": [
            {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": ["STATIC_VALUE"]},
                "value": {"nullable": True},
                "propertyName": {"type": "string", "nullable": True}}},
            {"type": "object", "required": ["type", "propertyName"], "properties": {
                "type": {"type": "string", "enum": ["OBJECT_PROPERTY"]},
                "value": {"nullable": True},
                "propertyName": {"type": "string", "minLength": 1}}},
        ]}  # fmt: skip
        scalar = [{"type": t} for t in ("string", "number", "boolean")]
        reference = {"anyOf": [{"$ref": "#/components/schemas/TypedReference"}, *scalar],
                     "nullable": True}  # fmt: skip
        options = schemas["OptionsRequest"]["properties"]
        options["inputFields"] = {"type": "object", "additionalProperties": reference}
