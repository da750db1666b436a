"""Check QBO JSON bodies against Intuit's XSD (``xsd/IntuitRestServiceDef.xsd``).

QBO's JSON uses the XSD's element names, so the schema says which fields each entity accepts
and what type each value has. Usage, from the emulator or from conformance tests::

    from emulators.quickbooks.schema import validate
    assert validate("Invoice", body) == []          # what QBO's JSON binder enforces
    assert validate("Invoice", body, full=True) == []  # every XSD facet as well

The JSON is mapped onto the XSD as SOURCES.md §2 describes: a ReferenceType
``{"value": "1", "name": "X"}`` is simple content plus attributes (``{"$": "1", "@name": "X"}``),
``sparse``/``domain``/``status`` are attributes, element order is ignored, and ``[]`` means
"no element". A walk over the JSON names the exact path of each problem: unknown fields, values
of the wrong type, enum values outside the list, two branches of one ``xs:choice`` (e.g. two
detail objects on a Line). By default it skips numeric and length facets, which QBO's binder
does not apply (python-quickbooks sends ``"LineNum": 0`` for an ``xs:positiveInteger``), and
reads ``""`` as null for non-string types. ``full=True`` applies every facet and then runs
xmlschema's own encoder (``UnorderedConverter``) over the mapped document as a backstop.

What the XSD cannot say is which fields QBO *requires*: those rules live in ``rules.py``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import xmlschema
from xmlschema.validators import XsdAnyElement, XsdGroup

NAMESPACE = "http://schema.intuit.com/finance/v3"
XSD_DIR = Path(__file__).parent / "xsd"
ENTRY_POINT = XSD_DIR / "IntuitRestServiceDef.xsd"

_load_lock = threading.Lock()
_schema: xmlschema.XMLSchema | None = None
_model_cache: dict[int, _Model] = {}
_value_cache: dict[tuple[int, str], str | None] = {}
_VALUE_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class SchemaIssue:
    """One mismatch between a JSON body and the XSD."""

    path: str  # dotted JSON path, e.g. "Line.SalesItemLineDetail.Amount"
    message: str
    unknown: bool = False  # an unrecognised field, as opposed to a bad value
    owner: str = ""  # the XSD type the field was looked up in

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class _Model:
    """What a complex type with element content accepts."""

    children: dict  # local name -> XsdElement
    wildcard: bool  # an xs:any: anything goes
    choices: tuple[frozenset[str], ...]  # names of which at most one may appear


def load_schema() -> xmlschema.XMLSchema:
    """The parsed schema, loaded once per process (about a tenth of a second)."""
    global _schema
    with _load_lock:
        if _schema is None:
            # Intuit's files are vendored unmodified and valid XML Schema (a test checks them
            # against XSD's own meta-schema); checking them on every load tripled its time.
            _schema = xmlschema.XMLSchema(str(ENTRY_POINT), validation="skip")
        return _schema


def entity_names() -> frozenset[str]:
    """Every global element name the schema declares (Invoice, Customer, ...)."""
    return frozenset(load_schema().elements)


def fields(entity_name: str) -> frozenset[str]:
    """The top-level JSON field names an entity accepts (elements and attributes)."""
    xsd_type = _element(entity_name).type
    return frozenset(_model(xsd_type).children) | frozenset(xsd_type.attributes)


def validate(entity_name: str, body: dict, *, full: bool = False) -> list[str]:
    """Problems with a JSON ``body`` of ``entity_name`` as "path: message"; empty when valid."""
    return [str(issue) for issue in check(entity_name, body, full=full)]


def check(entity_name: str, body: dict, *, full: bool = False) -> list[SchemaIssue]:
    """Problems with a JSON ``body`` of ``entity_name`` as structured issues."""
    element = _element(entity_name)
    walk = _Walk(full)
    converted = walk.convert(element.type, body, "", entity_name)
    if walk.issues or not full:
        return walk.issues
    _, errors = element.encode(
        converted,
        validation="lax",
        converter=xmlschema.UnorderedConverter,
        namespaces={"": NAMESPACE},
    )
    return [
        SchemaIssue("", _plain(error.reason or str(error)), owner=entity_name) for error in errors
    ]


def _element(entity_name: str):
    schema = load_schema()
    try:
        return schema.elements[entity_name]
    except KeyError:
        raise ValueError(f"{entity_name!r} is not an entity of the QBO schema") from None


def _model(xsd_type) -> _Model:
    key = id(xsd_type)
    model = _model_cache.get(key)
    if model is None:
        content = xsd_type.content
        children = {child.local_name: child for child in content.iter_elements()}
        wildcard = any(isinstance(part, XsdAnyElement) for part in content.iter_model())
        model = _model_cache[key] = _Model(children, wildcard, tuple(_choices(content)))
    return model


def _choices(group):
    """Every single-occurrence xs:choice in a content model, as sets of element names."""
    for item in group:
        if isinstance(item, XsdGroup):
            if item.model == "choice" and item.max_occurs == 1:
                yield frozenset(element.local_name for element in item.iter_elements())
            yield from _choices(item)


def _lexical(value: Any) -> str:
    """A JSON scalar written the way XML would carry it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _type_name(xsd_type) -> str:
    return xsd_type.local_name or (xsd_type.base_type and xsd_type.base_type.local_name) or "value"


