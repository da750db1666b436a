"""POST /sandbox/run/<slug>: the dashboard's "Try an action" panel runs a demo execution."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session

import accounts
from actions import ACTIONS
from executions import ledger
from web.csrf import csrf_protected
from web.http import BadRequest

bp = Blueprint("sandbox", __name__)
_RESERVED = {"record", "next", "csrf_token"}


@bp.post("/sandbox/run/<slug>")
@csrf_protected
def run_action(slug: str):
    """Run an action on a demo record as a HubSpot workflow would (sandbox only).

    ---
    post:
        operationId: sandboxRun
        tags: [Sandbox]
        security: [{DashboardSession: []}]
        parameters:
          - {name: record, in: query, required: true, schema: {type: string},
             description: "deal:<id or role>, quote:<...> or payment:<...>, e.g. deal:basic"}
          - {name: next, in: query, required: false, schema: {type: string},
             description: "A path on this server to go to; {execution_id} is filled in."}
        responses:
          "200":
            description: The delivery's callbackId, state, output fields and execution id.
            content: {application/json: {schema: {type: object}}}
          "302":
            description: To the next path.
            headers: {Location: Location}
          "400": FormRefused
          "404": UnknownName
    """
    if slug not in ACTIONS:
        raise BadRequest(f"unknown action {slug!r}; expected one of {', '.join(ACTIONS)}", 404)
    sandbox = current_app.extensions["sandbox"]
    sandbox.start()
    object_type, object_id = sandbox.record(request.values.get("record", ""))
    inputs = {k: v for k, v in request.values.items() if k not in _RESERVED}
    inputs.setdefault("quickbooks_company", sandbox.companies[0].realm_id)
    portal_id = accounts.signed_in_portal(session)
    if portal_id not in sandbox.hubspot.portals:
        portal_id = sandbox.portal_id
    delivery = sandbox.driver(portal_id).execute(slug, object_type, object_id, inputs,
                                                 retry=False)  # fmt: skip
    execution = ledger.by_callback(sandbox.runtime.db, portal_id, delivery.callback_id)
    execution_id = execution.id if execution else None
    target = request.values.get("next", "")
    # Only a path on this server: "//host" and "/\\host" would leave it.
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if local and execution_id is not None:
        return redirect(target.replace("{execution_id}", str(execution_id)))
    return {
        "callbackId": delivery.callback_id, "status": delivery.status, "state": delivery.state,
        "outputFields": delivery.output_fields, "execution_id": execution_id,
        "portal_id": portal_id, "record": {"type": object_type, "id": object_id},
    }  # fmt: skip
