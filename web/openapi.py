"""The server's OpenAPI 3 document, built with apispec from the marshmallow schemas."""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from actions import ACTIONS, options
from actions.base import CHOICE, DATE, FLAG
from schemas.execution import ErrorSchema, ExecutionRequestSchema, ExecutionResponseSchema
from schemas.options import OptionsRequestSchema, OptionsResponseSchema

OBJECT_TYPES = ["DEAL", "QUOTE", "COMMERCE_PAYMENT", "0-3", "0-14", "0-101"]

# HubSpot signs with v3 (signature + timestamp headers, both required) or v2.
SIGNED = [{"HubSpotSignatureV3": [], "HubSpotTimestamp": []}, {"HubSpotSignatureV2": []}]

_ERRORS = {
    400: "The body is not JSON, misses a field or has a wrong value; the error names it.",
    401: "The HubSpot signature is missing, wrong or older than 5 minutes.",
    403: "The request names a QuickBooks company that is not this portal's.",
    404: "No such action or field.",
    413: "The body is larger than 1 MiB.",
    429: "A rate budget is spent or this callback is still running: retry after Retry-After.",
    503: "A service (database, QuickBooks, HubSpot) is unavailable: retry after Retry-After.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}


def _version() -> str:
    try:
        return metadata.version("hubqbo")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _json(schema, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*codes: int, **descriptions: str) -> dict:
    """Error responses sharing the {"error": ...} body."""
    out = {}
    for code in codes:
        text = descriptions.get(f"e{code}", _ERRORS.get(code, "Refused."))
        out[str(code)] = _json("Error", text, _RETRY_AFTER if code in (429, 503) else None)
    return out


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _page_or_json(description: str) -> dict:
    """Dashboard refusals are pages; the same status from the app (no such URL) is JSON."""
    return {"description": description, "content": {
        "text/html": {"schema": {"type": "string"}},
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}  # fmt: skip


def _redirect(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Location": {"description": "Where to go next.", "schema": {"type": "string"}}},
    }


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


def build(public_base_url: str) -> dict:
    """The OpenAPI document describing every endpoint."""
    spec = APISpec(
        title="QuickBooks workflow actions for HubSpot",
        version=_version(),
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": public_base_url}],
        info={"description": "HubSpot calls the signed endpoints; people use the dashboard "
                             "and OAuth pages; operators scrape /metrics."},
    )  # fmt: skip
    _components(spec)
    _hubspot_paths(spec)
    _oauth_paths(spec)
    _dashboard_paths(spec)
    _meta_paths(spec)
    document = spec.to_dict()
    _refine(document)
    return document


@lru_cache(maxsize=8)
def cached(public_base_url: str) -> dict:
    """The document, built once per base URL."""
    return build(public_base_url)


def _components(spec: APISpec) -> None:
    spec.components.schema("ExecutionRequest", schema=ExecutionRequestSchema)
    spec.components.schema("ExecutionResponse", schema=ExecutionResponseSchema)
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("OptionsRequest", schema=OptionsRequestSchema)
    spec.components.schema("OptionsResponse", schema=OptionsResponseSchema)
    spec.components.schema("InputFields", input_fields())
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


def _hubspot_paths(spec: APISpec) -> None:
    slug = {"name": "slug", "in": "path", "required": True,
            "schema": {"type": "string", "enum": list(ACTIONS)}}  # fmt: skip
    spec.path(
        path="/hubspot/actions/{slug}",
        parameters=[slug],
        operations={"post": {
            "operationId": "executeAction",
            "summary": "Run one workflow action execution (HubSpot calls this).",
            "tags": ["HubSpot"],
            "security": SIGNED,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": "ExecutionRequest"}}},
            "responses": {
                "200": _json("ExecutionResponse", "The output fields (or BLOCK in queue mode)."),
                **_errors(400, 401, 403, 404, 413, 429, 503),
            },
        }},
    )  # fmt: skip
    field = {"name": "field", "in": "path", "required": True,
             "schema": {"type": "string", "enum": sorted(options.FIELDS)}}  # fmt: skip
    spec.path(
        path="/hubspot/options/{field}",
        parameters=[field],
        operations={"post": {
            "operationId": "fetchOptions",
            "summary": "A page of dropdown options for an input field (HubSpot calls this).",
            "tags": ["HubSpot"],
            "security": SIGNED,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": "OptionsRequest"}}},
            "responses": {
                "200": _json("OptionsResponse", "Options, the next page cursor, searchable."),
                **_errors(400, 401, 403, 404, 413, 429, 503),
            },
        }},
    )  # fmt: skip


def _oauth_paths(spec: APISpec) -> None:
    def query(name: str, description: str) -> dict:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": {"type": "string"}}  # fmt: skip

    code, state = query("code", "The authorization code."), query("state", "The anti-CSRF state.")
    error = query("error", "Set when the user declined.")
    refused = "Missing, reused or foreign state, a declined consent or a refused code."
    spec.path(path="/oauth/hubspot/install", operations={"get": {
        "operationId": "installHubSpot", "tags": ["OAuth"], "security": [],
        "summary": "Start the HubSpot app install (redirects to HubSpot's consent page).",
        "responses": {"302": _redirect("To HubSpot's authorize URL with a fresh state."),
                      **_errors(503, e503="The HubSpot app is not configured.")},
    }})  # fmt: skip
    spec.path(path="/oauth/hubspot/callback", operations={"get": {
        "operationId": "hubspotCallback", "tags": ["OAuth"], "security": [],
        "parameters": [code, state, error],
        "summary": "HubSpot's redirect back: exchanges the code and signs the portal in.",
        "responses": {"302": _redirect("To the dashboard."),
                      **_errors(400, 502, e400=refused, e502="HubSpot could not be reached.")},
    }})  # fmt: skip
    spec.path(path="/oauth/quickbooks/connect", operations={"get": {
        "operationId": "connectQuickBooks", "tags": ["OAuth"], "security": [],
        "summary": "Start connecting a QuickBooks company to the signed-in portal.",
        "responses": {"302": _redirect("To Intuit's consent page, or to the HubSpot sign-in."),
                      **_errors(401, 503, e401="Not signed in (and no HubSpot app to sign in).",
                                e503="The QuickBooks app is not configured.")},
    }})  # fmt: skip
    spec.path(path="/oauth/quickbooks/callback", operations={"get": {
        "operationId": "quickbooksCallback", "tags": ["OAuth"], "security": [],
        "parameters": [code, state, error, query("realmId", "The QuickBooks company id.")],
        "summary": "Intuit's redirect back: stores the company's tokens for the portal.",
        "responses": {"302": _redirect("To the dashboard's Connections page."),
                      **_errors(400, 403, 502, e400=refused,
                                e403="The browser is no longer signed in to that portal.",
                                e502="QuickBooks could not be reached.")},
    }})  # fmt: skip
    realm = {"name": "realm_id", "in": "path", "required": True, "schema": {"type": "string"}}
    spec.path(path="/quickbooks/{realm_id}/disconnect", parameters=[realm], operations={"post": {
        "operationId": "disconnectQuickBooks", "tags": ["OAuth"],
        "security": [{"DashboardSession": []}],
        "summary": "Revoke and forget one of the signed-in portal's companies (dashboard form "
                   "with its CSRF token).",
        "responses": {"302": _redirect("To the Connections page."),
                      **_errors(400, 401, 404, 413, 502,
                                e400="The form's CSRF token is missing or wrong.",
                                e401="Not signed in.",
                                e404="The signed-in portal has no such company.",
                                e502="Intuit could not be reached; still connected.")},
    }})  # fmt: skip
    spec.path(path="/quickbooks/webhooks", operations={"post": {
        "operationId": "quickbooksWebhooks", "tags": ["QuickBooks"],
        "security": [{"IntuitSignature": []}],
        "summary": "Intuit webhook notifications (legacy eventNotifications or a CloudEvents "
                   "array): recorded, deduplicated by event id, settled after the answer.",
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array"}]}},
            "application/cloudevents+json": {"schema": {"type": "array"}}}},
        "responses": {"200": _json({"type": "object", "properties": {
                          "received": {"type": "integer"}, "new": {"type": "integer"}}},
                          "Recorded; `new` counts events not seen before."),
                      **_errors(400, 401, 404, 413,
                                e400="Neither payload format.",
                                e401="The intuit-signature header does not match the body.",
                                e404="QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN is not set.")},
    }})  # fmt: skip
    spec.path(path="/oauth/quickbooks/disconnected", operations={"get": {
        "operationId": "quickbooksDisconnected", "tags": ["OAuth"], "security": [],
        "parameters": [query("realmId", "The company disconnected from QuickBooks' side.")],
        "summary": "Intuit's disconnect URL: the page people land on after disconnecting.",
        "responses": {"200": _html("What happened to the signed-in portals' connections."),
                      **_errors(400, e400="The URL holds a NUL character.")},
    }})  # fmt: skip


