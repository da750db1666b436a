"""Pure pieces: money rounding, HubSpot line pricing, QuickBooks bodies, the total check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from actions import booking, customers, documents, money, resolve
from actions.documents import BilledLine, Draft
from actions.resolve import Contact, SourceLine
from emulators.quickbooks.schema import validate


@pytest.mark.parametrize(
    "value, currency, expected",
    [
        ("2.345", "USD", "2.35"),
        ("2.344", "USD", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("1000.5", "JPY", "1001"),
        ("999.4", "JPY", "999"),
        ("1.2345", "KWD", "1.235"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(value, currency, expected):
    assert money.rounded(Decimal(value), currency) == Decimal(expected)


def test_parse_and_format():
    assert money.parse("1,234.50") == Decimal("1234.50")
    assert money.parse("") is None and money.parse(None) is None and money.parse("abc") is None
    assert money.plain(Decimal("2.500")) == "2.5" and money.plain(Decimal("100")) == "100"
    assert money.two_decimals(Decimal("1120")) == "1120.00"


def hubspot_line(**props) -> SourceLine:
    currency = props.pop("currency", "USD")
    return resolve.source_line({"id": "7", "properties": props}, currency)


def test_line_discount_is_gross_minus_hubspot_amount():
    src = hubspot_line(name="A", quantity="3", price="150", amount="405.50")
    assert (src.gross, src.amount, src.discount) == (
        Decimal("450.00"),
        Decimal("405.50"),
        Decimal("44.50"),
    )


def test_line_without_price_or_quantity_is_priced_from_its_amount():
    src = hubspot_line(name="A", amount="99.99")
    assert (src.quantity, src.unit_price, src.gross) == (
        Decimal(1),
        Decimal("99.99"),
        Decimal("99.99"),
    )
    odd = hubspot_line(name="B", quantity="3", amount="100.00")
    assert money.line_amount(odd.quantity, odd.unit_price, "USD") == odd.gross == odd.amount


def test_amount_above_quantity_times_price_is_repriced_not_discounted():
    src = hubspot_line(name="A", quantity="2", price="10", amount="25.00")
    assert src.discount == 0 and src.amount == Decimal("25.00")
    assert money.line_amount(src.quantity, src.unit_price, "USD") == Decimal("25.00")


def test_yen_lines_have_no_decimals():
    src = hubspot_line(name="A", quantity="3", price="333.4", currency="JPY")
    assert src.gross == Decimal("1000")


def draft(**extra) -> Draft:
    line = SourceLine(
        "1",
        "Consulting",
        "Advice",
        "CONS-H",
        Decimal("1.5"),
        Decimal("150"),
        Decimal("225.00"),
        Decimal("200.00"),
        False,
        date(2025, 6, 1),
    )
    return Draft(customer_id="58", lines=(BilledLine(line, "2", "NON"),), **extra)


def test_invoice_body_has_exact_lines_one_discount_and_the_inputs():
    body = documents.invoice(
        draft(currency="EUR", bill_email="a@b.example"),
        terms="3",
        due_date=date(2025, 7, 1),
        txn_date=date(2025, 6, 1),
        customer_memo="Thanks",
        private_note="note",
        doc_number="X" * 30,
    )
    assert body["Line"][0] == {
        "DetailType": "SalesItemLineDetail",
        "Amount": Decimal("225.00"),
        "Description": "Advice",
        "SalesItemLineDetail": {
            "ItemRef": {"value": "2"},
            "Qty": Decimal("1.5"),
            "UnitPrice": Decimal("150"),
            "TaxCodeRef": {"value": "NON"},
            "ServiceDate": "2025-06-01",
        },
    }
    assert body["Line"][1]["DetailType"] == "DiscountLineDetail"
    assert body["Line"][1]["Amount"] == Decimal("25.00")
    assert body["DocNumber"] == "X" * 21
    assert body["CurrencyRef"] == {"value": "EUR"} and body["SalesTermRef"] == {"value": "3"}
    assert validate("Invoice", body) == []


def test_estimate_and_sales_receipt_bodies_validate():
    estimate = documents.estimate(draft(non_us=True), expiration_date=date(2025, 7, 1))
    assert estimate["GlobalTaxCalculation"] == "TaxExcluded"
    assert validate("Estimate", estimate) == []
    receipt = documents.sales_receipt(
        draft(), deposit_account="35", payment_method="1", payment_ref="ch_" + "9" * 40
    )
    assert len(receipt["PaymentRefNum"]) == 21
    assert validate("SalesReceipt", receipt) == []


def test_subtotal_after_discount_reads_quickbooks_answer():
    answer = {
        "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": Decimal("225.00")},
            {"DetailType": "DiscountLineDetail", "Amount": Decimal("25.00")},
            {"DetailType": "SubTotalLineDetail", "Amount": Decimal("225.00")},
        ]
    }
    assert documents.subtotal_after_discount(answer) == Decimal("200.00")


def test_a_total_that_differs_from_hubspot_fails_loudly_but_reports_the_transaction():
    prepared = SimpleNamespace(sale=SimpleNamespace(currency="USD"), draft=draft())
    ctx = SimpleNamespace(settings=SimpleNamespace(quickbooks_environment="sandbox"))
    booked = booking.Booked("Invoice", "130", "1001", "201.00", "201.00", "58")
    out = booking.outcome(ctx, booked, prepared)
    assert (out.result, out.error_code) == ("failed", "TOTAL_MISMATCH")
    assert "201.00" in out.error_message and "200.00" in out.error_message
    assert out.qbo_id == "130"
    assert out.qbo_url == "https://app.sandbox.qbo.intuit.com/app/invoice?txnId=130"
    ok = booking.outcome(
        ctx, booking.Booked("Invoice", "131", "1002", "200.00", "200", "58"), prepared
    )
    assert (ok.result, ok.error_code, ok.qbo_total) == ("created", "", "200.00")


def test_display_names_in_order():
    jane = Contact("1", "jane@x.example", "Jane", "Doe")
    assert customers.display_names(jane, "Doe LLC", "USD", "USD", occupied=False)[:3] == [
        "Doe LLC",
        "Jane Doe (jane@x.example)",
        "Jane Doe (jane@x.example) 2",
    ]
    assert customers.display_names(jane, "Doe LLC", "EUR", "USD", occupied=True)[:2] == [
        "Doe LLC (EUR)",
        "Jane Doe (jane@x.example) (EUR)",
    ]
    anonymous = Contact("2", "anon@x.example")
    assert customers.display_names(anonymous, "anon@x.example", "USD", "USD", False)[:2] == [
        "anon@x.example",
        "anon@x.example 2",
    ]
    long = customers.display_names(jane, "N" * 600, "USD", "USD", occupied=False)
    assert all(len(name) <= 500 for name in long)
