"""HubSpot's option-fetch payload (reference §2.2) and our answer."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from schemas.execution import OriginSchema

STATIC_VALUE, OBJECT_PROPERTY = "STATIC_VALUE", "OBJECT_PROPERTY"


class _Lenient(Schema):
    class Meta:
        # HubSpot adds fields over time; unknown ones are ignored, not refused.
        unknown = EXCLUDE


class TypedReferenceSchema(_Lenient):
    """One input as the editor knows it: a typed value or a mapped record property."""

    type = fields.String(required=True, validate=validate.OneOf([STATIC_VALUE, OBJECT_PROPERTY]))
    value = fields.Raw(load_default=None, allow_none=True)
    propertyName = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _property_named(self, data: dict, **_kwargs) -> None:
        if data["type"] == OBJECT_PROPERTY and not data.get("propertyName"):
            raise ValidationError("an OBJECT_PROPERTY reference needs propertyName", "propertyName")


class TypedReference(fields.Field):
    """A typed reference; a bare scalar is read as a STATIC_VALUE (as executions send them)."""

    _schema = TypedReferenceSchema()

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or isinstance(value, str | int | float | bool):
            return {"type": STATIC_VALUE, "value": value, "propertyName": None}
        if not isinstance(value, dict):
            raise ValidationError("must be a {type, value} or {type, propertyName} object")
        return self._schema.load(value)


class FetchOptionsSchema(_Lenient):
    """The search text and the cursor of the page asked for."""

    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class OptionsRequestSchema(_Lenient):
    """The body HubSpot POSTs to an input field's optionsUrl."""

    origin = fields.Nested(OriginSchema, required=True)
    objectTypeId = fields.String(load_default=None, allow_none=True)
    inputFieldName = fields.String(load_default=None, allow_none=True)
    inputFields = fields.Dict(keys=fields.String(), values=TypedReference(), load_default=dict)
    fetchOptions = fields.Nested(FetchOptionsSchema, load_default=dict, allow_none=True)


class OptionSchema(Schema):
    """One dropdown entry."""

    label = fields.String(required=True)
    value = fields.String(required=True)
    description = fields.String()


class OptionsResponseSchema(Schema):
    """What an optionsUrl answers: a page of options, the next cursor, and a search box."""

    options = fields.List(fields.Nested(OptionSchema), required=True)
    after = fields.String()
    searchable = fields.Boolean()


def static_value(references: dict, name: str) -> str:
    """The typed STATIC_VALUE of one input as a trimmed string ('' when absent or mapped)."""
    reference = references.get(name) or {}
    if reference.get("type") != STATIC_VALUE or reference.get("value") is None:
        return ""
    return str(reference["value"]).strip()
