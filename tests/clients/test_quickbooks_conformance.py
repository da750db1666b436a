"""Every body the product sends to QuickBooks validates against Intuit's XSD.

The QuickBooks client is wrapped to keep each create's (entity, body) as sent; a spread of
executions (new customers and items, discounts, US and non-US tax, foreign currency, every
sales action, emailing) then runs through the real endpoint against the emulators.
"""

from __future__ import annotations

import pytest

from emulators.quickbooks.schema import validate
from tests.support.crm import (
    company,
    contact,
    line,
    make_deal,
    make_payment,
    make_quote,
    outputs,
    qbo_named,
)
from tests.support.sent import recorded_creates


@pytest.fixture
def sent(monkeypatch):
    """The (entity, body) of every create the product sends, in order."""
    with recorded_creates(monkeypatch) as bodies:
        yield bodies


def test_every_body_sent_validates_against_the_xsd(world, sent):
    us = world.connect_company(multicurrency=True)
    net30 = qbo_named(us, "Term", "Net 30")
    checking = qbo_named(us, "Account", "Checking")
    card = qbo_named(us, "PaymentMethod", "Credit Card")
    services = qbo_named(us, "Item", "Services")
    jane = contact(world, "o'brien\\ü@exämple.com", "Siobhán", "O'Brien")
    org = company(world, "Café O'Reilly \\ Söhne")
    lines = [
        line("Consulting", "150.00", "1.5", sku="CONS-H"),
        line(
            "Brand new 'thing'",
            "99.99",
            "2",
            sku="NEW\\1",
            amount="180.00",
            description="A new product",
            hs_recurring_billing_start_date="2025-06-01",
        ),
        line("Hardware kit", "499.00", sku="HW-KIT", taxable=True),
    ]
    everything = {
        "create_missing_products": "true",
        "payment_terms": net30["Id"],
        "invoice_date": "2025-06-01",
        "due_date": "2025-07-15",
        "customer_memo": "Merci",
        "private_note": "HubSpot",
        "doc_number": "HS-1",
        "send_email": "true",
    }
    runs = [
        ("create-invoice", "DEAL", make_deal(world, lines, jane, org), everything),
        (
            "create-estimate",
            "QUOTE",
            make_quote(world, lines, signer=jane),
            {"send_email": "true", "customer_memo": "Quote"},
        ),
        (
            "create-sales-receipt",
            "DEAL",
            make_deal(world, lines, jane),
            {"deposit_account": checking["Id"], "payment_method": card["Id"]},
        ),
        (
            "create-invoice",
            "DEAL",
            make_deal(
                world,
                lines[:1],
                contact(world, "eur@example.com", "Eu", "Ro"),
                company(world, "Globex Corporation"),
                currency="EUR",
            ),
            {},
        ),
        (
            "create-sales-receipt",
            "COMMERCE_PAYMENT",
            make_payment(world, "42.00", contact=jane, reference="ch_1"),
            {"fallback_item": services["Id"]},
        ),
    ]
    for slug, kind, record, inputs in runs:
        out = outputs(world.execute(slug, kind, record, inputs))
        assert out["result"] == "created", (slug, out)

    world.connect_company("9130350000000002", country="CA", currency="CAD")
    gst = qbo_named(world.quickbooks.companies["9130350000000002"], "TaxCode", "GST")
    ca_deal = make_deal(world, lines[:2], jane, org, currency="CAD")
    out = outputs(
        world.execute(
            "create-invoice",
            "DEAL",
            ca_deal,
            {
                "tax_code": gst["Id"],
                "quickbooks_company": "9130350000000002",
                "create_missing_products": "true",
            },
        )
    )
    assert out["result"] == "created", out

    kinds = {entity for entity, _ in sent}
    assert {"Customer", "Item", "Invoice", "Estimate", "SalesReceipt"} <= kinds
    for entity, body in sent:
        assert validate(entity, body) == [], (entity, body)
