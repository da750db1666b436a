"""The HubSpot definitions derived from the action declarations (reference §1)."""

from __future__ import annotations

import json

import pytest

from actions import ACTIONS
from actions.base import OUTPUT_FIELDS, InputField
from actions.definition import definition
from actions.options import FIELDS as OPTION_FIELDS
from actions.project import workflow_action_meta
from emulators.hubspot.definitions import validate_definition
from failures import CATALOGUE
from schemas.records import RECORD_PROPERTIES
from tests.support.signing import PUBLIC_BASE

SLUGS = sorted(ACTIONS)
ALLOWED_TYPES = {
    ("string", "text"), ("string", "textarea"), ("bool", "booleancheckbox"), ("date", "date"),
    ("enumeration", "select"),
}  # fmt: skip
# SPEC §2.3: fixed input field names per action.
COMMON = {"quickbooks_company", "create_customer", "create_missing_products", "fallback_item",
          "income_account", "tax_code", "customer_memo", "private_note", "doc_number",
          "if_exists"}  # fmt: skip
BOOKS = {"class", "location", "exempt_tax_code", "fee_item"}  # SPEC §2.3, added in §7
SPEC_FIELDS = {
    "create-invoice": COMMON | BOOKS | {"payment_terms", "invoice_date", "due_date",
                                        "send_email"},
    "create-estimate": COMMON | BOOKS | {"expiration_date", "send_email"},
    "create-sales-receipt": COMMON | BOOKS | {"deposit_account", "payment_method"},
    "create-paid-invoice": COMMON | BOOKS | {"deposit_account", "payment_method",
                                             "payment_terms", "skip_invoice_payments"},
    "create-fee-expense": COMMON | {"payment_account", "expense_account", "vendor", "class",
                                    "location"},
    "create-refund-receipt": COMMON | BOOKS | {"refund_from_account", "payment_method",
                                               "allow_partial"},
}  # fmt: skip


@pytest.fixture(params=SLUGS)
def action(request):
    return ACTIONS[request.param]


@pytest.fixture
def body(action, settings):
    return definition(action, settings)


def test_hubspots_required_fields_are_present(action, body):
    for key in ("actionUrl", "objectTypes", "inputFields", "labels", "functions", "published"):
        assert key in body, key
    assert body["actionUrl"] == f"{PUBLIC_BASE}/hubspot/actions/{action.slug}"
    assert body["published"] is True
    assert body["functions"] == []
    assert body["objectTypes"] == [rt.name for rt in action.record_types]
    assert set(body["objectTypes"]) <= {"DEAL", "QUOTE", "COMMERCE_PAYMENT"}
    en = body["labels"]["en"]
    for key in ("actionName", "actionDescription", "actionCardContent", "appDisplayName",
                "inputFieldLabels", "inputFieldDescriptions", "outputFieldLabels",
                "executionRules"):  # fmt: skip
        assert en[key], key


def test_the_hubspot_emulator_accepts_every_definition(body):
    validate_definition(body)  # raises an ApiError naming the first problem


def test_input_fields_match_spec_names(action, body):
    names = [f["typeDefinition"]["name"] for f in body["inputFields"]]
    assert len(names) == len(set(names))
    assert set(names) == SPEC_FIELDS[action.slug]


def test_every_input_field_is_typed_labelled_and_described(action, body, settings):
    en = body["labels"]["en"]
    for entry in body["inputFields"]:
        td = entry["typeDefinition"]
        declared: InputField = action.field(td["name"])
        assert (td["type"], td["fieldType"]) in ALLOWED_TYPES
        assert isinstance(entry["isRequired"], bool)
        assert entry["isRequired"] is declared.required
        assert en["inputFieldLabels"][td["name"]] == declared.label
        assert en["inputFieldDescriptions"][td["name"]].startswith(declared.description)
        expected_values = ["STATIC_VALUE", "OBJECT_PROPERTY"] if declared.mappable else [
            "STATIC_VALUE"]  # fmt: skip
        assert entry["supportedValueTypes"] == expected_values
        if declared.kind == "flag":
            assert td["type"] == "bool"
            assert {o["value"] for o in td["options"]} == {"true", "false"}
        if declared.kind == "choice":
            assert [o["value"] for o in td["options"]] == [v for v, _ in declared.choices]
        if declared.kind == "options":
            assert td["optionsUrl"] == f"{PUBLIC_BASE}/hubspot/options/{td['name']}"
        else:
            assert "optionsUrl" not in td


def test_dates_memo_note_and_doc_number_can_be_mapped(body):
    mappable = {f["typeDefinition"]["name"] for f in body["inputFields"]
                if "OBJECT_PROPERTY" in f["supportedValueTypes"]}  # fmt: skip
    assert {"customer_memo", "private_note", "doc_number"} <= mappable
    assert mappable <= {"customer_memo", "private_note", "doc_number", "invoice_date",
                        "due_date", "expiration_date"}  # fmt: skip


def test_every_options_field_has_an_options_route_that_answers(body, post_signed):
    for entry in body["inputFields"]:
        url = entry["typeDefinition"].get("optionsUrl")
        if not url:
            continue
        name = entry["typeDefinition"]["name"]
        assert name in OPTION_FIELDS
        path = url.removeprefix(PUBLIC_BASE)
        response = post_signed(path, {"origin": {"portalId": 1000001}, "inputFieldName": name,
                                      "inputFields": {}})  # fmt: skip
        assert response.status_code == 200, (name, response.json)
        assert response.json["options"]


