"""The "QuickBooks" deal property group and its properties (SPEC §10), created idempotently."""

from __future__ import annotations

import logging

from statussync.derive import STATUSES

log = logging.getLogger(__name__)

GROUP = {"name": "quickbooks", "label": "QuickBooks", "displayOrder": -1}
# Scopes status sync needs beyond the read scopes (hubspot reference §10.5).
WRITE_SCOPES = ("crm.objects.deals.write", "crm.schemas.deals.write")
REINSTALL = "reinstall to enable status sync"


def _prop(name: str, label: str, type_: str, field_type: str, **extra) -> dict:
    return {"name": name, "label": label, "type": type_, "fieldType": field_type,
            "groupName": GROUP["name"], **extra}


PROPERTIES = (
    _prop("qbo_invoice_number", "QuickBooks invoice number", "string", "text"),
    _prop("qbo_invoice_status", "QuickBooks invoice status", "enumeration", "select",
          options=[{"label": s.replace("_", " ").capitalize(), "value": s,
                    "displayOrder": n, "hidden": False} for n, s in enumerate(STATUSES)]),
    _prop("qbo_amount_paid", "QuickBooks amount paid", "number", "number",
          numberDisplayHint="currency"),
    _prop("qbo_balance", "QuickBooks balance", "number", "number",
          numberDisplayHint="currency"),
    _prop("qbo_due_date", "QuickBooks due date", "date", "date"),
    _prop("qbo_invoice_url", "QuickBooks invoice link", "string", "text"),
    _prop("qbo_synced_at", "QuickBooks status synced at", "datetime", "date"),
)
NAMES = tuple(p["name"] for p in PROPERTIES)


def missing_scopes(granted: str | tuple | list) -> list[str]:
    """The write scopes a portal's token lacks (an older install)."""
    have = set(granted.split() if isinstance(granted, str) else granted)
    return [s for s in WRITE_SCOPES if s not in have]


def setup(client) -> dict[str, int]:
    """Create the group and any missing property; {"created": n, "existing": m}."""
    created = 0
    if client.property_group("deals", GROUP["name"]) is None:
        client.create_property_group("deals", GROUP)
        created += 1
    existing = client.property_names("deals")
    for definition in PROPERTIES:
        if definition["name"] not in existing:
            client.create_property("deals", definition)
            created += 1
    return {"created": created, "existing": len(PROPERTIES) + 1 - created}


def setup_portal(runtime, portal) -> str:
    """At install: create the properties when the token allows it; what happened, in words."""
    lacking = missing_scopes(portal.scopes or "")
    if lacking:
        return REINSTALL
    try:
        setup(runtime.hubspot_client(portal.id))
    except Exception as exc:  # the install itself succeeded; `hubspot setup-properties` retries
        log.warning("could not create the QuickBooks deal properties for %s: %s", portal.id, exc)
        return f"could not create the deal properties: {exc}"
    return "ok"
