"""Sandbox status sync demo: the QBO emulator's webhooks into this server, and "pay" buttons."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for

from executions import ledger
from statussync import properties
from store import portals
from web.csrf import csrf_protected
from web.http import BadRequest

bp = Blueprint("sandbox_status", __name__)
VERIFIER = "sandbox-webhook-verifier-token"


def wire(sandbox) -> None:
    """Point the emulator's webhooks here and create the deal properties (demo portal)."""
    runtime = sandbox.runtime
    token = runtime.settings.quickbooks_webhook_verifier_token or VERIFIER
    runtime.settings = runtime.settings.replace(quickbooks_webhook_verifier_token=token)
    sandbox.quickbooks.webhooks.configure(
        url=f"{runtime.settings.public_base_url}/quickbooks/webhooks", verifier_token=token)
    properties.setup_portal(runtime, portals.get_portal(runtime.db, sandbox.portal_id
                                                      or sandbox.seeded["portal_id"]))


@bp.post("/sandbox/executions/<int:execution_id>/pay")
@csrf_protected
def pay_invoice(execution_id: int):
    """Pay a demo invoice in the QuickBooks emulator (all of it, or ``amount``)."""
    sandbox = current_app.extensions["sandbox"]
    execution = ledger.by_id(sandbox.runtime.db, execution_id)
    if execution is None or not execution.qbo_id or not sandbox.started:
        raise BadRequest(f"execution {execution_id} booked no invoice in the sandbox", 404)
    amount = request.values.get("amount") or None
    try:
        sandbox.quickbooks.pay_invoice(execution.realm_id, execution.qbo_id, amount)
    except Exception as exc:  # the emulator's validation fault, shown to the user
        flash(f"The QuickBooks emulator refused the payment: {exc}", "error")
    else:
        flash("Paid in the QuickBooks emulator: its webhook updates the deal in a moment.", "ok")
    return redirect(url_for("dashboard.execution_detail", execution_id=execution_id))
