"""The /_emulator/ control API: drive the emulator from another process (config, faults, data)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .api import current_emulator

bp = Blueprint("control", __name__, url_prefix="/_emulator")


def _bad(message: str):
    answer = jsonify({"error": message})
    answer.status_code = 400
    return answer


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/config")
def get_config():
    """The current settings."""
    return jsonify(current_emulator().config.as_dict())


@bp.post("/config")
def set_config():
    """Change settings, e.g. {"rate_limit": 5, "latency_seconds": 0.2}."""
    emu = current_emulator()
    try:
        emu.config.update(_body())
    except KeyError as exc:
        return _bad(f"unknown setting {exc.args[0]!r}")
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))
    return jsonify(emu.config.as_dict())


@bp.post("/faults")
def add_fault():
    """Add a fault: {"kind", "match"?, "count"?} or {"kind", "probability", "seed"?, "match"?}."""
    emu = current_emulator()
    body = _body()
    try:
        if "probability" in body:
            emu.faults.rate(body.get("kind", ""), body["probability"], body.get("seed"),
                            match=body.get("match"))
        else:
            emu.faults.add(body.get("kind", ""), body.get("match"), body.get("count", 1))
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))
    return jsonify({"faults": emu.faults.rules()}), 201


@bp.get("/faults")
def list_faults():
    """The active fault rules."""
    return jsonify({"faults": current_emulator().faults.rules()})


@bp.delete("/faults")
def clear_faults():
    """Remove every fault rule."""
    current_emulator().faults.clear()
    return Response(status=204)


@bp.get("/calls")
def get_calls():
    """Every API request received."""
    return jsonify({"calls": current_emulator().calls})


@bp.delete("/calls")
def reset_calls():
    """Forget the recorded requests."""
    current_emulator().reset_calls()
    return Response(status=204)


@bp.get("/completions")
def get_completions():
    """Every callback completion received."""
    return jsonify({"completions": current_emulator().completions})


@bp.post("/clock/advance")
def advance_clock():
    """Move the emulated clock forward: {"seconds": 1801}."""
    emu = current_emulator()
    try:
        emu.clock.advance(float(_body().get("seconds", 0)))
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))
    return jsonify({"now": emu.clock.now()})


@bp.post("/tokens")
def issue_tokens():
    """Mint a token pair for a portal: {"portal_id", "scopes"?}."""
    body = _body()
    try:
        return jsonify(current_emulator().issue_tokens(int(body["portal_id"]),
                                                       body.get("scopes")))
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"portal_id missing or unknown: {exc}")


@bp.post("/portals")
def add_portal():
    """Create a portal: {"portal_id", "name"?, "currency"?, "currencies"?}."""
    body = _body()
    try:
        portal = current_emulator().add_portal(
            int(body["portal_id"]), body.get("name", "Demo Co"), body.get("currency", "USD"),
            body.get("currencies"))
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(str(exc))
    return jsonify({"portal_id": portal.portal_id}), 201


@bp.post("/portals/<int:portal_id>/objects/<type_key>")
def create_object(portal_id: int, type_key: str):
    """Create a record: {"properties": {...}} → {"id"}."""
    try:
        portal = current_emulator().portal(portal_id)
        record_id = portal.create(type_key, _body().get("properties") or {})
    except (KeyError, ValueError) as exc:
        return _bad(str(exc))
    return jsonify({"id": record_id}), 201


@bp.post("/portals/<int:portal_id>/associations")
def associate(portal_id: int):
    """Associate two records: {"from_type", "from_id", "to_type", "to_id", "type_id"?}."""
    body = _body()
    try:
        current_emulator().portal(portal_id).associate(
            body["from_type"], body["from_id"], body["to_type"], body["to_id"],
            type_id=body.get("type_id"), label=body.get("label"))
    except (KeyError, ValueError) as exc:
        return _bad(str(exc))
    return Response(status=204)


@bp.get("/portals/<int:portal_id>/objects/<type_key>/<record_id>")
def get_object(portal_id: int, type_key: str, record_id: str):
    """A record's stored properties, without auth or rate limits."""
    try:
        return jsonify(current_emulator().portal(portal_id).get(type_key, record_id))
    except (KeyError, ValueError) as exc:
        return _bad(str(exc))


@bp.get("/definitions/<int:app_id>")
def get_definitions(app_id: int):
    """The stored action definitions of an app."""
    return jsonify({"results": current_emulator().definitions(app_id)})
