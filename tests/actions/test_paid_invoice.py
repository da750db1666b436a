"""create-paid-invoice through the real endpoint (signed requests) against both emulators."""

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

SLUG = "create-paid-invoice"


@pytest.fixture
def us(world):
    return world.connect_company()


def settled(company, out: dict) -> tuple[dict, dict]:
    """The one Invoice and the one Payment, asserting the Payment settles the Invoice."""
    invoice = only(company, "Invoice")
    paid = only(company, "Payment")
    assert out["qbo_id"] == invoice["Id"]
    assert invoice["Balance"] == Decimal("0")
    assert {"TxnId": paid["Id"], "TxnType": "Payment"} in invoice["LinkedTxn"]
    assert paid["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert paid["CustomerRef"]["value"] == invoice["CustomerRef"]["value"]
    assert paid["UnappliedAmt"] == Decimal("0")
    return invoice, paid


def test_paid_invoice_is_settled_by_a_linked_payment(world, us):
    payment = make_payment(world, "300.00", [line("Consulting", "150.00", "2", sku="CONS-H")],
                           contact(world), reference="ch_3PqXy", method_type="card",
                           hs_initiated_date="2025-06-01")
    checking = account_id(us, "Checking")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                {"deposit_account": checking}))
    qbo, hubspot = call_counts(world)
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "created"
    assert out["qbo_total"] == "300.00" and out["error_code"] == ""
    invoice, paid = settled(us, out)
    assert out["qbo_customer_id"] == invoice["CustomerRef"]["value"]
    assert invoice["TxnDate"] == "2025-06-01" and invoice["TotalAmt"] == Decimal("300.00")
    assert paid["TotalAmt"] == Decimal("300.00") and paid["Line"][0]["Amount"] == Decimal("300")
    assert paid["DepositToAccountRef"]["value"] == checking
    assert paid["PaymentMethodRef"]["value"] == method_id(us, "Credit Card")  # card → name
    assert paid["PaymentRefNum"] == "ch_3PqXy" and paid["TxnDate"] == "2025-06-01"
    assert f"HubSpot payment {payment}" in paid["PrivateNote"] and "ch_3PqXy" in paid["PrivateNote"]
    # Cold (measured 7): customer lookup + create, item by SKU, Invoice, payment methods,
    # Payment, Invoice read back. HubSpot: the payment with associations, line items, contacts.
    assert qbo <= 7 and hubspot == 3, qbo


def test_warm_paid_invoice_call_counts(world, us):
    jane = contact(world)
    first = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")], jane)
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", first))
    second = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")], jane)
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", second))
    assert out["result"] == "created"
    # Warm cache (customer, item, methods): Invoice, Payment, Invoice read back.
    # HubSpot: the payment with its associations, line items, contacts.
    assert call_counts(world) == (3, 3)


def test_payment_without_line_items_bills_its_amount_on_the_fallback_item(world, us):
    services = qbo_named(us, "Item", "Services")["Id"]
    payment = make_payment(world, "99.50", [], contact(world), method_type="ach")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {"fallback_item": services}))
    invoice, paid = settled(us, out)
    [billed] = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert billed["SalesItemLineDetail"]["ItemRef"]["value"] == services
    assert billed["Amount"] == Decimal("99.50")
    assert paid["PaymentMethodRef"]["value"] == method_id(us, "ACH")
    assert paid["PaymentRefNum"] == payment  # no hs_reference_number: the payment id
    assert "DepositToAccountRef" in paid  # QuickBooks' default, Undeposited Funds
    assert paid["DepositToAccountRef"]["value"] == account_id(us, "Undeposited Funds")


def test_invoice_payment_is_skipped_with_the_reason(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), source_app="INVOICE")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "skipped"
    assert out["error_code"] == "INVOICE_PAYMENT_SKIPPED"
    assert "invoice sync already books" in out["error_message"]
    assert us.entities("Invoice") == [] and us.entities("Payment") == []
    assert call_counts(world) == (0, 0)


def test_invoice_payment_is_booked_when_skipping_is_off(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), source_app="INVOICE")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                {"skip_invoice_payments": "false"}))
    assert out["result"] == "created"
    settled(us, out)


