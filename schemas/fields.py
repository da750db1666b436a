"""Marshmallow fields for HubSpot's loosely typed input values."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import ValidationError, fields


class Flag(fields.Field):
    """A boolean sent as true/false, either a JSON boolean or a string."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in self.TRUE | self.FALSE:
            return value.strip().lower() in self.TRUE
        raise ValidationError("must be true or false")


class FlexibleDate(fields.Field):
    """A date sent as YYYY-MM-DD or as epoch milliseconds (number or digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("must be a date (YYYY-MM-DD) or epoch milliseconds")
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            try:
                return datetime.fromtimestamp(int(value) / 1000, tz=UTC).date()
            except (OverflowError, OSError, ValueError) as exc:
                raise ValidationError("epoch milliseconds out of range") from exc
        if isinstance(value, str):
            text = value.strip()
            try:
                return date.fromisoformat(text[:10])
            except ValueError as exc:
                raise ValidationError("must be a date (YYYY-MM-DD) or epoch milliseconds") from exc
        raise ValidationError("must be a date (YYYY-MM-DD) or epoch milliseconds")


class Text(fields.String):
    """A string that also accepts numbers (HubSpot sends mapped numeric properties as-is)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)
