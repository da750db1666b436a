"""The HubSpot definition of an action (reference §1), derived from its declaration."""

from __future__ import annotations

from actions.base import (
    CHOICE,
    DATE,
    FLAG,
    OPTIONS,
    OUTPUT_FIELDS,
    TEXT,
    TEXTAREA,
    Action,
    InputField,
)
from failures import CATALOGUE

APP_DISPLAY_NAME = "QuickBooks Online"
COMPANY_FIELD = "quickbooks_company"
STATIC_VALUE, OBJECT_PROPERTY = "STATIC_VALUE", "OBJECT_PROPERTY"

# HubSpot (type, fieldType) per kind of input; pairs follow the CRM property rules.
FIELD_TYPES = {
    TEXT: ("string", "text"),
    TEXTAREA: ("string", "textarea"),
    FLAG: ("bool", "booleancheckbox"),
    DATE: ("date", "date"),
    CHOICE: ("enumeration", "select"),
    OPTIONS: ("enumeration", "select"),
}
FLAG_OPTIONS = [
    {"label": "Yes", "value": "true", "displayOrder": 0},
    {"label": "No", "value": "false", "displayOrder": 1},
]

# Rules after the per-code ones: HubSpot uses the first rule whose conditions match.
OUTCOME_RULES = (
    ("already_booked", {"result": "existing"},
     "Already booked: QuickBooks transaction {{ qbo_doc_number }} (id {{ qbo_id }}) was created "
     "for this record earlier, so nothing new was created."),
    ("skipped", {"result": "skipped"}, "Skipped: {{ error_message }}"),
    ("created", {"result": "created"},
     "Created QuickBooks transaction {{ qbo_doc_number }} (id {{ qbo_id }}), total "
     "{{ qbo_total }}."),
    ("failed", {"result": "failed"}, "Failed ({{ error_code }}): {{ error_message }}"),
)  # fmt: skip


def action_url(action: Action, settings) -> str:
    """Where HubSpot POSTs this action's executions."""
    return f"{settings.public_base_url}/hubspot/actions/{action.slug}"


def options_url(field: InputField, settings) -> str:
    """Where HubSpot fetches this field's dropdown options."""
    return f"{settings.public_base_url}/hubspot/options/{field.name}"


def definition(action: Action, settings) -> dict:
    """The definition body for `POST /automation/actions/{version}/{appId}` (reference §1.1)."""
    return {
        "actionUrl": action_url(action, settings),
        "published": True,
        "objectTypes": [rt.name for rt in action.record_types],
        "objectRequestOptions": {"properties": requested_properties(action)},
        "inputFields": [input_field(f, settings) for f in action.fields],
        "inputFieldDependencies": dependencies(action),
        "outputFields": [
            {"typeDefinition": {"name": name, "type": "string", "fieldType": "text"}}
            for name, _label, _description in OUTPUT_FIELDS
        ],
        "labels": {"en": labels(action)},
        "executionRules": [
            {"labelName": label, "conditions": conditions}
            for label, conditions, _message in execution_rules()
        ],
        "functions": [],
    }


def input_field(field: InputField, settings) -> dict:
    """One inputFields entry: its type, choices or options URL, and how it may be filled."""
    kind, field_type = FIELD_TYPES[field.kind]
    type_definition: dict = {"name": field.name, "type": kind, "fieldType": field_type}
    if field.kind == FLAG:
        type_definition["options"] = FLAG_OPTIONS
    elif field.kind == CHOICE:
        type_definition["options"] = [
            {"label": label, "value": value, "displayOrder": order}
            for order, (value, label) in enumerate(field.choices)
        ]
    elif field.kind == OPTIONS:
        type_definition["optionsUrl"] = options_url(field, settings)
    values = [STATIC_VALUE, OBJECT_PROPERTY] if field.mappable else [STATIC_VALUE]
    return {
        "typeDefinition": type_definition,
        "supportedValueTypes": values,
        "isRequired": field.required,
    }


def requested_properties(action: Action) -> list[str]:
    """The enrolled record's properties the handler reads, for all its record types."""
    wanted: list[str] = []
    for rt in action.record_types:
        for name in action.properties.get(rt.path, ()):
            if name not in wanted:
                wanted.append(name)
    return wanted


def dependencies(action: Action) -> list[dict]:
    """Lists of company data wait for (and change with) the chosen QuickBooks company."""
    names = [f.name for f in action.fields]
    dependent = [f.name for f in action.fields if f.company_data]
    if COMPANY_FIELD not in names or not dependent:
        return []
    return [{"dependencyType": "SINGLE_FIELD", "controllingFieldName": COMPANY_FIELD,
             "dependentFieldNames": dependent}]  # fmt: skip


def describe(field: InputField) -> str:
    """The field's description, with its default spelled out when the editor cannot show it."""
    text = field.description
    if "default" in text.lower():
        return text
    if field.kind == FLAG and field.default is not None:
        return f"{text} Default: {'on' if field.default else 'off'}."
    if field.kind == CHOICE and field.default is not None:
        label = dict(field.choices).get(field.default, field.default)
        return f"{text} Default: {label}."
    return text


def execution_rules() -> list[tuple[str, dict, str]]:
    """(labelName, conditions, message) per error code, then per result."""
    rules = [
        (f"error_{code.lower()}", {"error_code": code}, rule_message(entry))
        for code, entry in CATALOGUE.items()
    ]
    return rules + list(OUTCOME_RULES)


def rule_message(entry) -> str:
    """The history line for an error code: what happened, then how to fix it."""
    fix = entry.fix
    if fix.rstrip(".") == "None":  # informational codes (skips) need no fix
        return entry.summary
    if fix.startswith("None; "):
        return f"{entry.summary} {fix[6].upper()}{fix[7:]}"
    return f"{entry.summary} Fix: {fix}"


def labels(action: Action) -> dict:
    """The English labels: names, descriptions, and the workflow history messages."""
    return {
        "actionName": action.name,
        "actionDescription": action.description,
        "actionCardContent": action.card or action.name,
        "appDisplayName": APP_DISPLAY_NAME,
        "inputFieldLabels": {f.name: f.label for f in action.fields},
        "inputFieldDescriptions": {f.name: describe(f) for f in action.fields},
        "outputFieldLabels": {name: label for name, label, _d in OUTPUT_FIELDS},
        "executionRules": {label: message for label, _c, message in execution_rules()},
    }

