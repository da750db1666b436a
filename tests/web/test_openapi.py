"""GET /openapi.json: every route described, with the schemas the server really answers with."""

from __future__ import annotations

import re

import jsonschema_rs

from actions import ACTIONS
from actions.options import FIELDS
from tests.support.signing import PUBLIC_BASE, execution_payload

UNDOCUMENTED = {"static", "dashboard.static"}  # static files


def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.json


def validator(doc: dict, name: str):
    """A JSON Schema validator for one component (refs resolved within the document)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return jsonschema_rs.validator_for(schema)


def test_every_route_is_described(app, client):
    doc = document(client)
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [{"url": PUBLIC_BASE}]
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path].get(method.lower())
            assert operation is not None, f"{method} {path}"
            assert operation["responses"], f"{method} {path}"


def test_hubspot_routes_name_every_slug_and_field_and_require_a_signature(client):
    paths = document(client)["paths"]
    action = paths["/hubspot/actions/{slug}"]
    assert action["parameters"][0]["schema"]["enum"] == list(ACTIONS)
    post = action["post"]
    assert {"200", "400", "401", "403", "404", "413", "429", "503"} <= set(post["responses"])
    assert {"HubSpotSignatureV3": [], "HubSpotTimestamp": []} in post["security"]
    options = paths["/hubspot/options/{field}"]
    assert set(options["parameters"][0]["schema"]["enum"]) == set(FIELDS)
    assert options["post"]["security"] == post["security"]


def test_every_input_field_is_typed(client):
    fields = document(client)["components"]["schemas"]["InputFields"]["properties"]
    names = {f.name for a in ACTIONS.values() for f in a.fields}
    assert set(fields) == names
    assert fields["if_exists"]["enum"] == ["skip", "create_another"]
    assert fields["doc_number"]["maxLength"] == 21


def test_real_answers_match_the_documented_schemas(world, client):
    world.connect_company()
    doc = document(client)
    request_schema = validator(doc, "ExecutionRequest")
    payload = execution_payload(callback_id="ap-doc-1", object_type="DEAL")
    assert request_schema.is_valid(payload)
    answer = world.execute("create-invoice", "DEAL", 101, callback_id="ap-doc-1", properties={})
    assert answer.status_code == 200
    validator(doc, "ExecutionResponse").validate(answer.json)
    refused = client.post("/hubspot/actions/create-invoice", json={})
    assert refused.status_code == 401
    validator(doc, "Error").validate(refused.json)


def test_each_operation_is_read_from_its_view(app, client):
    """The document is generated from the routes: summary = the view's first docstring line."""
    paths = document(client)["paths"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:
            continue
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = paths[path][method.lower()]
            assert operation["summary"] == view.__doc__.strip().splitlines()[0], path
            assert operation["operationId"] and operation["tags"], path
    # the shared answers are components the operations point at
    execute = paths["/hubspot/actions/{slug}"]["post"]
    assert execute["responses"]["429"] == {"$ref": "#/components/responses/Throttled"}
    assert paths["/executions/{execution_id}"]["parameters"][0]["schema"]["type"] == "integer"


def test_a_sandbox_documents_its_demo_route(tmp_path, monkeypatch):
    import sandbox
    from app import create_app
    from settings import Settings

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(sandbox, "serving_now", lambda: False)  # no emulators needed
    app = create_app(Settings(sandbox=True))
    try:
        paths = app.test_client().get("/openapi.json").json["paths"]
        run = paths["/sandbox/run/{slug}"]
        assert run["parameters"][0]["schema"]["enum"] == list(ACTIONS)
        assert run["post"]["operationId"] == "sandboxRun"
    finally:
        app.extensions["hubqbo"].db.dispose()
