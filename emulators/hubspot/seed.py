"""Demo data for the sandbox and tests: a portal with deals, a quote and HubSpot payments.

Line items are cloned per parent, as HubSpot does: the same product on a deal, its quote and a
payment appears as three different line items (§6.3).
"""

from __future__ import annotations

from decimal import Decimal

from .emulator import HubSpotEmulator
from .state import Portal

DEMO_PORTAL_ID = 1000001

# SKUs match the QuickBooks emulator's items; TRAIN-99 deliberately has no QuickBooks twin.
PRODUCTS = {
    "consulting": {"name": "Consulting", "hs_sku": "CONS-H", "price": "150.00",
                   "description": "Consulting, per hour"},
    "implementation": {"name": "Implementation", "hs_sku": "IMPL-01", "price": "2500.00",
                       "description": "One-off implementation project"},
    "support": {"name": "Support plan", "hs_sku": "SUP-12", "price": "1200.00",
                "description": "12 months of support", "hs_recurring_billing_period": "P12M"},
    "training": {"name": "Training workshop", "hs_sku": "TRAIN-99", "price": "800.00",
                 "description": "On-site training day"},
}


def seed_demo(emu: HubSpotEmulator, portal_id: int = DEMO_PORTAL_ID) -> dict:
    """Create the demo portal and its records; the ids by role."""
    portal = emu.add_portal(portal_id, name="Demo Co", currency="USD", currencies=["EUR"])
    ids: dict = {"portal_id": portal.portal_id, "line_items": {}}
    products = {role: portal.create("products", props) for role, props in PRODUCTS.items()}
    ids["products"] = products

    contacts = {
        "pat": portal.create("contacts", {"firstname": "Pat", "lastname": "O'Brien",
                                          "email": "pat.obrien@example.com",
                                          "company": "Acme Widgets"}),
        "zoe": portal.create("contacts", {"firstname": "Zoë", "lastname": "Müller",
                                          "email": "zoe.mueller@example.com",
                                          "company": "Müller & Söhne"}),
        "no_email": portal.create("contacts", {"firstname": "Sam", "lastname": "Noemail"}),
    }
    companies = {
        "acme": portal.create("companies", {"name": "Acme Widgets Inc.",
                                            "domain": "acme.example.com", "country": "US"}),
        "mueller": portal.create("companies", {"name": "Müller & Söhne GmbH",
                                               "domain": "mueller.example.de",
                                               "country": "DE"}),
    }
    ids["contacts"], ids["companies"] = contacts, companies
    portal.associate("contacts", contacts["pat"], "companies", companies["acme"], type_id=1)
    portal.associate("contacts", contacts["zoe"], "companies", companies["mueller"], type_id=1)

    def line(role: str, qty: str, price: str | None = None, **extra) -> dict:
        product = PRODUCTS[role]
        unit = price or product["price"]
        props = {"name": product["name"], "description": product["description"],
                 "hs_sku": product["hs_sku"], "quantity": qty, "price": unit,
                 "amount": _money(Decimal(qty) * Decimal(unit)), "hs_product_id": products[role]}
        props.update(extra)
        return props

    basic_lines = [
        line("consulting", "1.5"),
        # A line discount: HubSpot's amount is net of it, below quantity × price.
        line("implementation", "1", discount="250.00", amount="2250.00"),
        line("support", "1", hs_tax_rate_group_id="1001"),
    ]
    deal_specs = {
        "basic": ({"dealname": "Acme Widgets - rollout", "deal_currency_code": "USD",
                   "pipeline": "default", "dealstage": "closedwon", "closedate": "2025-03-31"},
                  basic_lines, "pat", "acme"),
        "eur": ({"dealname": "Müller & Söhne - consulting", "deal_currency_code": "EUR",
                 "pipeline": "default", "dealstage": "closedwon"},
                [line("consulting", "8", "140.00", hs_line_item_currency_code="EUR")],
                "zoe", "mueller"),
        "no_email": ({"dealname": "Walk-in - consulting", "deal_currency_code": "USD"},
                     [line("consulting", "2")], "no_email", None),
        "no_contact": ({"dealname": "Orphan deal", "deal_currency_code": "USD"},
                       [line("consulting", "1")], None, "acme"),
        "unmatched": ({"dealname": "Acme Widgets - training", "deal_currency_code": "USD"},
                      [line("training", "1"), line("consulting", "3")], "pat", "acme"),
    }
    ids["deals"] = {}
    for role, (props, lines, contact, company) in deal_specs.items():
        total = sum(Decimal(li["amount"]) for li in lines)
        deal = portal.create("deals", {**props, "amount": _money(total)})
        ids["deals"][role] = deal
        ids["line_items"][f"deal_{role}"] = _attach_lines(portal, "deals", deal, lines)
        if contact:
            portal.associate("deals", deal, "contacts", contacts[contact])
        if company:
            portal.associate("deals", deal, "companies", companies[company], type_id=5)

    # The accepted, e-signed quote of the basic deal, with its own copies of the lines.
    quote_total = sum(Decimal(li["amount"]) for li in basic_lines)
    quote = portal.create("quotes", {
        "hs_title": "Acme Widgets - rollout quote", "hs_expiration_date": "2025-04-30",
        "hs_currency": "USD", "hs_status": "ACCEPTED", "hs_sign_status": "ESIGN_COMPLETED",
        "hs_quote_amount": _money(quote_total), "hs_quote_number": "Q-1001",
        "hs_esign_enabled": "true", "hs_template_type": "CPQ_QUOTE"})
    ids["quotes"] = {"accepted": quote}
    ids["line_items"]["quote_accepted"] = _attach_lines(portal, "quotes", quote,
                                                        [dict(li) for li in basic_lines])
    portal.associate("quotes", quote, "deals", ids["deals"]["basic"])
    portal.associate("quotes", quote, "contacts", contacts["pat"], type_id=702)  # the signer
    portal.associate("quotes", quote, "contacts", contacts["zoe"])
    portal.associate("quotes", quote, "companies", companies["acme"])

    ids["payments"] = _seed_payments(portal, ids, line)
    _seed_books(portal, ids, line)
    return ids


