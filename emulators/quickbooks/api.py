"""The QBO Accounting API routes under ``/v3/company/<realm_id>``: thin views over the rules."""

from __future__ import annotations

from flask import Blueprint, request
from simplejson import JSONDecodeError

from . import batch, entities, errors, notifications, query, sales, wire
from .company import Company
from .gateway import emulator, serve

routes = Blueprint("qbo_api", __name__, url_prefix="/v3/company/<realm_id>")


@routes.route("/query", methods=["GET", "POST"])
def run_query(realm_id: str):
    """SELECT statements, by query string (GET) or as an application/text body (POST)."""
    if request.method == "GET":
        text = request.args.get("query", "")
    else:
        text = request.get_data(as_text=True) or request.form.get("query", "")

    def operation(company: Company):
        if not text.strip():
            raise errors.query_parse("QueryParserError: the query is empty")
        return 200, {"QueryResponse": query.run(company, text)}

    return serve(realm_id, operation)


@routes.post("/batch")
def run_batch(realm_id: str):
    """Up to 30 operations in one request; counts against the batch throttle."""
    strict = emulator().config.strict_schema

    def operation(company: Company):
        return 200, batch.run(company, _json_body(), strict)

    return serve(realm_id, operation, batch=True)


@routes.get("/companyinfo/<company_id>")
def company_info(realm_id: str, company_id: str):
    """The CompanyInfo entity (Id is the realm, or QBO's "1")."""

    def operation(company: Company):
        if company_id not in (realm_id, "1"):
            raise errors.object_not_found("Id")
        return 200, {"CompanyInfo": company.company_info()}

    return serve(realm_id, operation)


@routes.get("/cdc")
def change_data_capture(realm_id: str):
    """Objects of the listed entities changed since ``changedSince`` (≤ 30 days, ≤ 1,000)."""
    names = [n.strip() for n in request.args.get("entities", "").split(",") if n.strip()]
    since = request.args.get("changedSince", "")

    def operation(company: Company):
        unknown = [n for n in names if n not in entities.CREATABLE and n not in ("Customer",)]
        if not names or unknown or not since:
            raise errors.business("CDC needs entities (e.g. Invoice,Payment) and changedSince.",
                                  "entities" if not names or unknown else "changedSince")
        try:
            answer = notifications.cdc(company, names, since)
        except ValueError:
            raise errors.business(f"changedSince is not a date: {since}", "changedSince") from None
        from datetime import datetime, timedelta

        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=company.zone)
        if company.now() - moment.timestamp() > timedelta(days=30).total_seconds():
            raise errors.business("CDC can only look back 30 days.", "changedSince")
        return 200, answer

    return serve(realm_id, operation)


@routes.get("/preferences")
def preferences(realm_id: str):
    """The Preferences entity."""
    return serve(realm_id, lambda company: (200, {"Preferences": company.preferences()}))


@routes.post("/<resource>/<entity_id>/send")
def send(realm_id: str, resource: str, entity_id: str):
    """Email an invoice (or estimate / sales receipt) to ``sendTo`` or its BillEmail."""
    entity_name = entities.RESOURCES.get(resource.lower())

    def operation(company: Company):
        if entity_name not in entities.SENDABLE:
            raise errors.unsupported_operation(f"send on {resource}")
        txn = sales.send(company, entity_name, entity_id, request.args.get("sendTo"))
        return 200, {entity_name: txn}

    return serve(realm_id, operation)


@routes.get("/<resource>/<entity_id>")
def read(realm_id: str, resource: str, entity_id: str):
    """Read one entity by Id."""
    entity_name = entities.RESOURCES.get(resource.lower())

    def operation(company: Company):
        if entity_name is None:
            raise errors.unsupported_operation(f"read on {resource}")
        return 200, {entity_name: entities.read(company, entity_name, entity_id)}

    return serve(realm_id, operation)


@routes.post("/<resource>")
def write(realm_id: str, resource: str):
    """Create an entity, or update it when the body carries an Id."""
    entity_name = entities.RESOURCES.get(resource.lower())
    strict = emulator().config.strict_schema
    include = request.args.get("include", "").lower().split(",")
    operation_name = request.args.get("operation", "").lower()

    def operation(company: Company):
        if entity_name not in entities.CREATABLE:
            raise errors.unsupported_operation(f"create on {resource}")
        if operation_name == "void" and entity_name == "Invoice":
            return 200, {"Invoice": _void(company, _json_body())}
        if operation_name not in ("", "create", "update") or "void" in include:
            raise errors.unsupported_operation(
                f"{operation_name or 'void'} on {entity_name} in this emulator")
        stored = entities.write(company, entity_name, _json_body(),
                                allow_duplicate_doc_number="allowduplicatedocnum" in include,
                                strict_schema=strict)
        return 200, {entity_name: stored}

    return serve(realm_id, operation)


def _void(company: Company, body: dict) -> dict:
    invoice = company.get("Invoice", str(body.get("Id") or ""))
    if invoice is None:
        raise errors.object_not_found("Id")
    if str(body.get("SyncToken")) != str(invoice.get("SyncToken")):
        raise errors.stale_object()
    notifications.void(company, invoice)
    emulator().webhooks.changed(company.realm_id, "Invoice", invoice["Id"], "Void")
    return invoice


def _json_body():
    try:
        return wire.loads(request.get_data() or b"")
    except JSONDecodeError as failure:
        raise errors.unsupported_property(
            "", f"Unexpected character in the JSON body ({failure.msg}) at char {failure.pos}"
        ) from None
