"""create-sales-receipt through the real endpoint against both emulators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.crm import (
    contact,
    line,
    make_deal,
    make_payment,
    make_quote,
    outputs,
    qbo_named,
)


@pytest.fixture
def us(world):
    """A connected US company."""
    return world.connect_company()


def test_deal_sales_receipt_with_deposit_account_and_payment_method(world, us):
    checking = qbo_named(us, "Account", "Checking")
    card = qbo_named(us, "PaymentMethod", "Credit Card")
    deal = make_deal(
        world,
        [
            line("Hardware kit", "499.00", sku="HW-KIT", taxable=True),
            line("Consulting", "150.00", "0.5", sku="CONS-H"),
        ],
        contact(world),
    )
    out = outputs(
        world.execute(
            "create-sales-receipt",
            "DEAL",
            deal,
            {
                "deposit_account": checking["Id"],
                "payment_method": card["Id"],
                "customer_memo": "Paid in full",
                "doc_number": "SR-1",
            },
        )
    )
    [receipt] = us.entities("SalesReceipt")
    assert out["result"] == "created" and out["qbo_id"] == receipt["Id"]
    assert out["qbo_url"] == f"https://app.qbo.intuit.com/app/salesreceipt?txnId={receipt['Id']}"
    assert receipt["DepositToAccountRef"]["value"] == checking["Id"]
    assert receipt["PaymentMethodRef"]["value"] == card["Id"]
    assert receipt["DocNumber"] == "SR-1" and receipt["Balance"] == Decimal("0.00")
    assert receipt["TotalAmt"] == Decimal("615.17")  # 499 + 8.25 % tax + 75
    assert out["qbo_total"] == "615.17"
    assert "PaymentRefNum" not in receipt


def test_quote_sales_receipt_defaults_to_undeposited_funds(world, us):
    quote = make_quote(world, [line("Consulting", "150.00", sku="CONS-H")], contact=contact(world))
    out = outputs(world.execute("create-sales-receipt", "QUOTE", quote))
    [receipt] = us.entities("SalesReceipt")
    assert out["result"] == "created"
    assert (
        receipt["DepositToAccountRef"]["value"]
        == qbo_named(us, "Account", "Undeposited Funds")["Id"]
    )


def test_payment_without_line_items_is_one_line_on_the_fallback_item(world, us):
    fallback = qbo_named(us, "Item", "Services")
    payment = make_payment(world, "249.99", contact=contact(world), reference="ch_123")
    out = outputs(
        world.execute(
            "create-sales-receipt", "COMMERCE_PAYMENT", payment, {"fallback_item": fallback["Id"]}
        )
    )
    assert out["result"] == "created", out
    [receipt] = us.entities("SalesReceipt")
    [billed] = [ln for ln in receipt["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert billed["SalesItemLineDetail"]["ItemRef"]["value"] == fallback["Id"]
    assert billed["Amount"] == Decimal("249.99")
    assert receipt["PaymentRefNum"] == "ch_123"
    assert out["qbo_total"] == "249.99"


def test_payment_with_line_items_bills_them(world, us):
    payment = make_payment(
        world, "300.00", [line("Consulting", "150.00", "2", sku="CONS-H")], contact=contact(world)
    )
    out = outputs(world.execute("create-sales-receipt", "0-101", payment))
    [receipt] = us.entities("SalesReceipt")
    assert out["result"] == "created"
    assert receipt["PaymentRefNum"] == payment  # no reference number: the payment id
    item = qbo_named(us, "Item", "Consulting")
    assert receipt["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == item["Id"]