def _seed_books(portal: Portal, ids: dict, line) -> None:
    """SPEC §7 demo records: an out-of-state US customer, a company whose name has a typographic
    apostrophe, a quote with a quote-level discount and fee (records created last, so the ids
    of the records above do not move)."""
    contacts, companies = ids["contacts"], ids["companies"]
    contacts["nora"] = portal.create("contacts", {
        "firstname": "Nora", "lastname": "York", "email": "nora.york@example.com",
        "phone": "518-555-0100", "address": "5 Main St", "city": "Albany",
        "state": "New York", "zip": "12207", "country": "United States"})
    contacts["liam"] = portal.create("contacts", {
        "firstname": "Liam", "lastname": "O’Neil", "email": "liam@oneil.example",
        "company": "O’Neil Outfitters"})
    companies["oneil"] = portal.create("companies", {
        "name": "O’Neil Outfitters", "address": "200 Congress Ave", "city": "Austin",
        "state": "Texas", "zip": "78701", "country": "USA", "phone": "512-555-0199"})
    portal.associate("contacts", contacts["liam"], "companies", companies["oneil"], type_id=1)
    taxable = [line("consulting", "4", hs_tax_rate_group_id="1001")]
    for role, contact, company in (("out_of_state", "nora", None),
                                   ("apostrophe", "liam", "oneil")):
        deal = portal.create("deals", {"dealname": f"Demo {role.replace('_', ' ')}",
                                       "deal_currency_code": "USD", "amount": "600.00"})
        ids["deals"][role] = deal
        ids["line_items"][f"deal_{role}"] = _attach_lines(portal, "deals", deal,
                                                          [dict(li) for li in taxable])
        portal.associate("deals", deal, "contacts", contacts[contact])
        if company:
            portal.associate("deals", deal, "companies", companies[company], type_id=5)
    # 2 × 150 + 2500 = 2800, −10 % = 2520, + 25 shipping = 2545 (no quote tax).
    lines = [line("consulting", "2"), line("implementation", "1")]
    quote = portal.create("quotes", {
        "hs_title": "O’Neil Outfitters - discounted quote", "hs_expiration_date": "2030-12-31",
        "hs_currency": "USD", "hs_status": "APPROVED", "hs_quote_amount": "2545.00",
        "hs_quote_number": "Q-1002"})
    ids["quotes"]["discounted"] = quote
    ids["line_items"]["quote_discounted"] = _attach_lines(portal, "quotes", quote, lines)
    portal.associate("quotes", quote, "contacts", contacts["liam"])
    portal.associate("quotes", quote, "companies", companies["oneil"])
    discount = portal.create("discounts", {"hs_label": "Launch discount", "hs_type": "PERCENT",
                                           "hs_value": "10", "hs_sort_order": "1"})
    fee = portal.create("fees", {"hs_label": "Shipping", "hs_type": "FIXED", "hs_value": "25"})
    portal.associate("quotes", quote, "discounts", discount)
    portal.associate("quotes", quote, "fees", fee)