def _plain(reason: str) -> str:
    """An xmlschema reason without the namespace noise."""
    return reason.replace("{" + NAMESPACE + "}", "").strip()


class _Walk:
    """One pass over a JSON body, mapping it to xmlschema's dict form and noting issues."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.issues: list[SchemaIssue] = []

    def convert(self, xsd_type, value, path: str, owner: str):
        """The xmlschema-ready form of ``value`` (None when absent or invalid)."""
        if value is None:
            return None
        if xsd_type.is_simple():
            return self.simple(xsd_type, value, path, owner)
        name = xsd_type.local_name or owner
        if xsd_type.has_simple_content():
            return self.simple_content(xsd_type, value, path, name)
        if not isinstance(value, dict):
            self.issues.append(SchemaIssue(path, f"expected an object for {name}", owner=name))
            return None
        model = _model(xsd_type)
        result = {}
        for key, item in value.items():
            child = model.children.get(key)
            if item is None:
                continue
            if child is not None:
                converted = self.child(child, item, f"{path}.{key}" if path else key, name)
                if converted not in (None, []):  # "CustomField": [] means no element at all
                    result[key] = converted
            elif key in xsd_type.attributes:
                result["@" + key] = self.attribute(xsd_type, key, item, path, name)
            elif not model.wildcard:
                self.issues.append(_unknown(path, key, name))
        for choice in model.choices:
            present = [key for key in value if key in choice and value[key] is not None]
            if len(present) > 1:
                where = f"{path}.{present[1]}" if path else present[1]
                self.issues.append(SchemaIssue(
                    where, f"only one of {', '.join(present)} may be given in {name}",
                    owner=name))
        return result

    def child(self, child, item, path: str, owner: str):
        """Convert one child element, which may repeat."""
        repeated = child.max_occurs is None or child.max_occurs > 1
        if isinstance(item, list) and not repeated:
            self.issues.append(
                SchemaIssue(path, "expected a single value, got an array", owner=owner))
            return None
        if child.type.is_complex() and not child.type.has_simple_content():
            model = _model(child.type)
            if model.wildcard and not model.children:
                # IntuitAnyType extension points (InvoiceEx, ...) take anything.
                return [] if repeated else {}
        if repeated:
            items = item if isinstance(item, list) else [item]
            return [self.convert(child.type, entry, path, owner) for entry in items]
        return self.convert(child.type, item, path, owner)

    def simple_content(self, xsd_type, value, path: str, name: str):
        """A ReferenceType-like value: ``{"value": ..., "<attribute>": ...}``."""
        if not isinstance(value, dict):
            # What QBO's binder rejects as "Can not instantiate value of type ReferenceType".
            self.issues.append(SchemaIssue(
                path, f'expected an object like {{"value": ...}} for {name}', owner=name))
            return None
        result = {}
        for key, item in value.items():
            if key == "value":
                result["$"] = self.simple(xsd_type.content, item, path, name)
            elif key in xsd_type.attributes:
                result["@" + key] = self.attribute(xsd_type, key, item, path, name)
            else:
                self.issues.append(_unknown(path, key, name))
        return result

    def attribute(self, xsd_type, key: str, value, path: str, owner: str):
        """An XML attribute such as ``sparse`` or a ref's ``name``."""
        attribute = xsd_type.attributes[key]
        if value is None:
            return None
        return self.simple(attribute.type, value, f"{path}.{key}" if path else key, owner)

    def simple(self, simple_type, value, path: str, owner: str):
        """A scalar checked against its type (enums always, other facets when ``full``)."""
        if isinstance(value, dict | list):
            self.issues.append(SchemaIssue(
                path, f"expected a {_type_name(simple_type)}, got an object or array",
                owner=owner))
            return None
        text = _lexical(value)
        checked = simple_type
        if not self.full and not getattr(simple_type, "enumeration", None):
            checked = simple_type.primitive_type or simple_type
        reason = _value_error(checked, text)
        if reason is not None:
            if text == "":
                # QBO's JSON binder reads "" as null for dates, numbers and enums
                # (python-quickbooks sends "TxnDate": "" and "ServiceDate": "").
                return None
            self.issues.append(SchemaIssue(
                path, f"invalid value {text!r} for {_type_name(simple_type)}: {reason}",
                owner=owner))
        return text


def _value_error(simple_type, text: str) -> str | None:
    """Why ``text`` is not a valid ``simple_type`` (None when it is), memoised."""
    # Bodies repeat the same ids, enums and amounts, so most checks are cache hits.
    key = (id(simple_type), text)
    if key in _value_cache:
        return _value_cache[key]
    error = next(iter(simple_type.iter_errors(text)), None)
    reason = None if error is None else _plain(error.reason or str(error))
    if len(_value_cache) < _VALUE_CACHE_SIZE:
        _value_cache[key] = reason
    return reason


def _unknown(path: str, key: str, owner: str) -> SchemaIssue:
    return SchemaIssue(
        f"{path}.{key}" if path else key,
        f'Unrecognized field "{key}" (class com.intuit.schema.finance.v3.{owner}), '
        "not marked as ignorable",
        unknown=True,
        owner=owner,
    )
