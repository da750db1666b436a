"""create-sales-receipt on HubSpot payments, through the real endpoint against both emulators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.crm import contact, line, make_payment, outputs, qbo_named, reset_calls
from tests.support.payments import (
    account_id,
    call_counts,
    method_id,
    only,
    xsd_checked,  # noqa: F401  (fixture: every body sent must validate against the XSD)
)

SLUG = "create-sales-receipt"


@pytest.fixture
def us(world):
    return world.connect_company()


def test_sales_receipt_from_a_payment_has_method_reference_date_and_deposit(world, us):
    payment = make_payment(world, "300.00", [line("Consulting", "150.00", "2", sku="CONS-H")],
                           contact(world), reference="pi_3PqXy", method_type="card",
                           hs_initiated_date="2025-06-02")
    checking = account_id(us, "Checking")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                {"deposit_account": checking}))
    qbo, hubspot = call_counts(world)
    receipt = only(us, "SalesReceipt")
    assert out["result"] == "created" and out["qbo_id"] == receipt["Id"]
    assert out["qbo_total"] == "300.00"
    assert receipt["DepositToAccountRef"]["value"] == checking
    assert receipt["PaymentMethodRef"]["value"] == method_id(us, "Credit Card")
    assert receipt["PaymentRefNum"] == "pi_3PqXy"
    assert receipt["TxnDate"] == "2025-06-02"
    assert receipt["TotalAmt"] == Decimal("300.00")
    # Cold (measured 5): customer lookup + create, item by SKU, payment methods, SalesReceipt.
    assert qbo <= 5 and hubspot == 3, qbo


@pytest.mark.parametrize(("method_type", "expected"), [
    ("card", "Credit Card"), ("ach", "ACH"), ("cash", "Cash"), ("check", "Check"),
    ("wire_transfer", "ACH"), ("sepa", "ACH"), ("other", None),
])  # fmt: skip
def test_method_type_maps_to_a_quickbooks_payment_method(world, us, method_type, expected):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), method_type=method_type)
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    receipt = only(us, "SalesReceipt")
    if expected is None:
        assert "PaymentMethodRef" not in receipt
    else:
        assert receipt["PaymentMethodRef"]["value"] == method_id(us, expected)


def test_bank_transfer_and_card_brand_names_are_matched_case_insensitively(world, us):
    transfer = us.add("PaymentMethod", {"Name": "bank TRANSFER", "Type": "NON_CREDIT_CARD"})
    visa = us.add("PaymentMethod", {"Name": "Visa", "Type": "CREDIT_CARD"})
    sepa = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                        contact(world), method_type="sepa", currency="USD")
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", sepa))
    card = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                        contact(world, "b@example.com", "B", "C"), method_type="card",
                        hs_payment_method_bank_or_issuer="visa")
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", card))
    first, second = us.entities("SalesReceipt")
    assert first["PaymentMethodRef"]["value"] == transfer["Id"]  # before "ACH"
    assert second["PaymentMethodRef"]["value"] == visa["Id"]  # the brand before "Credit Card"


def test_without_reference_number_the_payment_id_is_the_reference(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world))
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    receipt = only(us, "SalesReceipt")
    assert receipt["PaymentRefNum"] == payment
    assert receipt["DepositToAccountRef"]["value"] == account_id(us, "Undeposited Funds")


def test_long_reference_is_cut_to_quickbooks_21_characters(world, us):
    ref = "ch_3NqXyZ2eZvKYlo2C1a2b3c4d"
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), reference=ref)
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert only(us, "SalesReceipt")["PaymentRefNum"] == ref[:21]


def test_taxable_payment_receipt_totals_what_was_paid(world, us):
    payment = make_payment(world, "108.25", [line("Hardware kit", "100.00", sku="HW-KIT",
                                                  taxable=True)], contact(world))
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    receipt = only(us, "SalesReceipt")
    assert out["result"] == "created" and out["qbo_total"] == "108.25"
    assert receipt["TxnTaxDetail"]["TotalTax"] == Decimal("8.25")


def test_payment_not_succeeded_is_refused(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="processing")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["error_code"] == "PAYMENT_NOT_SUCCEEDED"
    assert us.entities("SalesReceipt") == []


def test_payment_receipt_without_line_items_uses_the_fallback_item(world, us):
    services = qbo_named(us, "Item", "Services")["Id"]
    payment = make_payment(world, "42.10", [], contact(world), method_type="cash")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {"fallback_item": services}))
    receipt = only(us, "SalesReceipt")
    assert out["qbo_total"] == "42.10"
    assert receipt["PaymentMethodRef"]["value"] == method_id(us, "Cash")


def test_foreign_currency_payment_receipt(world):
    mc = world.connect_company(multicurrency=True)
    payment = make_payment(world, "80.00", [line("Consulting", "80.00", sku="CONS-H")],
                           contact(world), currency="EUR")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    receipt = only(mc, "SalesReceipt")
    assert out["result"] == "created" and receipt["CurrencyRef"]["value"] == "EUR"


def test_payment_without_contact_bills_the_payers_email(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           hs_customer_email="payer@example.com")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    customer = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert out["result"] == "created"
    assert customer["PrimaryEmailAddr"]["Address"] == "payer@example.com"


def test_payment_without_contact_or_email_fails_no_contact(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")])
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["error_code"] == "NO_CONTACT"
