"""Factories for HubSpot test records (deals, quotes, payments) in the emulator's portal.

    deal = make_deal(world, lines=[line("Consulting", "150", qty="2", sku="CONS-H")],
                     contact=contact(world, "jane@example.com", "Jane", "Doe"),
                     company=company(world, "Doe LLC"))
    world.execute("create-invoice", "DEAL", deal)

``lines`` take ``line(...)`` dicts; ``contact``/``company`` take an id (or None). Payments:
``make_payment(world, amount="100.00", lines=[], contact=...)``.
"""

from __future__ import annotations

from decimal import Decimal

from emulators.hubspot.catalog import object_type

QUOTE_SIGNER = 702


def line(
    name: str,
    price: str,
    qty: str = "1",
    *,
    sku: str | None = None,
    amount: str | None = None,
    taxable: bool = False,
    description: str | None = None,
    **extra,
) -> dict:
    """Properties of one HubSpot line item; ``amount`` defaults to qty × price (no discount)."""
    props = {
        "name": name,
        "price": price,
        "quantity": qty,
        "amount": amount if amount is not None else str(Decimal(qty) * Decimal(price)),
    }
    if sku is not None:
        props["hs_sku"] = sku
    if taxable:
        props["hs_tax_rate_group_id"] = "1001"
    if description is not None:
        props["description"] = description
    props.update(extra)
    return props


def contact(
    world,
    email: str | None = "jane.doe@example.com",
    first: str | None = "Jane",
    last: str | None = "Doe",
) -> str:
    """A HubSpot contact (the existing one when the email is taken: HubSpot dedupes by email);
    None leaves a property out."""
    if email:
        existing = world.portal.find(object_type("contacts"), "email", email)
        if existing is not None:
            return existing.id
    props = {
        k: v
        for k, v in (("email", email), ("firstname", first), ("lastname", last))
        if v is not None
    }
    return world.portal.create("contacts", props)


def company(world, name: str = "Doe LLC") -> str:
    """A HubSpot company."""
    return world.portal.create("companies", {"name": name})


def _attach(world, parent_type: str, parent_id: str, lines, contacts, company_id) -> None:
    portal = world.portal
    for props in lines or []:
        line_id = portal.create("line_items", props)
        portal.associate(parent_type, parent_id, "line_items", line_id)
    for contact_id in contacts:
        portal.associate(parent_type, parent_id, "contacts", contact_id)
    if company_id:
        portal.associate(parent_type, parent_id, "companies", company_id)


def _listed(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def make_deal(
    world,
    lines=(),
    contact=None,
    company=None,
    *,
    currency: str | None = "USD",
    name: str = "Test deal",
    **props,
) -> str:
    """A deal with its line items, contact(s) and company."""
    values = {"dealname": name, **props}
    if currency:
        if currency not in world.portal.currencies:
            world.portal.currencies.append(currency)  # an admin added it to the account
        values["deal_currency_code"] = currency
    deal_id = world.portal.create("deals", values)
    _attach(world, "deals", deal_id, lines, _listed(contact), company)
    return deal_id


def make_quote(
    world,
    lines=(),
    contact=None,
    company=None,
    *,
    signer: str | None = None,
    currency: str | None = "USD",
    expiration: str = "2030-01-31",
    title: str = "Test quote",
    **props,
) -> str:
    """A quote; ``signer`` is associated as the e-signature signer (type 702)."""
    values = {"hs_title": title, "hs_expiration_date": expiration, **props}
    if currency:
        values["hs_currency"] = currency
    quote_id = world.portal.create("quotes", values)
    _attach(world, "quotes", quote_id, lines, _listed(contact), company)
    if signer:
        world.portal.associate("quotes", quote_id, "contacts", signer, type_id=QUOTE_SIGNER)
    return quote_id


def make_payment(
    world,
    amount: str = "100.00",
    lines=(),
    contact=None,
    company=None,
    *,
    currency: str | None = "USD",
    status: str = "succeeded",
    fees: str | None = None,
    refunds: str | None = None,
    source_app: str = "SALES_CHECKOUT",
    reference: str | None = None,
    method_type: str = "card",
    **props,
) -> str:
    """A HubSpot payment (commerce_payments) with optional line items, contact and company."""
    values = {
        "hs_initial_amount": amount,
        "hs_latest_status": status,
        "hs_payment_source_app": source_app,
        "hs_payment_method_type": method_type,
        **props,
    }
    if currency:
        values["hs_currency_code"] = currency
    if fees is not None:
        values["hs_fees_amount"] = fees
    if refunds is not None:
        values["hs_refunds_amount"] = refunds
    if reference is not None:
        values["hs_reference_number"] = reference
    payment_id = world.portal.create("commerce_payments", values)
    _attach(world, "commerce_payments", payment_id, lines, _listed(contact), company)
    return payment_id


# --- reading results -------------------------------------------------------------------------


def outputs(response) -> dict:
    """The outputFields of an execution response (asserting HubSpot got a 200)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["outputFields"]


def qbo_named(company, entity: str, name: str) -> dict:
    """A stored QuickBooks entity by DisplayName or Name (inactive ones included)."""
    for row in company.entities(entity):
        if name in (row.get("DisplayName"), row.get("Name")):
            return row
    raise KeyError(f"no {entity} named {name!r}")


def qbo_calls(world, path_part: str = "") -> list[dict]:
    """QuickBooks API calls the emulator received (optionally only paths containing a part)."""
    return [
        c for c in world.quickbooks.calls if c["path"].startswith("/v3/") and path_part in c["path"]
    ]


def hubspot_calls(world) -> list[dict]:
    """HubSpot CRM API calls the emulator received."""
    return [c for c in world.hubspot.calls if c["path"].startswith("/crm/")]


def reset_calls(world) -> None:
    """Forget both emulators' recorded calls (before measuring one execution)."""
    world.quickbooks.reset_calls()
    world.hubspot.reset_calls()
