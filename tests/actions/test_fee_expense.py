"""create-fee-expense through the real endpoint (signed requests) against both emulators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.crm import make_payment, outputs, qbo_named, reset_calls
from tests.support.payments import (
    account_id,
    call_counts,
    only,
    xsd_checked,  # noqa: F401  (fixture: every body sent must validate against the XSD)
)

SLUG = "create-fee-expense"


@pytest.fixture
def us(world):
    return world.connect_company()


def inputs(company, paying: str = "Checking", expense: str = "Merchant Fees", **more) -> dict:
    return {"payment_account": account_id(company, paying),
            "expense_account": account_id(company, expense), **more}


def test_fee_from_a_bank_account_is_an_expense_naming_the_payment(world, us):
    vendor = qbo_named(us, "Vendor", "HubSpot Payments")["Id"]
    payment = make_payment(world, "300.00", fees="9.00", reference="ch_3PqXy",
                           hs_initiated_date="2025-06-03")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                inputs(us, vendor=vendor)))
    qbo, hubspot = call_counts(world)
    purchase = only(us, "Purchase")
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "created"
    assert out["qbo_id"] == purchase["Id"] and out["qbo_total"] == "9.00"
    assert out["qbo_url"] == f"https://app.qbo.intuit.com/app/expense?txnId={purchase['Id']}"
    assert purchase["PaymentType"] == "Cash"  # QuickBooks shows it as an Expense, not a check
    assert purchase["AccountRef"]["value"] == account_id(us, "Checking")
    [fee] = purchase["Line"]
    assert fee["Amount"] == Decimal("9.00")
    assert fee["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == account_id(
        us, "Merchant Fees")
    assert purchase["EntityRef"]["value"] == vendor and purchase["EntityRef"]["type"] == "Vendor"
    assert purchase["PrivateNote"].startswith(f"HubSpot payment {payment} ")
    assert f"/record/0-101/{payment}\n" in purchase["PrivateNote"]
    assert "ch_3PqXy" in purchase["PrivateNote"]
    assert purchase["TxnDate"] == "2025-06-03" and purchase["TotalAmt"] == Decimal("9.00")
    # The payload carries the payment's properties: no HubSpot call; QuickBooks: one account
    # query for both accounts, then the Purchase.
    assert (qbo, hubspot) == (2, 0)


def test_fee_from_a_credit_card_account_without_vendor(world, us):
    payment = make_payment(world, "120.00", fees="3.78", hs_payout_date="2025-06-05")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                inputs(us, "Company Card", "Bank Charges")))
    purchase = only(us, "Purchase")
    assert out["result"] == "created"
    assert purchase["PaymentType"] == "CreditCard"
    assert purchase["AccountRef"]["value"] == account_id(us, "Company Card")
    assert "EntityRef" not in purchase
    assert purchase["TxnDate"] == "2025-06-05"  # no initiated date: the payout date


@pytest.mark.parametrize("fees", ["0", "0.00", None])
def test_zero_or_missing_fee_is_skipped_without_calls(world, us, fees):
    payment = make_payment(world, "120.00", fees=fees)
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, inputs(us)))
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "skipped"
    assert out["error_code"] == "NO_FEE"
    assert us.entities("Purchase") == []
    assert call_counts(world) == (0, 0)


@pytest.mark.parametrize(("paying", "expense", "named"), [
    ("Undeposited Funds", "Merchant Fees", "Other Current Asset"),
    ("Services", "Merchant Fees", "Income"),
    ("Checking", "Savings", "Bank"),
    ("Checking", "Services", "Income"),
])  # fmt: skip
def test_wrong_account_type_is_refused_before_anything_is_created(world, us, paying, expense,
                                                                   named):
    payment = make_payment(world, "120.00", fees="3.78")
    reset_calls(world)
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                inputs(us, paying, expense)))
    assert out["hs_execution_state"] == "FAIL_CONTINUE"
    assert out["error_code"] == "INVALID_ACCOUNT" and named in out["error_message"]
    assert us.entities("Purchase") == []
    assert [c["method"] for c in world.quickbooks.calls] == ["POST"]  # the one account query
    assert "/query" in world.quickbooks.calls[0]["path"]


def test_unknown_account_is_refused(world, us):
    payment = make_payment(world, "120.00", fees="3.78")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "payment_account": "999", "expense_account": account_id(us, "Merchant Fees")}))
    assert out["error_code"] == "INVALID_ACCOUNT" and "999" in out["error_message"]


def test_other_expense_and_cost_of_goods_sold_are_valid_expense_accounts(world, us):
    for number, expense in enumerate(("Misc", "Cost of Goods Sold"), start=1):
        payment = make_payment(world, "120.00", fees=f"{number}.50")
        out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                    inputs(us, "Savings", expense)))
        assert out["result"] == "created"
    assert [p["TotalAmt"] for p in us.entities("Purchase")] == [Decimal("1.50"),
                                                                 Decimal("2.50")]


def test_payment_not_succeeded_books_no_fee(world, us):
    payment = make_payment(world, "120.00", fees="3.78", status="failed")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, inputs(us)))
    assert out["error_code"] == "PAYMENT_NOT_SUCCEEDED"


def test_foreign_currency_fee_with_and_without_multicurrency(world, us):
    payment = make_payment(world, "120.00", fees="3.60", currency="EUR")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, inputs(us)))
    assert out["error_code"] == "CURRENCY_NOT_ENABLED"
    assert us.entities("Purchase") == []

    mc = world.connect_company("9130350000000003", multicurrency=True)
    euro_bank = mc.add("Account", {"Name": "Euro account", "AccountType": "Bank",
                                   "CurrencyRef": {"value": "EUR"}})
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "quickbooks_company": mc.realm_id, "payment_account": euro_bank["Id"],
        "expense_account": account_id(mc, "Merchant Fees")}))
    purchase = only(mc, "Purchase")
    assert out["result"] == "created"
    assert purchase["CurrencyRef"]["value"] == "EUR" and purchase["TotalAmt"] == Decimal("3.60")


def test_account_in_a_third_currency_is_refused(world):
    mc = world.connect_company(multicurrency=True)
    pounds = mc.add("Account", {"Name": "Sterling account", "AccountType": "Bank",
                                "CurrencyRef": {"value": "GBP"}})
    payment = make_payment(world, "120.00", fees="3.60", currency="EUR")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, {
        "payment_account": pounds["Id"], "expense_account": account_id(mc, "Merchant Fees")}))
    assert out["error_code"] == "INVALID_ACCOUNT" and "GBP" in out["error_message"]


def test_lost_purchase_answer_is_not_booked_twice(world, us):
    payment = make_payment(world, "120.00", fees="3.78")
    world.quickbooks.faults.add("lose_response", f"POST /v3/company/{us.realm_id}/purchase",
                                count=3)
    first = world.execute(SLUG, "COMMERCE_PAYMENT", payment, inputs(us), callback_id="cb-fee")
    assert first.status_code == 503
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment, inputs(us),
                                callback_id="cb-fee"))
    assert out["result"] == "created" and out["qbo_id"] == only(us, "Purchase")["Id"]


def test_non_us_fee_carries_the_chosen_tax_code(world):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    exempt = qbo_named(ca, "TaxCode", "Exempt")["Id"]
    payment = make_payment(world, "120.00", fees="3.78", currency="CAD")
    out = outputs(world.execute(SLUG, "COMMERCE_PAYMENT", payment,
                                inputs(ca, tax_code=exempt, doc_number="FEE-1")))
    purchase = only(ca, "Purchase")
    assert out["result"] == "created" and out["qbo_total"] == "3.78"
    [fee] = purchase["Line"]
    assert fee["AccountBasedExpenseLineDetail"]["TaxCodeRef"]["value"] == exempt
    assert purchase["DocNumber"] == "FEE-1" and out["qbo_doc_number"] == "FEE-1"