def _seed_payments(portal: Portal, ids: dict, line) -> dict:
    contacts, companies = ids["contacts"], ids["companies"]
    common = {"hs_latest_status": "succeeded", "hs_payment_method_type": "card",
              "hs_processor_type": "hs_payments", "hs_payment_source_app": "SALES_CHECKOUT",
              "hs_currency_code": "USD", "hs_refunds_amount": "0.00",
              "hs_customer_email": "pat.obrien@example.com", "hs_payment_method_last_4": "4242",
              "hs_initiated_date": "2025-03-01T10:00:00.000Z", "hs_payment_type":
              "one_time_or_initial"}
    specs = {
        "checkout": ({"hs_fees_amount": "9.00", "hs_reference_number": "ch_3PdemoCheckout"},
                     [line("consulting", "2")], "pat", "acme"),
        "invoice": ({"hs_payment_source_app": "INVOICE", "hs_payment_method_type": "ach",
                     "hs_fees_amount": "5.00", "hs_reference_number": "py_demoInvoice",
                     "hs_has_associated_invoice": "true"},
                    [line("implementation", "1")], "pat", "acme"),
        "refunded": ({"hs_latest_status": "refunded", "hs_fees_amount": "9.00",
                      "hs_refunds_amount": "300.00", "hs_reference_number": "ch_3PdemoRefund"},
                     [line("consulting", "2")], "pat", "acme"),
        "partially_refunded": ({"hs_latest_status": "partially_refunded",
                                "hs_fees_amount": "13.35", "hs_refunds_amount": "150.00",
                                "hs_reference_number": "ch_3PdemoPartial"},
                               [line("consulting", "3")], "pat", "acme"),
        "no_line_items": ({"hs_initial_amount": "125.00", "hs_fees_amount": "3.93",
                           "hs_reference_number": "ch_3PdemoNoLines"}, [], "pat", "acme"),
        "zero_fee": ({"hs_fees_amount": "0.00", "hs_payment_method_type": "check",
                      "hs_processor_type": "none", "hs_reference_number": "CHK-1042"},
                     [line("support", "1")], "pat", "acme"),
        "eur": ({"hs_currency_code": "EUR", "hs_fees_amount": "16.54",
                 "hs_customer_email": "zoe.mueller@example.com",
                 "hs_reference_number": "ch_3PdemoEuro"},
                [line("consulting", "4", "140.00", hs_line_item_currency_code="EUR")],
                "zoe", "mueller"),
    }
    payments = {}
    for role, (extra, lines, contact, company) in specs.items():
        props = {**common, **extra}
        if lines:
            props["hs_initial_amount"] = _money(sum(Decimal(li["amount"]) for li in lines))
        gross, fee = Decimal(props["hs_initial_amount"]), Decimal(props["hs_fees_amount"])
        props["hs_net_amount"] = _money(gross - fee)
        props["hs_net_amount_after_refunds"] = _money(
            gross - fee - Decimal(props["hs_refunds_amount"]))
        payment = portal.create("commerce_payments", props)
        payments[role] = payment
        ids["line_items"][f"payment_{role}"] = _attach_lines(portal, "commerce_payments",
                                                             payment, lines)
        portal.associate("commerce_payments", payment, "contacts", contacts[contact])
        portal.associate("commerce_payments", payment, "companies", companies[company])
    return payments


def _attach_lines(portal: Portal, parent_type: str, parent_id: str, lines: list[dict]) -> list:
    created = []
    for position, props in enumerate(lines, start=1):
        extra = {"hs_position_on_quote": str(position)} if parent_type == "quotes" else {}
        line_id = portal.create("line_items", {**props, **extra})
        portal.associate(parent_type, parent_id, "line_items", line_id)
        created.append(line_id)
    return created


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))
