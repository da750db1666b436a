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
                # A moment, not a day: the action turns it into the portal's local date.
                return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
            except (OverflowError, OSError, ValueError) as exc:
                raise ValidationError("epoch milliseconds out of range") from exc
        if isinstance(value, str):
            text = value.strip()
            if len(text) > 10 and text[10] in "Tt ":
                try:
                    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                except ValueError:
                    pass
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


class InvalidValue:
    """A mapped input value that could not be loaded: the action fails INVALID_INPUT with
    ``describe()`` instead of the request being answered 400 (SPEC §7)."""

    def __init__(self, value, messages) -> None:
        self.value = value
        self.messages = messages

    def describe(self) -> str:
        """Why the value was refused, for the error message."""
        text = "; ".join(str(m) for m in self.messages) if isinstance(self.messages, list) else (
            str(self.messages))
        return f"value {str(self.value)[:60]!r} {text}"


class Lenient(fields.Field):
    """Wraps a field whose value may be mapped from a HubSpot property: a bad value loads as
    ``InvalidValue`` instead of failing the whole request."""

    def __init__(self, inner: fields.Field, **kwargs) -> None:
        super().__init__(**kwargs)
        self.inner = inner

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.inner.deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            return InvalidValue(value, exc.messages)