def test_company_data_fields_depend_on_the_company(action, body):
    names = {f["typeDefinition"]["name"] for f in body["inputFields"]}
    deps = body["inputFieldDependencies"]
    assert deps == [{
        "dependencyType": "SINGLE_FIELD",
        "controllingFieldName": "quickbooks_company",
        "dependentFieldNames": [f.name for f in action.fields if f.company_data],
    }]  # fmt: skip
    for dep in deps:
        assert dep["controllingFieldName"] in names
        assert set(dep["dependentFieldNames"]) <= names
    dependent = set(deps[0]["dependentFieldNames"])
    with_urls = {f["typeDefinition"]["name"] for f in body["inputFields"]
                 if "optionsUrl" in f["typeDefinition"]}  # fmt: skip
    # Every list of QuickBooks data follows the company; the company list itself does not.
    assert dependent == with_urls - {"quickbooks_company"}


def test_object_request_options_hold_the_handlers_properties(action, body):
    wanted = set(body["objectRequestOptions"]["properties"])
    for rt in action.record_types:
        assert set(RECORD_PROPERTIES[rt.path]) <= wanted
    assert len(body["objectRequestOptions"]["properties"]) == len(wanted)


def test_outputs_are_the_spec_outputs(body):
    names = [f["typeDefinition"]["name"] for f in body["outputFields"]]
    assert names == ["result", "qbo_id", "qbo_doc_number", "qbo_total", "qbo_customer_id",
                     "qbo_url", "error_code", "error_message"]  # fmt: skip
    for f in body["outputFields"]:
        assert f["typeDefinition"]["type"] == "string"
        assert f["typeDefinition"]["fieldType"] == "text"
    assert set(body["labels"]["en"]["outputFieldLabels"]) == {n for n, _l, _d in OUTPUT_FIELDS}


def test_execution_rules_cover_every_error_code(body):
    rules = body["executionRules"]
    messages = body["labels"]["en"]["executionRules"]
    by_code = {r["conditions"]["error_code"]: r["labelName"] for r in rules
               if "error_code" in r["conditions"]}  # fmt: skip
    assert set(by_code) == set(CATALOGUE)
    for code, label in by_code.items():
        assert messages[label].startswith(CATALOGUE[code].summary)
    assert len({r["labelName"] for r in rules}) == len(rules)
    assert set(messages) == {r["labelName"] for r in rules}
    results = [r["conditions"].get("result") for r in rules]
    # Code rules first (HubSpot picks the first match), then the outcomes.
    assert results[: len(CATALOGUE)] == [None] * len(CATALOGUE)
    assert {"existing", "skipped", "failed"} <= set(results)
    assert "Fix: " in messages[by_code["TAX_CODE_REQUIRED"]]
    assert "None" not in messages[by_code["NO_FEE"]]


def test_definition_and_input_schema_cannot_drift(action, body):
    """Both come from the same declaration: same names, same required set."""
    schema_fields = action.input_schema.fields
    defined = {f["typeDefinition"]["name"]: f for f in body["inputFields"]}
    assert set(defined) == set(schema_fields)
    for name, field in schema_fields.items():
        assert defined[name]["isRequired"] is field.required, name


def test_a_new_declared_field_appears_in_both(action, settings):
    from dataclasses import replace

    extra = InputField("class_name", "Class", "A QuickBooks class.", kind="text")
    grown = replace(action, fields=(*action.fields, extra))
    body = definition(grown, settings)
    assert "class_name" in {f["typeDefinition"]["name"] for f in body["inputFields"]}
    assert "class_name" in grown.input_schema.fields


def test_export_project_writes_loadable_hsmeta_files(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["hubspot", "export-project", str(tmp_path)])
    out = tmp_path / "src" / "app" / "workflow-actions"
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*-hsmeta.json"))
    assert [f.name for f in files] == [f"{slug}-hsmeta.json" for slug in SLUGS]
    uids = set()
    for f in files:
        meta = json.loads(f.read_text(encoding="utf-8"))
        slug = f.name.removesuffix("-hsmeta.json")
        assert meta["type"] == "workflow-action"
        assert meta["uid"]
        uids.add(meta["uid"])
        config = meta["config"]
        assert config["actionUrl"] == f"{PUBLIC_BASE}/hubspot/actions/{slug}"
        assert config["supportedClients"] == [{"client": "WORKFLOWS"}]
        assert config["labels"]["en"]["actionName"] == ACTIONS[slug].name
        assert isinstance(config["isPublished"], bool)
        assert "published" not in config
        for key in ("inputFields", "outputFields", "objectTypes", "objectRequestOptions",
                    "inputFieldDependencies", "executionRules"):  # fmt: skip
            assert key in config, key
    assert len(uids) == len(files)


def test_project_file_is_the_definition_renamed(action, settings, body):
    config = workflow_action_meta(action, settings)["config"]
    assert config["inputFields"] == body["inputFields"]
    assert config["isPublished"] == body["published"]
