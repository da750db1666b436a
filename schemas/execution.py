"""HubSpot's execution payload (reference §2.1)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from schemas.records import record_type

MAX_ID = 2**63 - 1  # ids are stored as BIGINT: larger ones are refused here, not by the database
_ID = validate.Range(min=1, max=MAX_ID)


class _Lenient(Schema):
    class Meta:
        # HubSpot adds fields over time; unknown ones are ignored, not refused.
        unknown = EXCLUDE


class OriginSchema(_Lenient):
    """Who sent the execution."""

    portalId = fields.Integer(required=True, strict=False, validate=_ID)
    actionDefinitionId = fields.Integer(load_default=None, allow_none=True)
    actionDefinitionVersion = fields.Integer(load_default=None, allow_none=True)


class RecordSchema(_Lenient):
    """The enrolled record with the properties the definition asked for."""

    objectId = fields.Integer(required=True, strict=False, validate=_ID)
    objectType = fields.String(required=True)
    properties = fields.Dict(
        keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict
    )

    @validates("objectType")
    def _known_type(self, value: str, **_kwargs) -> None:
        if record_type(value) is None:
            raise ValidationError(
                f"unknown object type {value!r}; expected DEAL, QUOTE or COMMERCE_PAYMENT "
                "(or 0-3, 0-14, 0-101)"
            )


class ExecutionRequestSchema(_Lenient):
    """The body HubSpot POSTs to an action URL."""

    callbackId = fields.String(required=True, validate=validate.Length(min=1, max=200))
    origin = fields.Nested(OriginSchema, required=True)
    context = fields.Dict(load_default=dict)
    object = fields.Nested(RecordSchema, required=True)
    inputFields = fields.Dict(keys=fields.String(), load_default=dict)


class OutputFieldsSchema(Schema):
    """What every execution answers (SPEC §1.3), for the OpenAPI document."""

    hs_execution_state = fields.String(
        required=True, validate=validate.OneOf(["SUCCESS", "FAIL_CONTINUE", "BLOCK"])
    )
    result = fields.String()
    qbo_id = fields.String()
    qbo_doc_number = fields.String()
    qbo_total = fields.String()
    qbo_customer_id = fields.String()
    qbo_url = fields.String()
    error_code = fields.String()
    error_message = fields.String()
    hs_expiration_duration = fields.String()


class ExecutionResponseSchema(Schema):
    """The action endpoint's answer."""

    outputFields = fields.Nested(OutputFieldsSchema, required=True)


class ErrorSchema(Schema):
    """Every 4xx/5xx body."""

    error = fields.String(required=True)


def describe(errors: dict, prefix: str = "") -> str:
    """Flatten marshmallow's error dict into one readable line."""
    parts: list[str] = []
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            parts.append(describe(value, path))
        else:
            messages = value if isinstance(value, list) else [value]
            parts.append(f"{path}: {' '.join(str(m) for m in messages)}")
    return "; ".join(parts)
