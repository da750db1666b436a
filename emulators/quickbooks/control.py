"""The ``/_emulator`` control API, so tests can drive an emulator running in another process."""

from __future__ import annotations

from flask import Blueprint, request

from .gateway import emulator, json_response

routes = Blueprint("qbo_control", __name__, url_prefix="/_emulator")


def _body() -> dict:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def _error(message: str, status: int = 400):
    return json_response({"error": message}, status)


@routes.get("/config")
def get_config():
    """The current settings."""
    return json_response(emulator().config.as_dict())


@routes.post("/config")
def set_config():
    """Change settings, e.g. ``{"per_second": 2, "latency_seconds": 0.05}``."""
    try:
        emulator().config.update(_body())
    except (ValueError, TypeError) as failure:
        return _error(str(failure))
    return json_response(emulator().config.as_dict())


@routes.get("/faults")
def list_faults():
    """The armed faults."""
    return json_response({"faults": emulator().faults.pending()})


@routes.post("/faults")
def add_fault():
    """Arm ``{kind, match, count}`` or ``{kind, probability, seed, match}``."""
    body = _body()
    faults = emulator().faults
    try:
        if "probability" in body:
            faults.rate(body.get("kind"), float(body["probability"]), body.get("seed"),
                        body.get("match"))
        else:
            faults.add(body.get("kind"), body.get("match"), int(body.get("count", 1)))
    except (ValueError, TypeError) as failure:
        return _error(str(failure))
    return json_response({"faults": faults.pending()}, 201)


@routes.delete("/faults")
def clear_faults():
    """Disarm every fault."""
    emulator().faults.clear()
    return json_response({"faults": []})


@routes.get("/calls")
def list_calls():
    """Every API and OAuth request received so far."""
    return json_response({"calls": emulator().calls})


@routes.delete("/calls")
def reset_calls():
    """Forget the recorded calls."""
    emulator().reset_calls()
    return json_response({"calls": []})


@routes.get("/oauth")
def oauth_stats():
    """Refresh counts per realm."""
    return json_response({"refresh_counts": emulator().refresh_counts})


@routes.post("/clock/advance")
def advance_clock():
    """Move the emulated clock forward by ``{"seconds": n}``."""
    seconds = _body().get("seconds", 0)
    try:
        emulator().clock.advance(float(seconds))
    except (ValueError, TypeError) as failure:
        return _error(str(failure))
    return json_response({"now": emulator().clock.now()})


@routes.get("/companies")
def list_companies():
    """The companies and their settings."""
    return json_response({"companies": [_describe(c) for c in emulator().companies.values()]})


@routes.post("/companies")
def add_company():
    """Create and seed a company: ``{realm_id, name, country, home_currency, multicurrency}``."""
    body = _body()
    if not body.get("realm_id") or not body.get("name"):
        return _error("realm_id and name are required")
    if body["realm_id"] in emulator().companies:
        return _error(f"company {body['realm_id']} exists", 409)
    options = {k: body[k] for k in ("country", "home_currency", "multicurrency",
                                     "custom_txn_numbers") if k in body}
    company = emulator().add_company(str(body["realm_id"]), str(body["name"]), **options)
    return json_response(_describe(company), 201)


@routes.patch("/companies/<realm_id>")
def change_company(realm_id: str):
    """Toggle ``multicurrency`` or ``custom_txn_numbers`` on a company."""
    company = emulator().companies.get(realm_id)
    if company is None:
        return _error(f"unknown company {realm_id}", 404)
    body = _body()
    with emulator().lock:
        for key in ("multicurrency", "custom_txn_numbers"):
            if key in body:
                setattr(company, key, bool(body[key]))
    return json_response(_describe(company))


@routes.get("/companies/<realm_id>/entities/<entity_name>")
def list_entities(realm_id: str, entity_name: str):
    """Every stored entity of a type, inactive ones included."""
    company = emulator().companies.get(realm_id)
    if company is None:
        return _error(f"unknown company {realm_id}", 404)
    return json_response({entity_name: company.entities(entity_name)})


@routes.post("/companies/<realm_id>/entities/<entity_name>")
def store_entity(realm_id: str, entity_name: str):
    """Store an entity as-is, bypassing the business rules."""
    company = emulator().companies.get(realm_id)
    if company is None:
        return _error(f"unknown company {realm_id}", 404)
    return json_response({entity_name: company.add(entity_name, _body())}, 201)


@routes.post("/tokens/<realm_id>")
def issue_tokens(realm_id: str):
    """A token pair for a company without the browser flow."""
    if realm_id not in emulator().companies:
        return _error(f"unknown company {realm_id}", 404)
    return json_response(emulator().issue_tokens(realm_id), 201)


def _describe(company) -> dict:
    return {"realm_id": company.realm_id, "name": company.name, "country": company.country,
            "home_currency": company.home_currency, "multicurrency": company.multicurrency,
            "custom_txn_numbers": company.custom_txn_numbers}


@routes.get("/webhooks")
def get_webhooks():
    """Where webhooks go and in which format."""
    return json_response(emulator().webhooks.settings())


@routes.post("/webhooks")
def set_webhooks():
    """Set ``{url, format: cloudevents|legacy, verifier_token, batch_seconds, max_events}``."""
    try:
        return json_response(emulator().webhooks.configure(**_body()))
    except (ValueError, TypeError) as failure:
        return _error(str(failure))


@routes.post("/companies/<realm_id>/invoices/<invoice_id>/pay")
def pay_invoice(realm_id: str, invoice_id: str):
    """Receive a payment for an invoice: ``{"amount": "40.00"}`` or the whole balance."""
    from .errors import QboError

    try:
        payment = emulator().pay_invoice(realm_id, invoice_id, _body().get("amount"))
    except KeyError as missing:
        return _error(str(missing), 404)
    except QboError as failure:
        return _error(str(failure))
    return json_response({"Payment": payment}, 201)


@routes.post("/companies/<realm_id>/invoices/<invoice_id>/void")
def void_invoice(realm_id: str, invoice_id: str):
    """Void an invoice."""
    try:
        return json_response({"Invoice": emulator().void_invoice(realm_id, invoice_id)})
    except KeyError as missing:
        return _error(str(missing), 404)