def _dashboard_paths(spec: APISpec) -> None:
    """The dashboard's pages (HTML; signed in through the session cookie; forms carry CSRF)."""
    session = [{"DashboardSession": []}]
    signin = _redirect("Not signed in: to the sign-in page.")
    refused = _page_or_json("The form's CSRF token is missing or wrong.")
    missing = _page_or_json("No such execution in the signed-in portals.")
    bad_query = _page_or_json("A query value the server cannot take (a NUL character).")

    def page(path: str, op_id: str, summary: str, *, method: str = "get", params=(),
             responses: dict | None = None, public: bool = False) -> None:
        answers = responses or {"200": _html("The page."), "302": signin}
        spec.path(path=path, operations={method: {
            "operationId": op_id, "tags": ["Dashboard"], "summary": summary,
            "security": [] if public else session, "parameters": list(params),
            "responses": answers,
        }})  # fmt: skip

    def query(name: str, description: str, schema: dict | None = None) -> dict:
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": schema or {"type": "string"}}  # fmt: skip

    filters = [
        query("action", "An action slug."),
        query("outcome", "created, existing, skipped, failed or in_progress."),
        query("error_code", "An error code."),
        query("record", "A HubSpot record id."),
        query("from", "First day (YYYY-MM-DD)."),
        query("to", "Last day (YYYY-MM-DD)."),
        query("q", "Search text."),
        query("page", "Page number.", {"type": "integer", "minimum": 1}),
    ]
    execution_id = {"name": "execution_id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 0}}  # fmt: skip
    page("/signin", "signin", "The sign-in page.", public=True,
         responses={"200": _html("Sign in through HubSpot.")})
    page("/logout", "logout", "Sign out.", method="post", public=True,
         responses={"302": _redirect("To the sign-in page."), "400": refused})
    page("/portal", "switchPortal", "Show another signed-in portal.", method="post",
         params=[], responses={"302": _redirect("To the overview, or to sign in."),
                               "400": refused, "404": _page_or_json("Not a signed-in portal.")})
    page("/", "overview", "Executions per day, failures to look at, connection health.")
    page("/executions", "executions", "The execution history.", params=filters,
         responses={"200": _html("The page."), "302": signin, "400": bad_query})
    page("/executions.csv", "executionsCsv", "The filtered history as CSV.", params=filters,
         responses={"200": {"description": "CSV rows.",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "302": signin, "400": bad_query})  # fmt: skip
    spec.path(path="/executions/{execution_id}", parameters=[execution_id], operations={"get": {
        "operationId": "executionDetail", "tags": ["Dashboard"], "security": session,
        "summary": "One execution: inputs, resolution, API calls, outputs, the fix.",
        "responses": {"200": _html("The page."), "302": signin, "404": missing},
    }})  # fmt: skip
    spec.path(path="/executions/{execution_id}/run-again", parameters=[execution_id],
              operations={"post": {
        "operationId": "runAgain", "tags": ["Dashboard"], "security": session,
        "summary": "Run a failed execution again with its stored inputs.",
        "responses": {"302": _redirect("To the execution, or to sign in."), "400": refused,
                      "404": missing},
    }})  # fmt: skip
    page("/connections", "connections", "The portal, its QuickBooks companies, the actions.")


def _meta_paths(spec: APISpec) -> None:
    status = {"type": "object", "required": ["status"],
              "properties": {"status": {"type": "string"}}}  # fmt: skip
    ready = {"type": "object", "required": ["status", "checks"], "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}}}}  # fmt: skip
    spec.path(path="/healthz", operations={"get": {
        "operationId": "healthz", "tags": ["Operations"], "security": [],
        "summary": "Liveness: the process answers.",
        "responses": {"200": _json(status, "Alive.")},
    }})  # fmt: skip
    spec.path(path="/readyz", operations={"get": {
        "operationId": "readyz", "tags": ["Operations"], "security": [],
        "summary": "Readiness: the database (and Redis in queue mode) answer.",
        "responses": {"200": _json(ready, "Ready."),
                      "503": _json(ready, "Not ready: the failing check says which.")},
    }})  # fmt: skip
    spec.path(path="/metrics", operations={"get": {
        "operationId": "metrics", "tags": ["Operations"], "security": [],
        "summary": "Prometheus metrics (text format; OpenMetrics when asked).",
        "responses": {"200": {"description": "Metrics.", "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/openmetrics-text": {"schema": {"type": "string"}}}}},
    }})  # fmt: skip
    spec.path(path="/openapi.json", operations={"get": {
        "operationId": "openapi", "tags": ["Operations"], "security": [],
        "summary": "This document.",
        "responses": {"200": _json({"type": "object"}, "The OpenAPI 3 document.")},
    }})  # fmt: skip


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
