"""create-refund-receipt through the real endpoint (signed requests) against both emulators."""

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

SLUG = "create-refund-receipt"


@pytest.fixture
def us(world):
    return world.connect_company()


def item_lines(txn: dict) -> list[dict]:
    return [ln for ln in txn["Line"] if ln["DetailType"] == "SalesItemLineDetail"]


def test_full_refund_mirrors_the_payments_lines(world, us):
    payment = make_payment(world, "340.00", [
        line("Consulting", "150.00", "2", sku="CONS-H"),
        line("Support plan", "50.00", sku="SUP-12", amount="40.00"),  # 10.00 line discount
    ], contact(world), status="refunded", refunds="340.00", reference="ch_3PqXy",
        method_type="card")
    checking = account_id(us, "Checking")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                {"refund_from_account": checking}))
    qbo, hubspot = call_counts(world)
    refund = only(us, "RefundReceipt")
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "created"
    assert out["qbo_id"] == refund["Id"] and out["qbo_total"] == "340.00"
    assert out["qbo_url"].endswith(f"/app/refundreceipt?txnId={refund['Id']}")
    assert refund["TotalAmt"] == Decimal("340.00")
    assert refund["DepositToAccountRef"]["value"] == checking
    assert refund["PaymentMethodRef"]["value"] == method_id(us, "Credit Card")
    assert refund["PaymentRefNum"] == "ch_3PqXy"
    assert f"Refund for HubSpot payment {payment}" in refund["PrivateNote"]
    billed = item_lines(refund)
    assert [b["SalesItemLineDetail"]["ItemRef"]["value"] for b in billed] == [
        qbo_named(us, "Item", "Consulting")["Id"], qbo_named(us, "Item", "Support plan")["Id"]]
    assert [b["Amount"] for b in billed] == [Decimal("300.00"), Decimal("50.00")]
    [discount] = [ln for ln in refund["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert discount["Amount"] == Decimal("10.00")
    assert refund["CustomerRef"]["value"] == out["qbo_customer_id"]
    # Cold (measured 6): refund account, customer lookup + create, items, methods, receipt.
    assert qbo <= 6 and hubspot == 3, qbo


def test_undeposited_funds_other_current_asset_may_pay_a_refund(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded", refunds="150.00")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Undeposited Funds")}))
    assert out["result"] == "created"


@pytest.mark.parametrize("account", ["Merchant Fees", "Company Card", "Services"])
def test_wrong_refund_account_type_is_refused_before_anything_is_created(world, us, account):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded", refunds="150.00")
    customers = len(us.entities("Customer"))
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, account)}))
    assert out["error_code"] == "INVALID_ACCOUNT" and account in out["error_message"]
    assert us.entities("RefundReceipt") == [] and len(us.entities("Customer")) == customers
    assert call_counts(world) == (1, 0)  # the account query only


def test_partial_refund_fails_unless_allowed(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="partially_refunded", refunds="40.00")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    assert out["hs_execution_state"] == "FAIL_CONTINUE"
    assert out["error_code"] == "PARTIAL_REFUND" and "40.00" in out["error_message"]
    assert us.entities("RefundReceipt") == [] and call_counts(world) == (0, 0)


def test_allowed_partial_refund_is_one_line_on_the_fallback_item(world, us):
    services = qbo_named(us, "Item", "Services")["Id"]
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="partially_refunded", refunds="40.00",
                           method_type="ach")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking"), "allow_partial": "true",
        "fallback_item": services}))
    refund = only(us, "RefundReceipt")
    assert out["result"] == "created" and out["qbo_total"] == "40.00"
    [billed] = item_lines(refund)
    assert billed["SalesItemLineDetail"]["ItemRef"]["value"] == services
    assert billed["Amount"] == Decimal("40.00")
    assert billed["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    assert refund["PaymentMethodRef"]["value"] == method_id(us, "ACH")
    assert refund["PrivateNote"].split("\n")[1].startswith(
        f"Partial refund for HubSpot payment {payment}")


def test_allowed_partial_refund_without_fallback_item_fails_clearly(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="partially_refunded", refunds="40.00")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking"), "allow_partial": True}))
    assert out["error_code"] == "FALLBACK_ITEM_REQUIRED"
    assert "Fallback item" in out["error_message"]
    assert us.entities("RefundReceipt") == []


@pytest.mark.parametrize("status", ["succeeded", "processing_refund", "failed"])
def test_other_statuses_are_not_refunded(world, us, status):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status=status)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    assert out["error_code"] == "NOT_REFUNDED" and status in out["error_message"]
    assert us.entities("RefundReceipt") == []


def test_full_refund_amount_that_does_not_fit_the_lines_is_refused(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded", refunds="120.00")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    assert out["error_code"] == "REFUND_AMOUNT_MISMATCH"
    assert "120.00" in out["error_message"] and "150.00" in out["error_message"]
    assert us.entities("RefundReceipt") == []


def test_full_refund_of_a_taxable_sale_refunds_the_tax(world, us):
    payment = make_payment(world, "108.25", [line("Hardware kit", "100.00", sku="HW-KIT",
                                                  taxable=True)], contact(world),
                           status="refunded", refunds="108.25")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    refund = only(us, "RefundReceipt")
    assert out["qbo_total"] == "108.25"
    assert refund["TxnTaxDetail"]["TotalTax"] == Decimal("8.25")


def test_full_refund_without_refunds_amount_refunds_the_gross(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    assert out["result"] == "created" and out["qbo_total"] == "150.00"


def test_foreign_currency_refund(world, us):
    payment = make_payment(world, "80.00", [line("Consulting", "80.00", sku="CONS-H")],
                           contact(world), currency="EUR", status="refunded", refunds="80.00")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "refund_from_account": account_id(us, "Checking")}))
    assert out["error_code"] == "CURRENCY_NOT_ENABLED"

    mc = world.connect_company("9130350000000003", multicurrency=True)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "quickbooks_company": mc.realm_id,
        "refund_from_account": account_id(mc, "Checking")}))
    refund = only(mc, "RefundReceipt")
    assert out["result"] == "created" and refund["CurrencyRef"]["value"] == "EUR"


def test_lost_refund_answer_is_not_booked_twice(world, us):
    payment = make_payment(world, "150.00", [line("Consulting", "150.00", sku="CONS-H")],
                           contact(world), status="refunded", refunds="150.00")
    world.quickbooks.faults.add("lose_response",
                                f"POST /v3/company/{us.realm_id}/refundreceipt", count=3)
    given = {"refund_from_account": account_id(us, "Checking")}
    first = world.execute(SLUG, "COMMERCE_PAYMENT", payment, given, callback_id="cb-refund")
    assert first.status_code == 503
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, given,
                                callback_id="cb-refund"))
    assert out["result"] == "created" and out["qbo_id"] == only(us, "RefundReceipt")["Id"]
