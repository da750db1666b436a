"""create-estimate through the real endpoint against both emulators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.crm import company, contact, line, make_deal, make_quote, outputs, qbo_calls


@pytest.fixture
def us(world):
    """A connected US company."""
    return world.connect_company()


def test_quote_estimate_expires_with_the_quote(world, us):
    signer = contact(world, "signer@example.com", "Sig", "Ner")
    quote = make_quote(
        world,
        [line("Implementation", "2500.00", sku="IMPL-01", amount="2300.00")],
        signer=signer,
        company=company(world, "Signer Corp"),
        expiration="2031-05-31T00:00:00Z",
    )
    out = outputs(
        world.execute(
            "create-estimate",
            "QUOTE",
            quote,
            {
                "customer_memo": "Valid until the end of May",
                "private_note": "quote",
                "doc_number": "Q-7",
            },
        )
    )
    [estimate] = us.entities("Estimate")
    assert out["result"] == "created" and out["qbo_id"] == estimate["Id"]
    assert out["qbo_doc_number"] == "Q-7" and out["qbo_total"] == "2300.00"
    assert out["qbo_url"] == f"https://app.qbo.intuit.com/app/estimate?txnId={estimate['Id']}"
    assert estimate["ExpirationDate"] == "2031-05-31"
    assert estimate["TxnStatus"] == "Pending"
    assert estimate["CustomerMemo"] == {"value": "Valid until the end of May"}
    assert estimate["PrivateNote"].split("\n")[1] == "quote"
    discount = [ln for ln in estimate["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert [d["Amount"] for d in discount] == [Decimal("200.00")]
    customer = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert customer["DisplayName"] == "Signer Corp"


def test_expiration_date_input_wins_and_epoch_milliseconds_work(world, us):
    quote = make_quote(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact=contact(world),
        expiration="2031-05-31",
    )
    outputs(
        world.execute("create-estimate", "QUOTE", quote, {"expiration_date": "1767225600000"})
    )  # 2026-01-01
    assert us.entities("Estimate")[0]["ExpirationDate"] == "2026-01-01"


def test_deal_estimate_without_expiration_and_emailed(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-estimate", "DEAL", deal, {"send_email": "true"}))
    [estimate] = us.entities("Estimate")
    assert "ExpirationDate" not in estimate
    assert estimate["EmailStatus"] == "EmailSent"
    assert estimate["BillEmail"] == {"Address": "jane.doe@example.com"}
    assert len(qbo_calls(world, f"/estimate/{estimate['Id']}/send")) == 1
    assert out["qbo_total"] == "300.00"


def test_estimate_if_exists_skip(world, us):
    quote = make_quote(world, [line("Consulting", "150.00", sku="CONS-H")], contact=contact(world))
    first = outputs(world.execute("create-estimate", "QUOTE", quote))
    again = outputs(world.execute("create-estimate", "QUOTE", quote))
    assert again["result"] == "existing" and again["qbo_id"] == first["qbo_id"]
    assert len(us.entities("Estimate")) == 1
    # Another action on the same record is not "the same action": the invoice is booked.
    invoice = outputs(world.execute("create-invoice", "QUOTE", quote))
    assert invoice["result"] == "created"
