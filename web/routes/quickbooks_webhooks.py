"""`POST /quickbooks/webhooks`: Intuit's notifications, recorded and acknowledged at once (§10)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, request

from statussync import webhooks
from store import status as rows
from web.http import runtime

log = logging.getLogger(__name__)
bp = Blueprint("quickbooks_webhooks", __name__)
JOB_FUNCTION = "jobs.status.settle_events"


@bp.post("/quickbooks/webhooks")
def receive():
    """Verify, record (deduplicated by event id), answer 200; settling happens afterwards.

    ---
    post:
        operationId: quickbooksWebhooks
        tags: [QuickBooks]
        security: [{IntuitSignature: []}]
        requestBody:
            required: true
            content:
                application/json: {schema: {oneOf: [{type: object}, {type: array}]}}
                application/cloudevents+json: {schema: {type: array}}
        responses:
          "200":
            description: "Recorded; `new` counts events not seen before."
            content:
                application/json:
                    schema:
                        type: object
                        properties: {received: {type: integer}, new: {type: integer}}
          "400":
            description: "Neither payload format."
            content: {application/json: {schema: Error}}
          "401":
            description: "The intuit-signature header does not match the body."
            content: {application/json: {schema: Error}}
          "404":
            description: "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN is not set."
            content: {application/json: {schema: Error}}
          "413":
            description: "The body is over 1 MiB."
            content: {application/json: {schema: Error}}
    """
    rt = runtime()
    token = rt.settings.quickbooks_webhook_verifier_token
    if not token:
        abort(404)
    body = request.get_data(cache=False)
    if not webhooks.verified(body, request.headers.get("intuit-signature"), token):
        return {"error": "invalid intuit-signature"}, 401
    try:
        events = webhooks.parse(body)
    except webhooks.BadPayload as exc:
        return {"error": str(exc)}, 400
    new = rows.record_events(rt.db, events)
    if new:
        _kick(rt)
    return {"received": len(events), "new": new}


def _kick(rt) -> None:
    """Start settling: an RQ job in queue mode, the background thread inline."""
    if rt.queue is not None:
        try:
            rt.queue.rq.enqueue(JOB_FUNCTION, job_timeout=600, result_ttl=600)
            return
        except Exception:  # Redis down: the worker's maintenance picks the events up later
            log.exception("could not enqueue status settling")
            return
    current_app.extensions["status_settler"].wake()
