"""What a bookkeeper expects on every sales document (SPEC §7): addresses, the link back to
HubSpot, numbering, classes and locations, the estimate an invoice closes, gross amounts."""

from __future__ import annotations

from datetime import datetime

from actions import names, portal
from failures import ActionFailed
from schemas.fields import InvalidValue
from schemas.records import DEAL, PAYMENT, QUOTE
from store import links

DEFAULT_UI_DOMAIN = "app.hubspot.com"
RECORD_WORDS = {DEAL: "deal", QUOTE: "quote", PAYMENT: "payment"}
TITLE_PROPERTY = {DEAL: "dealname", QUOTE: "hs_title", PAYMENT: "hs_reference_number"}


def check_inputs(inputs: dict) -> None:
    """INVALID_INPUT for a mapped value QuickBooks cannot take (never a 400: SPEC §7)."""
    doc_number = inputs.get("doc_number")
    if isinstance(doc_number, str) and len(doc_number.strip()) > names.DOC_NUMBER_MAX:
        raise ActionFailed(
            "INVALID_INPUT",
            f"The 'doc_number' input is {len(doc_number.strip())} characters long; QuickBooks "
            f"allows at most {names.DOC_NUMBER_MAX}. Map a shorter property or leave it empty.",
        )
    for name, value in inputs.items():
        if isinstance(value, InvalidValue):
            raise ActionFailed("INVALID_INPUT", f"The '{name}' input: {value.describe()}.")


def local_dates(inputs: dict, zone) -> None:
    """Date inputs given as moments (epoch ms, ISO datetimes) become the portal's local day."""
    for name, value in list(inputs.items()):
        if isinstance(value, datetime):
            inputs[name] = portal.as_date(value, zone)


def zone(ctx):
    """The portal's time zone (None: UTC)."""
    return portal.portal_zone(portal.portal_of(ctx))


def note_head(ctx, kind, record_id, properties: dict) -> str:
    """`HubSpot deal 123 "Acme renewal": https://app.hubspot.com/contacts/<portal>/record/0-3/123`."""
    row = portal.portal_of(ctx)
    domain = str(getattr(row, "ui_domain", "") or "").strip() or DEFAULT_UI_DOMAIN
    title = str(properties.get(TITLE_PROPERTY.get(kind, "")) or "").strip()
    title = " ".join(title.replace('"', "'").split())[:200]
    named = f' "{title}"' if title else ""
    url = f"https://{domain}/contacts/{ctx.portal_id}/record/{kind.type_id}/{record_id}"
    return f"HubSpot {RECORD_WORDS.get(kind, kind.name.lower())} {record_id}{named}: {url}"


def with_head(ctx, note: str) -> str:
    """A note for a transaction outside the sales documents (Payment, Purchase): the link line
    to the enrolled record first."""
    head = note_head(ctx, ctx.record.type, ctx.record.id, ctx.record.properties or {})
    return "\n".join(p for p in (head, (note or "").strip()) if p)


def extras(ctx, sale) -> dict:
    """The Draft fields SPEC §7 adds, from the sale, the inputs and the connection's
    preferences (read at connect: no QuickBooks call here)."""
    connection = ctx.connection
    bill, ship = sale.bill_address(), sale.ship_address()
    class_id = str(ctx.inputs.get("class") or "").strip()
    tracking = getattr(connection, "class_tracking", "") or ""
    location = str(ctx.inputs.get("location") or "").strip()
    if class_id and not tracking:
        ctx.note("class_ignored", "the company does not track classes")
    if location and not getattr(connection, "track_locations", False):
        ctx.note("location_ignored", "the company does not track locations")
    return {
        "bill_addr": bill.as_qbo() if bill else None,
        "ship_addr": ship.as_qbo() if ship else None,
        "note_head": note_head(ctx, sale.record_type, sale.record_id, sale.properties),
        "auto_number": bool(getattr(connection, "custom_txn_numbers", False)),
        "class_id": class_id if tracking else "",
        "class_per_line": tracking == "line",
        "department": location if getattr(connection, "track_locations", False) else "",
        "tax_inclusive": any(line.tax_included for line in sale.lines),
        "linked_estimate": linked_estimate(ctx, sale),
    }


def linked_estimate(ctx, sale) -> str:
    """For an invoice: the Estimate create-estimate made for the same record, if any."""
    if getattr(getattr(ctx, "action", None), "slug", "") != "create-invoice":
        return ""
    names = list(dict.fromkeys((ctx.execution.object_type, sale.record_type.name,
                                sale.record_type.type_id)))
    link = links.latest_link(ctx.db, ctx.portal_id, ctx.connection.realm_id, "create-estimate",
                             names, str(sale.record_id), qbo_type="Estimate")  # fmt: skip
    return str(link.qbo_id) if link is not None else ""
