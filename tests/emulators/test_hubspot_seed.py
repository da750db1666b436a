"""The demo data and the emulator as its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.seed import seed_demo


@pytest.fixture
def emu():
    return HubSpotEmulator()


@pytest.fixture
def ids(emu):
    return seed_demo(emu)


@pytest.fixture
def portal(emu, ids):
    return emu.portal(ids["portal_id"])


def test_products_carry_the_quickbooks_skus(portal, ids):
    skus = {portal.get("products", pid)["hs_sku"] for pid in ids["products"].values()}
    assert {"CONS-H", "IMPL-01", "SUP-12"} <= skus


def test_contacts_cover_apostrophes_unicode_and_no_email(portal, ids):
    pat = portal.get("contacts", ids["contacts"]["pat"])
    assert (pat["lastname"], pat["email"]) == ("O'Brien", "pat.obrien@example.com")
    assert portal.get("contacts", ids["contacts"]["zoe"])["firstname"] == "Zoë"
    assert portal.get("contacts", ids["contacts"]["no_email"]).get("email") is None


def test_basic_deal_lines_add_up_with_a_discount_tax_and_fractional_quantity(portal, ids):
    lines = [portal.get("line_items", i) for i in ids["line_items"]["deal_basic"]]
    assert {li["quantity"] for li in lines} >= {"1.5"}
    discounted = [li for li in lines
                  if Decimal(li["amount"]) < Decimal(li["quantity"]) * Decimal(li["price"])]
    assert len(discounted) == 1
    assert sum(1 for li in lines if li.get("hs_tax_rate_group_id")) == 1
    assert all(li["hs_product_id"] in ids["products"].values() for li in lines)
    deal = portal.get("deals", ids["deals"]["basic"])
    assert Decimal(deal["amount"]) == sum(Decimal(li["amount"]) for li in lines)
    assert portal.get("deals", ids["deals"]["eur"])["deal_currency_code"] == "EUR"


def test_quote_has_cloned_lines_and_a_signer(portal, ids):
    quote_id = ids["quotes"]["accepted"]
    quote = portal.get("quotes", quote_id)
    assert (quote["hs_status"], quote["hs_sign_status"]) == ("ACCEPTED", "ESIGN_COMPLETED")
    assert quote["hs_title"] and quote["hs_expiration_date"] and quote["hs_currency"] == "USD"
    assert not set(ids["line_items"]["quote_accepted"]) & set(ids["line_items"]["deal_basic"])
    signers = [to_id for to_id, types in portal.associations("quotes", quote_id, "contacts")
               if 702 in {t.type_id for t in types}]
    assert signers == [ids["contacts"]["pat"]]


def test_payments_cover_every_case(portal, ids):
    payments = {role: portal.get("commerce_payments", pid)
                for role, pid in ids["payments"].items()}
    checkout = payments["checkout"]
    assert checkout["hs_payment_source_app"] == "SALES_CHECKOUT"
    assert checkout["hs_latest_status"] == "succeeded"
    assert checkout["hs_payment_method_type"] == "card"
    assert Decimal(checkout["hs_fees_amount"]) > 0
    for name in ("hs_initial_amount", "hs_currency_code", "hs_reference_number",
                 "hs_customer_email", "hs_refunds_amount"):
        assert checkout[name]
    assert payments["invoice"]["hs_payment_source_app"] == "INVOICE"
    refunded = payments["refunded"]
    assert refunded["hs_latest_status"] == "refunded"
    assert refunded["hs_refunds_amount"] == refunded["hs_initial_amount"]
    assert payments["partially_refunded"]["hs_latest_status"] == "partially_refunded"
    assert ids["line_items"]["payment_no_line_items"] == []
    assert payments["zero_fee"]["hs_fees_amount"] == "0.00"
    assert payments["eur"]["hs_currency_code"] == "EUR"
    for role, payment in payments.items():
        lines = [portal.get("line_items", i) for i in ids["line_items"][f"payment_{role}"]]
        if lines:
            assert sum(Decimal(li["amount"]) for li in lines) == Decimal(
                payment["hs_initial_amount"])


def test_runs_as_its_own_process():
    command = [sys.executable, "-m", "emulators.hubspot", "--port", "0", "--seed",
               "--static-token", "pat-na1-demo"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            text = ""
            for line in process.stdout:
                text += line
                if line.startswith("}"):
                    break
            summary = json.loads(text)
            deal = summary["seed"]["deals"]["basic"]
            response = requests.get(f"{summary['url']}/crm/objects/2026-03/deals/{deal}",
                                    headers={"Authorization": "Bearer pat-na1-demo"}, timeout=5)
            assert response.json()["properties"]["dealname"] == "Acme Widgets - rollout"
        finally:
            process.terminate()
            process.wait(10)