def test_taxable_line_us_books_the_tax_hubspot_collected(world, us):
    # QuickBooks' own rate (8.25 %) would make 108.25; HubSpot charged 10 %: the customer paid
    # 110.00, so the invoice must total 110.00 for the Payment to settle it.
    payment = make_payment(world, "110.00", [line("Hardware kit", "100.00", sku="HW-KIT",
                                                  taxable=True)], contact(world))
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    invoice, paid = settled(us, out)
    [billed] = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert billed["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "TAX"
    assert invoice["TxnTaxDetail"]["TotalTax"] == Decimal("10.00")
    assert invoice["TotalAmt"] == paid["TotalAmt"] == Decimal("110.00")
    assert out["qbo_total"] == "110.00"


def test_payment_below_its_lines_fails_before_any_transaction(world, us):
    payment = make_payment(world, "90.00", [line("Consulting", "100.00", sku="CONS-H")],
                           contact(world))
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["hs_execution_state"] == "FAIL_CONTINUE"
    assert out["error_code"] == "PAYMENT_AMOUNT_MISMATCH"
    assert "90.00" in out["error_message"] and "100.00" in out["error_message"]
    assert us.entities("Invoice") == [] and us.entities("Payment") == []


def test_non_us_tax_code_total_must_match_what_was_paid(world):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    gst = qbo_named(ca, "TaxCode", "GST")["Id"]
    payment = make_payment(world, "105.00", [line("Consulting", "100.00", sku="CONS-H")],
                           contact(world), currency="CAD")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {"tax_code": gst}))
    invoice, paid = settled(ca, out)
    assert invoice["TotalAmt"] == Decimal("105.00") and paid["TotalAmt"] == Decimal("105.00")

    # HubSpot charged no tax but the chosen code adds 5 %: no Payment, invoice kept for review.
    untaxed = make_payment(world, "100.00", [line("Consulting", "100.00", sku="CONS-H")],
                           contact(world, "other@example.com", "Other", "Buyer"), currency="CAD")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", untaxed, {"tax_code": gst}))
    assert out["error_code"] == "TOTAL_MISMATCH" and out["result"] == "failed"
    assert "105.00" in out["error_message"] and "100.00" in out["error_message"]
    assert len(ca.entities("Invoice")) == 2 and len(ca.entities("Payment")) == 1
    assert out["qbo_id"] == ca.entities("Invoice")[1]["Id"]


def test_non_us_without_tax_code_is_refused(world):
    world.connect_company("9130350000000002", country="CA", currency="CAD")
    payment = make_payment(world, "100.00", [line("Consulting", "100.00", sku="CONS-H")],
                           contact(world), currency="CAD")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["error_code"] == "TAX_CODE_REQUIRED"


@pytest.mark.parametrize("status", ["processing", "failed"])
def test_payment_not_received_is_refused_before_any_call(world, us, status):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status=status)
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["hs_execution_state"] == "FAIL_CONTINUE"
    assert out["error_code"] == "PAYMENT_NOT_SUCCEEDED" and status in out["error_message"]
    assert call_counts(world) == (0, 0)


def test_refunded_payment_still_books_the_sale(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded", refunds="150.00")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["result"] == "created"
    settled(us, out)


def test_status_missing_from_the_payload_is_read_from_hubspot(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), source_app="INVOICE")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, properties={}))
    assert out["error_code"] == "INVOICE_PAYMENT_SKIPPED"


def test_explicit_payment_method_wins_and_unknown_types_omit_it(world, us):
    check = method_id(us, "Check")
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), method_type="card")
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {"payment_method": check}))
    assert us.entities("Payment")[0]["PaymentMethodRef"]["value"] == check

    other = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                         contact(world, "x@example.com", "X", "Y"), method_type="other")
    outputs(world.execute(SLUG, "COMMERCE_PAYMENT", other))
    assert "PaymentMethodRef" not in us.entities("Payment")[1]


@pytest.mark.parametrize("path_part", ["/payment", "/invoice"])
def test_lost_response_is_finished_by_hubspots_retry_without_duplicates(world, us, path_part):
    payment = make_payment(world, "300.00", [line("Consulting", "150.00", "2", sku="CONS-H")],
                           contact(world))
    # Every attempt the client makes loses its answer, though QuickBooks stored the write.
    world.quickbooks.faults.add("lose_response", f"POST /v3/company/{us.realm_id}{path_part}",
                                count=3)
    first = world.execute(SLUG, "COMMERCE_PAYMENT", payment, callback_id="cb-lost-1")
    assert first.status_code == 503 and first.headers["Retry-After"]
    assert len(us.entities("Invoice")) == 1
    assert len(us.entities("Payment")) == (1 if path_part == "/payment" else 0)

    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, callback_id="cb-lost-1"))
    assert out["result"] == "created"
    settled(us, out)  # exactly one Invoice and one Payment, balance 0


def test_a_single_lost_payment_answer_is_replayed_within_the_execution(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world))
    world.quickbooks.faults.add("lose_response", f"POST /v3/company/{us.realm_id}/payment")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["result"] == "created"
    settled(us, out)


def test_foreign_currency_payment_with_multicurrency(world):
    mc = world.connect_company(multicurrency=True)
    payment = make_payment(world, "200.00", [line("Consulting", "200.00", sku="CONS-H")],
                           contact(world), currency="EUR")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    invoice, paid = settled(mc, out)
    assert invoice["CurrencyRef"]["value"] == "EUR" and paid["CurrencyRef"]["value"] == "EUR"
    customer = next(c for c in mc.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert customer["CurrencyRef"]["value"] == "EUR"
    assert paid["TotalAmt"] == Decimal("200.00")


def test_foreign_currency_payment_without_multicurrency_is_refused(world, us):
    payment = make_payment(world, "200.00", [line("Consulting", "200.00", sku="CONS-H")],
                           contact(world), currency="EUR")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert out["error_code"] == "CURRENCY_NOT_ENABLED"
    assert us.entities("Invoice") == [] and us.entities("Payment") == []
    assert not any(c["method"] == "POST" and "/query" not in c["path"]
                   for c in world.quickbooks.calls)


def test_second_execution_for_the_same_payment_returns_the_first(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world))
    first = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    again = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment))
    assert again["result"] == "existing" and again["qbo_id"] == first["qbo_id"]
    assert len(us.entities("Invoice")) == 1 and len(us.entities("Payment")) == 1
