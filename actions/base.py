"""What every action is made of: input fields, outputs, and the handler contract."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from schemas.fields import Flag, FlexibleDate, Lenient, Text
from schemas.records import RECORD_PROPERTIES, RecordType

# kinds of input field: how HubSpot shows it and how its value is loaded
TEXT, TEXTAREA, FLAG, DATE, CHOICE, OPTIONS = (
    "text",
    "textarea",
    "flag",
    "date",
    "choice",
    "options",
)


@dataclass(frozen=True)
class InputField:
    """One input of an action, declared once for its HubSpot definition and its schema."""

    name: str
    label: str
    description: str
    kind: str = TEXT
    required: bool = False
    # OBJECT_PROPERTY allowed: the user may map a property of the enrolled record.
    mappable: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    # The options list QuickBooks data, so it depends on the chosen company.
    company_data: bool = False
    max_length: int | None = None

    def marshmallow_field(self) -> fields.Field:
        """The marshmallow field that loads this input's value."""
        common: dict[str, Any] = {"required": self.required, "allow_none": not self.required}
        if self.mappable:
            # A value mapped from a HubSpot property is never a 400 (SPEC §7): texts are cut
            # later, other bad values fail the execution with INVALID_INPUT.
            inner = FlexibleDate() if self.kind == DATE else Text()
            return Lenient(inner, **common)
        if self.kind == FLAG:
            return Flag(**common)
        if self.kind == DATE:
            return FlexibleDate(**common)
        if self.kind == CHOICE:
            return Text(validate=validate.OneOf([v for v, _ in self.choices]), **common)
        length = validate.Length(max=self.max_length) if self.max_length else None
        return Text(validate=length, **common)


@dataclass
class Outcome:
    """The result of one execution, turned into HubSpot output fields (SPEC §1.3)."""

    result: str  # created | existing | skipped | failed
    qbo_type: str = ""
    qbo_id: str = ""
    qbo_doc_number: str = ""
    qbo_total: str = ""
    qbo_customer_id: str = ""
    qbo_url: str = ""
    error_code: str = ""
    error_message: str = ""

    @property
    def state(self) -> str:
        """HubSpot's execution state: failures continue the workflow."""
        return "FAIL_CONTINUE" if self.result == "failed" else "SUCCESS"

    def output_fields(self) -> dict[str, str]:
        """Every output, always present, as strings."""
        return {
            "hs_execution_state": self.state,
            "result": self.result,
            "qbo_id": self.qbo_id,
            "qbo_doc_number": self.qbo_doc_number,
            "qbo_total": self.qbo_total,
            "qbo_customer_id": self.qbo_customer_id,
            "qbo_url": self.qbo_url,
            "error_code": self.error_code,
            "error_message": self.error_message,
        }


OUTPUT_FIELDS = (
    ("result", "Result", "created, existing, skipped or failed"),
    ("qbo_id", "QuickBooks transaction ID", ""),
    ("qbo_doc_number", "QuickBooks document number", ""),
    ("qbo_total", "QuickBooks total", ""),
    ("qbo_customer_id", "QuickBooks customer ID", ""),
    ("qbo_url", "QuickBooks link", ""),
    ("error_code", "Error code", ""),
    ("error_message", "Error message", ""),
)


class _Inputs(Schema):
    class Meta:
        # HubSpot may still send inputs of an older definition revision: ignore them.
        unknown = EXCLUDE


@dataclass(frozen=True)
class Action:
    """A workflow action: its declaration and its handler."""

    slug: str
    name: str
    description: str
    record_types: tuple[RecordType, ...]
    fields: tuple[InputField, ...]
    card: str = ""

    def run(self, ctx) -> Outcome:  # pragma: no cover - every action overrides it
        """Create the QuickBooks transaction for ctx.record."""
        raise NotImplementedError

    @property
    def properties(self) -> dict[str, tuple[str, ...]]:
        """Properties of the enrolled record the handler needs (objectRequestOptions)."""
        return {rt.path: RECORD_PROPERTIES[rt.path] for rt in self.record_types}

    def field(self, name: str) -> InputField:
        """The declared input field with this name."""
        return next(f for f in self.fields if f.name == name)

    @cached_property
    def input_schema(self) -> Schema:
        """The schema loading an execution's inputFields, derived from the declaration."""
        schema_cls = _Inputs.from_dict(
            {f.name: f.marshmallow_field() for f in self.fields}, name=f"{self.slug}-inputs"
        )
        return schema_cls()

    def load_inputs(self, raw: dict) -> dict[str, Any]:
        """Load inputFields: blanks become defaults; raises ValidationError on bad values."""
        if not isinstance(raw, dict):
            raise ValidationError({"inputFields": ["must be an object"]})
        cleaned = {k: v for k, v in raw.items() if v is not None and v != ""}
        loaded = self.input_schema.load(cleaned)
        return {f.name: loaded.get(f.name, f.default) for f in self.fields}

    def accepts(self, record_type: RecordType) -> bool:
        """True when this action can run on such records."""
        return record_type in self.record_types
