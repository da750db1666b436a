"""Association reads on 2026-03: a record's list and the batch read, type ids and labels (§6.3)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .api import current_emulator, json_body, reject_unknown_fields, validation_error
from .catalog import ObjectType
from .crm import read_grant, resolve_type
from .state import AssociationType, iso_time

bp = Blueprint("associations", __name__)

PAGE_LIMIT = 500
BATCH_LIMIT = 1000  # §6.3: up to 1,000 inputs


def _to_json(to_id: str, types: list[AssociationType]) -> dict:
    return {"toObjectId": int(to_id), "associationTypes": [a.as_json() for a in types]}


def _page(items: list, after: str | None, limit: int) -> tuple[list, str | None]:
    """One page of items and the cursor of the next (an offset, opaque to clients)."""
    start = int(after) if after and after.isdigit() else 0
    page = items[start:start + limit]
    return page, (str(start + limit) if start + limit < len(items) else None)


def read_v4(from_key: str, object_id: str, to_key: str):
    """GET the records of one type associated with a record, with their association types."""
    from_t, to_t = resolve_type(from_key), resolve_type(to_key)
    portal = read_grant(from_t, to_t)
    limit = request.args.get("limit", default=PAGE_LIMIT, type=int)
    if not 1 <= limit <= PAGE_LIMIT:
        raise validation_error(f"limit must be between 1 and {PAGE_LIMIT}")
    linked = portal.associations(from_t, object_id, to_t)
    page, cursor = _page(linked, request.args.get("after"), limit)
    body: dict = {"results": [_to_json(to_id, types) for to_id, types in page]}
    if cursor is not None:
        body["paging"] = {"next": {"after": cursor,
                                   "link": f"{request.base_url}?limit={limit}&after={cursor}"}}
    return jsonify(body)


def batch_read_v4(from_key: str, to_key: str):
    """POST batch/read: associations of up to 1,000 records; 207 for ids with none."""
    from_t, to_t = resolve_type(from_key), resolve_type(to_key)
    portal = read_grant(from_t, to_t)
    clock = current_emulator().clock
    started = clock.now()
    body = json_body()
    reject_unknown_fields(body, ("inputs",), "BatchInputPublicFetchAssociationsBatchRequest")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) and "id" in i for i in inputs):
        raise validation_error("inputs must be a list of {\"id\": ...} objects")
    if len(inputs) > BATCH_LIMIT:
        raise validation_error(f"Batch input limit exceeded: {len(inputs)} inputs given, the "
                               f"maximum is {BATCH_LIMIT}")
    results, errors = [], []
    for item in inputs:
        from_id = str(item["id"])
        linked = portal.associations(from_t, from_id, to_t)
        if not linked:
            errors.append(_none_found(from_t, to_t, from_id))
            continue
        page, cursor = _page(linked, item.get("after"), PAGE_LIMIT)
        result: dict = {"from": {"id": from_id},
                        "to": [_to_json(to_id, types) for to_id, types in page]}
        if cursor is not None:
            result["paging"] = {"next": {"after": cursor}}
        results.append(result)
    answer: dict = {"status": "COMPLETE", "results": results}
    if errors:
        answer.update(numErrors=len(errors), errors=errors)
    answer.update(startedAt=iso_time(started), completedAt=iso_time(clock.now()))
    response = jsonify(answer)
    response.status_code = 207 if errors else 200
    return response


def _none_found(from_t: ObjectType, to_t: ObjectType, from_id: str) -> dict:
    # HubSpot reports records without associations (or unknown ids) as per-id errors.
    return {"status": "error", "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "context": {"fromObjectId": [from_id]},
            "message": f"No {to_t.singular} is associated with {from_t.singular} {from_id}."}


bp.add_url_rule("/crm/objects/2026-03/<from_key>/<object_id>/associations/<to_key>",
                "read_dated", read_v4, methods=["GET"])
bp.add_url_rule("/crm/associations/2026-03/<from_key>/<to_key>/batch/read", "batch_read_dated",
                batch_read_v4, methods=["POST"])
