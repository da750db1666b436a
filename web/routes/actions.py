"""POST /hubspot/actions/<slug>: HubSpot's workflow action executions."""

from __future__ import annotations

from flask import Blueprint

from accounts import details as account_details
from actions import ACTIONS
from executions import deliveries
from failures import CompanyRefused
from observability import logs
from schemas.execution import ExecutionRequestSchema
from schemas.records import record_type
from store.companies import check_company
from web.http import BadRequest, json_object, load, runtime
from web.signatures import hubspot_signed

bp = Blueprint("actions", __name__)
_payload_schema = ExecutionRequestSchema()


@bp.post("/hubspot/actions/<slug>")
@hubspot_signed
def execute(slug: str):
    """Run (or queue) one execution of an action and answer its output fields.

    ---
    post:
        operationId: executeAction
        tags: [HubSpot]
        security:
          - {HubSpotSignatureV3: [], HubSpotTimestamp: []}
          - {HubSpotSignatureV2: []}
        requestBody:
          required: true
          content: {application/json: {schema: ExecutionRequest}}
        responses:
          "200":
            description: The output fields (or BLOCK in queue mode).
            content: {application/json: {schema: ExecutionResponse}}
          "400": BadPayload
          "401": Unsigned
          "403": ForeignCompany
          "404": UnknownName
          "413": TooLarge
          "429": Throttled
          "503": Unavailable
    """
    action = ACTIONS.get(slug)
    if action is None:
        raise BadRequest(f"unknown action {slug!r}; expected one of {', '.join(ACTIONS)}", 404)
    payload = json_object()
    data = load(_payload_schema, payload)
    logs.bind(portal_id=data["origin"]["portalId"], callback_id=data["callbackId"], action=slug)
    kind = record_type(data["object"]["objectType"])
    if not action.accepts(kind):
        accepted = ", ".join(rt.name for rt in action.record_types)
        raise BadRequest(f"{slug} runs on {accepted} records, not {kind.name}")
    inputs = load(action.input_schema, _present(data["inputFields"]), prefix="inputFields")
    rt = runtime()
    try:
        check_company(rt.db, data["origin"]["portalId"], inputs)
    except CompanyRefused as refused:
        raise BadRequest(str(refused), 403) from None
    if rt.queue is None:
        # Inline mode has no maintenance loop: the portal's account details are refreshed
        # here once a day old (queue workers do it in their loop).
        account_details.refresh_if_stale(rt, data["origin"]["portalId"])
    body, status, headers = deliveries.handle(rt, action, data, payload)
    return body, status, headers


def _present(fields: dict) -> dict:
    """Blank inputs mean 'use the default'."""
    return {k: v for k, v in fields.items() if v is not None and v != ""}
