"""SPEC §7: books a bookkeeper signs off, through the real endpoint with signed requests.

Every QuickBooks body sent in these tests is checked against Intuit's XSD (the ``sent`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from actions import lookups
from emulators.quickbooks.schema import validate
from store import portals
from store.database import save
from tests.support.crm import (
    company,
    contact,
    hubspot_calls,
    line,
    make_deal,
    make_payment,
    make_quote,
    outputs,
    qbo_calls,
    qbo_named,
    reset_calls,
)
from tests.support.sent import recorded_creates


@pytest.fixture
def sent(monkeypatch):
    """Every create body the product sends; each must validate against the XSD."""
    with recorded_creates(monkeypatch) as bodies:
        yield bodies
    for entity, body in bodies:
        assert validate(entity, body) == [], (entity, body)


def set_portal(world, **values):
    """Account details as issue 17 stores them (time zone, currency, UI domain)."""
    row = portals.get_portal(world.runtime.db, world.portal_id)
    for key, value in values.items():
        setattr(row, key, value)
    save(world.runtime.db, row)


def addressed_contact(world, email, first, last, **address):
    contact_id = contact(world, email, first, last)
    world.portal.update("contacts", contact_id, address)
    return contact_id


def invoices(company):
    return company.entities("Invoice")


def test_out_of_state_contact_is_taxed_at_its_state_with_shipaddr(world, sent):
    us = world.connect_company()
    buyer = addressed_contact(world, "ny@example.com", "Nora", "York", address="5 Main St",
                              city="Albany", state="New York", zip="12207",
                              country="United States", phone="518-555-0100")
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H", taxable=True)], buyer)
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created", out
    [invoice] = invoices(us)
    assert invoice["ShipAddr"]["CountrySubDivisionCode"] == "NY"
    assert invoice["ShipAddr"]["Country"] == "USA"
    assert invoice["BillAddr"]["City"] == "Albany"  # no company: the contact's address
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("8.88")  # NY 8.875 %
    assert out["qbo_total"] == "108.88"
    customer = us.entities("Customer")[-1]
    assert customer["ShipAddr"]["CountrySubDivisionCode"] == "NY"
    assert customer["PrimaryPhone"] == {"FreeFormNumber": "518-555-0100"}
    assert customer["GivenName"] == "Nora" and customer["FamilyName"] == "York"
    # A contact without an address: nothing sent, QuickBooks taxes at the company's state.
    plain = make_deal(world, [line("Consulting", "100.00", sku="CONS-H", taxable=True)],
                      contact(world, "ca@example.com", "Cal", "Ifornia"))
    outputs(world.execute("create-invoice", "DEAL", plain))
    second = invoices(us)[-1]
    assert "ShipAddr" not in [k for k, v in sent[-1][1].items()]
    assert Decimal(str(second["TxnTaxDetail"]["TotalTax"])) == Decimal("8.25")


def test_quote_discount_fee_and_tax_reach_hs_quote_amount_less_tax(world, sent):
    us = world.connect_company()
    shipping = qbo_named(us, "Item", "Consulting")["Id"]
    buyer = contact(world, "quote@example.com", "Quinn", "Buyer")
    quote = make_quote(world, [line("Consulting", "150.00", "2", sku="CONS-H", taxable=True),
                               line("Implementation", "100.00", sku="IMPL-01", amount="90.00")],
                       buyer)
    portal = world.portal
    for kind, props in (
        ("discounts", {"hs_label": "Loyalty", "hs_type": "PERCENT", "hs_value": "10",
                       "hs_sort_order": "1"}),
        ("fees", {"hs_label": "Shipping", "hs_type": "FIXED", "hs_value": "25"}),
        ("taxes", {"hs_label": "State tax", "hs_type": "PERCENT", "hs_value": "6.5"}),
    ):
        portal.associate("quotes", quote, kind, portal.create(kind, props))
    # HubSpot: lines 390 net, −10 % = 351, + 25 fee = 376, + 6.5 % tax 24.44 = 400.44.
    portal.update("quotes", quote, {"hs_quote_amount": "400.44"})
    out = outputs(world.execute("create-invoice", "QUOTE", quote, {"fee_item": shipping}))
    assert out["result"] == "created" and out["error_code"] == "", out
    [invoice] = invoices(us)
    body = sent[-1][1]
    assert body["ApplyTaxAfterDiscount"] is True
    assert "TxnTaxDetail" not in body
    [discount] = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert Decimal(str(discount["Amount"])) == Decimal("49.00")  # 10 line + 39 quote
    fee = [ln for ln in invoice["Line"] if ln.get("Description") == "Shipping"]
    assert fee and fee[0]["SalesItemLineDetail"]["ItemRef"]["value"] == shipping
    subtotal = next(ln for ln in invoice["Line"] if ln["DetailType"] == "SubTotalLineDetail")
    assert Decimal(str(subtotal["Amount"])) - Decimal(str(discount["Amount"])) == Decimal(
        "376.00")  # = hs_quote_amount − quote tax

    # HubSpot's total disagreeing: TOTAL_MISMATCH, the invoice kept and linked.
    portal.update("quotes", quote, {"hs_quote_amount": "419.66"})
    again = outputs(world.execute("create-invoice", "QUOTE", quote,
                                  {"fee_item": shipping, "if_exists": "create_another"}))
    assert again["error_code"] == "TOTAL_MISMATCH" and again["qbo_id"]


def test_custom_transaction_numbers_get_auto_generate(world, sent):
    us = world.connect_company(custom_txn_numbers=True)
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert sent[-1][1]["DocNumber"] == "AUTO_GENERATE"
    assert out["qbo_doc_number"] and invoices(us)[0]["DocNumber"] == out["qbo_doc_number"]


def test_custom_numbers_without_auto_generate_stay_empty_in_the_emulator(world):
    us = world.connect_company(custom_txn_numbers=True)
    customer = us.entities("Customer")[0]["Id"]
    item = qbo_named(us, "Item", "Consulting")["Id"]
    client = world.runtime.quickbooks_client(world.connections[us.realm_id])
    body = {"CustomerRef": {"value": customer}, "Line": [
        {"DetailType": "SalesItemLineDetail", "Amount": 10,
         "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 1, "UnitPrice": 10}}]}
    answer = client.create("Invoice", body, "00000000-0000-0000-0000-000000000013")
    assert not answer.get("DocNumber")


def test_long_mapped_doc_number_fails_invalid_input_not_400(world):
    world.connect_company()
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world))
    response = world.execute("create-invoice", "DEAL", deal,
                             {"doc_number": "X" * 22, "private_note": "n" * 5000})
    out = outputs(response)
    assert out["hs_execution_state"] == "FAIL_CONTINUE" and out["error_code"] == "INVALID_INPUT"
    assert "doc_number" in out["error_message"] and "21" in out["error_message"]


def test_mapped_values_are_never_a_400(world):
    world.connect_company()
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"invoice_date": "31/12/2026"}))
    assert out["error_code"] == "INVALID_INPUT" and "invoice_date" in out["error_message"]
    memo = outputs(world.execute("create-invoice", "DEAL", deal,
                                 {"customer_memo": "m" * 1500, "if_exists": "create_another"}))
    assert memo["result"] == "created", memo


def test_same_name_customer_with_another_email_is_left_alone(world, sent):
    us = world.connect_company()
    us.add("Customer", {"DisplayName": "John Smith", "GivenName": "John", "FamilyName": "Smith",
                        "PrimaryEmailAddr": {"Address": "john@old.example"}})
    existing = qbo_named(us, "Customer", "John Smith")
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")],
                     contact(world, "john@new.example", "John", "Smith"))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created"
    assert out["qbo_customer_id"] != existing["Id"]
    created = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert created["DisplayName"] == "John Smith (john@new.example)"


def test_typographic_apostrophe_names_are_matched_and_created(world, sent):
    us = world.connect_company()
    kit = us.add("Item", {"Name": "Men’s Kit", "Type": "Service", "UnitPrice": 40,
                          "IncomeAccountRef": qbo_named(us, "Item", "Consulting")[
                              "IncomeAccountRef"]})
    deal = make_deal(world, [line("Men’s Kit", "40.00"), line("Women’s “Pro” Kit", "60.00")],
                     contact(world, "kit@example.com", "Kit", "Buyer"),
                     company(world, "O’Neil Outfitters"))
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"create_missing_products": True}))
    assert out["result"] == "created", out
    [invoice] = invoices(us)
    items = [ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in invoice["Line"]
             if ln["DetailType"] == "SalesItemLineDetail"]
    assert items[0] == kit["Id"]
    created = qbo_named(us, "Item", "Women’s “Pro” Kit")
    assert items[1] == created["Id"]
    assert qbo_named(us, "Customer", "O’Neil Outfitters")["CompanyName"] == "O’Neil Outfitters"
    # The same names again: found, nothing new created, no query fault.
    lookups.forget_all()
    before = len(us.entities("Item"))
    deal2 = make_deal(world, [line("Men’s Kit", "40.00")],
                      contact(world, "kit2@example.com", "Kit", "Two"),
                      company(world, "O’Neil Outfitters"))
    out2 = outputs(world.execute("create-invoice", "DEAL", deal2))
    assert out2["result"] == "created", out2
    assert len(us.entities("Item")) == before


def test_eur_portal_books_a_currency_less_deal_in_eur(world, sent):
    world.connect_company(multicurrency=True)
    set_portal(world, company_currency="EUR")
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")],
                     contact(world, "eu@example.com", "Eva", "Euro"), currency=None)
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created", out
    invoice = world.quickbooks.companies[list(world.connections)[0]].entities("Invoice")[0]
    assert invoice["CurrencyRef"]["value"] == "EUR"


def test_late_evening_pacific_payment_is_dated_on_its_local_day(world, sent):
    world.connect_company()
    set_portal(world, time_zone="America/Los_Angeles", ui_domain="app-eu1.hubspot.com")
    local = datetime(2026, 6, 30, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    epoch_ms = str(int(local.astimezone(UTC).timestamp() * 1000))
    services = qbo_named(world.quickbooks.companies[list(world.connections)[0]], "Item",
                         "Consulting")["Id"]
    payment = make_payment(world, "80.00", contact=contact(world, "pay@example.com", "Pat", "P"),
                           hs_initiated_date=epoch_ms)
    out = outputs(world.execute("create-sales-receipt", "COMMERCE_PAYMENT", payment,
                                {"fallback_item": services}))
    assert out["result"] == "created", out
    body = sent[-1][1]
    assert body["TxnDate"] == "2026-06-30"
    first = body["PrivateNote"].split("\n")[0]
    assert first.startswith(f"HubSpot payment {payment}")
    assert first.endswith(f"https://app-eu1.hubspot.com/contacts/{world.portal_id}/record/0-101/"
                          f"{payment}")


def test_canadian_line_less_payment_total_equals_the_amount_paid(world, sent):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    hst = qbo_named(ca, "TaxCode", "GST")["Id"]
    services = qbo_named(ca, "Item", "Consulting")["Id"]
    payment = make_payment(world, "105.00", currency="CAD",
                           contact=contact(world, "can@example.com", "Cam", "Ada"))
    out = outputs(world.execute("create-sales-receipt", "COMMERCE_PAYMENT", payment,
                                {"fallback_item": services, "tax_code": hst}))
    assert out["result"] == "created", out
    assert sent[-1][1]["GlobalTaxCalculation"] == "TaxInclusive"
    assert out["qbo_total"] == "105.00"
    # Without a fallback item: FALLBACK_ITEM_REQUIRED, never a product per payment.
    other = make_payment(world, "50.00", currency="CAD",
                         contact=contact(world, "can2@example.com", "Cy", "Ada"))
    items = len(ca.entities("Item"))
    failed = outputs(world.execute("create-sales-receipt", "COMMERCE_PAYMENT", other,
                                   {"tax_code": hst, "create_missing_products": True}))
    assert failed["error_code"] == "FALLBACK_ITEM_REQUIRED"
    assert len(ca.entities("Item")) == items


def test_deal_without_line_items_is_one_line_of_its_amount(world, sent):
    us = world.connect_company()
    services = qbo_named(us, "Item", "Consulting")["Id"]
    deal = make_deal(world, [], contact(world), amount="1234.50", name="Retainer")
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"fallback_item": services}))
    assert out["result"] == "created" and out["qbo_total"] == "1234.50", out
    bare = make_deal(world, [], contact(world), amount="10")
    assert outputs(world.execute("create-invoice", "DEAL", bare))["error_code"] == "NO_LINE_ITEMS"


def test_invoice_links_the_estimate_and_private_note_links_back(world, sent):
    us = world.connect_company()
    set_portal(world, ui_domain="app-eu1.hubspot.com")
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H")], contact(world),
                     name="Acme renewal")
    estimate = outputs(world.execute("create-estimate", "DEAL", deal))
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"private_note": "call first"}))
    [invoice] = invoices(us)
    assert invoice["LinkedTxn"][0] == {"TxnId": estimate["qbo_id"], "TxnType": "Estimate"}
    [est] = us.entities("Estimate")
    assert est["TxnStatus"] == "Closed"
    assert invoice["PrivateNote"] == (
        f'HubSpot deal {deal} "Acme renewal": https://app-eu1.hubspot.com/contacts/'
        f"{world.portal_id}/record/0-3/{deal}\ncall first")
    assert out["result"] == "created"


def test_class_per_line_and_location_from_the_connection(world, sent):
    us = world.connect_company(class_tracking="line", track_locations=True)
    klass = us.add("Class", {"Name": "Retail"})
    where = us.add("Department", {"Name": "Boston"})
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H", amount="90.00")],
                     contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal,
                                {"class": klass["Id"], "location": where["Id"]}))
    assert out["result"] == "created", out
    [invoice] = invoices(us)
    assert invoice["DepartmentRef"]["value"] == where["Id"]
    assert "ClassRef" not in invoice
    assert invoice["Line"][0]["SalesItemLineDetail"]["ClassRef"]["value"] == klass["Id"]
    assert invoice["Line"][1]["DiscountLineDetail"]["ClassRef"]["value"] == klass["Id"]
    assert out["qbo_total"] == "90.00"


def test_non_us_untaxed_lines_get_the_exempt_code(world, sent):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    gst = qbo_named(ca, "TaxCode", "GST")["Id"]
    exempt = next(c["Id"] for c in ca.entities("TaxCode") if c["Id"] != gst)
    deal = make_deal(world, [line("Consulting", "100.00", sku="CONS-H", taxable=True),
                             line("Implementation", "50.00", sku="IMPL-01")],
                     contact(world), currency="CAD")
    out = outputs(world.execute("create-invoice", "DEAL", deal,
                                {"tax_code": gst, "exempt_tax_code": exempt}))
    assert out["result"] == "created", out
    codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"]
             for ln in ca.entities("Invoice")[0]["Line"] if ln["DetailType"] ==
             "SalesItemLineDetail"]
    assert codes == [gst, exempt]


def test_calls_per_invoice_stay_within_spec_6(world):
    world.connect_company(custom_txn_numbers=True, class_tracking="txn")
    buyer = addressed_contact(world, "calls@example.com", "Cal", "Ls", state="Texas")
    acme = company(world, "Calls Co")
    lines = [line("Consulting", "150.00", sku="CONS-H")]
    reset_calls(world)
    outputs(world.execute("create-invoice", "DEAL", make_deal(world, lines, buyer, acme)))
    cold = (len(hubspot_calls(world)), len(qbo_calls(world)))
    reset_calls(world)
    outputs(world.execute("create-invoice", "DEAL", make_deal(world, lines, buyer, acme)))
    warm = (len(hubspot_calls(world)), len(qbo_calls(world)))
    assert warm == (4, 1)  # record, lines, contacts, company; the invoice
    print("calls per invoice (HubSpot, QuickBooks): cold", cold, "warm", warm)
    assert cold[0] <= 4 and cold[1] <= 4 and not qbo_calls(world, "/preferences")
