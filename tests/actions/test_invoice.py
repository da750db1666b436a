"""create-invoice through the real endpoint (signed requests) against both emulators."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from actions import lookups
from tests.support.crm import (
    company,
    contact,
    hubspot_calls,
    line,
    make_deal,
    make_quote,
    outputs,
    qbo_calls,
    qbo_named,
    reset_calls,
)


@pytest.fixture
def us(world):
    """A connected US company (seeded with the emulator's demo items and parties)."""
    return world.connect_company()


def only_invoice(us) -> dict:
    invoices = us.entities("Invoice")
    assert len(invoices) == 1
    return invoices[0]


def item_lines(txn: dict) -> list[dict]:
    return [ln for ln in txn["Line"] if ln["DetailType"] == "SalesItemLineDetail"]


@pytest.mark.parametrize("kind", ["DEAL", "QUOTE"])
def test_invoice_with_terms_dates_memo_note_and_doc_number(world, us, kind):
    net15 = qbo_named(us, "Term", "Net 15")
    make = make_deal if kind == "DEAL" else make_quote
    record = make(
        world,
        [line("Consulting", "150.00", "2", sku="CONS-H")],
        contact(world),
        company(world, "Doe LLC"),
    )
    out = outputs(
        world.execute(
            "create-invoice",
            kind,
            record,
            {
                "payment_terms": net15["Id"],
                "invoice_date": "2025-06-01",
                "customer_memo": "Thank you for your business",
                "private_note": "HubSpot deal",
                "doc_number": "HS-1001",
            },
        )
    )
    invoice = only_invoice(us)
    assert out["hs_execution_state"] == "SUCCESS" and out["result"] == "created"
    assert out["qbo_id"] == invoice["Id"] and out["qbo_doc_number"] == "HS-1001"
    assert out["qbo_total"] == "300.00"
    assert out["qbo_customer_id"] == invoice["CustomerRef"]["value"]
    assert out["qbo_url"] == f"https://app.qbo.intuit.com/app/invoice?txnId={invoice['Id']}"
    assert invoice["SalesTermRef"]["value"] == net15["Id"]
    assert invoice["TxnDate"] == "2025-06-01"
    assert invoice["DueDate"] == "2025-06-16"  # from the term
    assert invoice["CustomerMemo"] == {"value": "Thank you for your business"}
    head, note = invoice["PrivateNote"].split("\n")
    assert head.startswith(f"HubSpot {kind.lower()} ") and note == "HubSpot deal"
    assert invoice["BillEmail"] == {"Address": "jane.doe@example.com"}
    [billed] = item_lines(invoice)
    assert (
        billed["SalesItemLineDetail"]["ItemRef"]["value"]
        == qbo_named(us, "Item", "Consulting")["Id"]
    )
    assert billed["SalesItemLineDetail"]["Qty"] == Decimal("2")
    assert billed["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}


def test_explicit_due_date_and_epoch_millisecond_dates(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    day = date(2025, 1, 15)
    epoch_ms = int((day - date(1970, 1, 1)).total_seconds() * 1000)
    outputs(
        world.execute(
            "create-invoice",
            "DEAL",
            deal,
            {"invoice_date": str(epoch_ms), "due_date": "2025-03-01"},
        )
    )
    invoice = only_invoice(us)
    assert invoice["TxnDate"] == "2025-01-15" and invoice["DueDate"] == "2025-03-01"
    assert invoice["DocNumber"].isdigit()  # no doc_number given: QuickBooks numbered it


def test_quote_invoice_bills_the_signer_first(world, us):
    first = contact(world, "first@example.com", "First", "Contact")
    signer = contact(world, "signer@example.com", "Sig", "Ner")
    quote = make_quote(
        world, [line("Implementation", "2500.00", sku="IMPL-01")], contact=[first], signer=signer
    )
    out = outputs(world.execute("create-invoice", "QUOTE", quote))
    customer = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert customer["PrimaryEmailAddr"]["Address"] == "signer@example.com"
    assert customer["DisplayName"] == "Sig Ner"


def test_quote_with_several_unlabeled_contacts_asks_v4_for_a_signer(world, us):
    first = contact(world, "first@example.com", "First", "Contact")
    second = contact(world, "second@example.com", "Second", "Contact")
    quote = make_quote(world, [line("Consulting", "150.00", sku="CONS-H")], contact=[first, second])
    reset_calls(world)
    out = outputs(world.execute("create-invoice", "QUOTE", quote))
    assert out["result"] == "created"
    assert any("/crm/objects/2026-03/quotes/" in c["path"] for c in hubspot_calls(world))
    customer = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert customer["PrimaryEmailAddr"]["Address"] == "first@example.com"


def test_contact_matched_by_email_is_not_created_again(world, us):
    pat = contact(world, "pat.obrien@example.com", "Pat", "O'Brien")
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], pat)
    before = len(us.entities("Customer"))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["qbo_customer_id"] == qbo_named(us, "Customer", "O'Brien Plumbing")["Id"]
    assert len(us.entities("Customer")) == before


def test_new_contact_creates_customer_named_after_the_company(world, us):
    deal = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world, "ann@initech.example", "Ann", "Smith"),
        company(world, "Initech: Holdings\tInc"),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    created = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert created["DisplayName"] == "Initech Holdings Inc"  # ":" and tab are stripped
    assert created["CompanyName"] == "Initech Holdings Inc"
    assert created["GivenName"] == "Ann" and created["FamilyName"] == "Smith"
    assert created["PrimaryEmailAddr"]["Address"] == "ann@initech.example"


def test_contact_without_company_is_named_first_last_else_email(world, us):
    named = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world, "bo@example.com", "Bo", "Diddley"),
    )
    anonymous = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world, "anon@example.com", None, None),
    )
    first = outputs(world.execute("create-invoice", "DEAL", named))
    second = outputs(world.execute("create-invoice", "DEAL", anonymous))
    names = {c["Id"]: c["DisplayName"] for c in us.entities("Customer")}
    assert names[first["qbo_customer_id"]] == "Bo Diddley"
    assert names[second["qbo_customer_id"]] == "anon@example.com"


def test_display_name_clash_with_a_vendor_uses_name_with_email_then_numbers(world, us):
    us.add("Vendor", {"DisplayName": "Jane Doe (jane.doe@example.com)"})
    deal = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world),
        company(world, "Acme Supplies"),
    )  # the seeded vendor's name
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    created = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert created["DisplayName"] == "Jane Doe (jane.doe@example.com) 2"
    assert created["CompanyName"] == "Acme Supplies"


def test_existing_customer_of_the_same_name_is_used(world, us):
    # No email match, but "Globex Corporation" exists in the home currency without an email:
    # bill it (SPEC §7: a name match needs an empty or agreeing email).
    us.add("Customer", {"DisplayName": "Initech", "CompanyName": "Initech"})
    deal = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world, "buyer@initech.example", "Gia", "Buyer"),
        company(world, "Initech"),
    )
    before = len(us.entities("Customer"))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["qbo_customer_id"] == qbo_named(us, "Customer", "Initech")["Id"]
    assert len(us.entities("Customer")) == before


def test_create_customer_off_without_a_match_fails(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"create_customer": "false"}))
    assert out["hs_execution_state"] == "FAIL_CONTINUE"
    assert out["error_code"] == "CUSTOMER_NOT_FOUND"
    assert "jane.doe@example.com" in out["error_message"]
    assert us.entities("Invoice") == []


def test_apostrophes_backslashes_and_unicode_in_names_emails_and_skus(world, us):
    sku = "Ü-O'B\\1"
    who = contact(world, "o'brien\\ü@exämple.com", "Siobhán", "O'Brien")
    org = company(world, "Café O'Reilly \\ Söhne")
    lines = [line("Crème brûlée 'special' \\ deluxe", "12.50", "4", sku=sku)]
    first = outputs(
        world.execute(
            "create-invoice",
            "DEAL",
            make_deal(world, lines, who, org),
            {"create_missing_products": "true"},
        )
    )
    assert first["result"] == "created", first
    customer = qbo_named(us, "Customer", "Café O'Reilly \\ Söhne")
    assert customer["PrimaryEmailAddr"]["Address"] == "o'brien\\ü@exämple.com"
    item = qbo_named(us, "Item", "Crème brûlée 'special' \\ deluxe")
    assert item["Sku"] == sku

    lookups.forget_all()  # cold again: the second deal must find both through queries
    second = outputs(world.execute("create-invoice", "DEAL", make_deal(world, lines, who, org)))
    assert second["result"] == "created", second
    assert second["qbo_customer_id"] == customer["Id"]
    invoice = next(i for i in us.entities("Invoice") if i["Id"] == second["qbo_id"])
    assert item_lines(invoice)[0]["SalesItemLineDetail"]["ItemRef"]["value"] == item["Id"]
    assert len([c for c in us.entities("Customer") if "Reilly" in c["DisplayName"]]) == 1


def test_items_by_sku_name_created_and_fallback(world, us):
    consulting = qbo_named(us, "Item", "Consulting")
    implementation = qbo_named(us, "Item", "Implementation")
    deal = make_deal(
        world,
        [
            line("Hourly advice", "150.00", sku="cons-h"),  # SKU wins over the name
            line("IMPLEMENTATION", "2500.00"),  # exact name, any case
            line("Brand new service", "99.99", sku="NEW-1", description="Fresh"),
        ],
        contact(world),
    )
    reset_calls(world)
    out = outputs(
        world.execute("create-invoice", "DEAL", deal, {"create_missing_products": "true"})
    )
    assert out["result"] == "created", out
    created = qbo_named(us, "Item", "Brand new service")
    assert created["Type"] == "Service" and created["Sku"] == "NEW-1"
    assert (
        created["IncomeAccountRef"]["value"]
        == qbo_named(us, "Account", "Sales of Product Income")["Id"]
    )
    refs = [ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in item_lines(only_invoice(us))]
    assert refs == [consulting["Id"], implementation["Id"], created["Id"]]
    # One SKU query, one name query, one account query for the new item; not one per line.
    assert len(qbo_calls(world, "/query")) == 4  # + the customer's email

    fallback = qbo_named(us, "Item", "Services")
    other = make_deal(world, [line("Mystery box", "10.00", sku="MYST")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", other, {"fallback_item": fallback["Id"]}))
    invoice = next(i for i in us.entities("Invoice") if i["Id"] == out["qbo_id"])
    assert item_lines(invoice)[0]["SalesItemLineDetail"]["ItemRef"]["value"] == fallback["Id"]
    assert item_lines(invoice)[0]["Amount"] == Decimal("10.00")


def test_created_item_uses_the_chosen_income_account(world, us):
    services = qbo_named(us, "Account", "Services")
    deal = make_deal(world, [line("Audit", "500.00")], contact(world))
    outputs(
        world.execute(
            "create-invoice",
            "DEAL",
            deal,
            {"create_missing_products": "true", "income_account": services["Id"]},
        )
    )
    assert qbo_named(us, "Item", "Audit")["IncomeAccountRef"]["value"] == services["Id"]


def test_unmatched_products_names_every_unmatched_line(world, us):
    deal = make_deal(
        world,
        [
            line("Consulting", "150.00", sku="CONS-H"),
            line("Training workshop", "800.00", sku="TRAIN-99"),
            line("Legacy Widget", "10.00", sku="LEG-01"),  # inactive in QuickBooks
            line("Gizmo", "5.00"),
        ],
        contact(world),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["hs_execution_state"] == "FAIL_CONTINUE" and out["result"] == "failed"
    assert out["error_code"] == "UNMATCHED_PRODUCTS"
    for name in ("'Training workshop' (SKU TRAIN-99)", "'Legacy Widget' (SKU LEG-01)", "'Gizmo'"):
        assert name in out["error_message"]
    assert "Consulting" not in out["error_message"]
    assert us.entities("Invoice") == []


def test_line_discounts_become_one_discount_line_with_exact_totals(world, us):
    deal = make_deal(
        world,
        [
            line("Implementation", "2500.00", "1", sku="IMPL-01", amount="2250.00"),
            line("Consulting", "150.00", "3", sku="CONS-H", amount="405.50"),
            line("Support plan", "1200.00", sku="SUP-12"),
        ],
        contact(world),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    invoice = only_invoice(us)
    discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert len(discounts) == 1
    assert discounts[0]["Amount"] == Decimal("294.50")  # 250 + 44.50
    assert discounts[0]["DiscountLineDetail"]["PercentBased"] is False
    assert [ln["Amount"] for ln in item_lines(invoice)] == [
        Decimal("2500.00"),
        Decimal("450.00"),
        Decimal("1200.00"),
    ]
    assert invoice["TotalAmt"] == Decimal("3855.50")  # 2250 + 405.50 + 1200, no tax
    assert out["qbo_total"] == "3855.50" and out["result"] == "created"


def test_fractional_quantities_round_half_up_to_the_cent(world, us):
    deal = make_deal(
        world,
        [
            line("Consulting", "150.00", "1.5", sku="CONS-H"),
            line("Implementation", "10.01", "0.333", sku="IMPL-01", amount="3.33"),
            line("Support plan", "0.125", "3", sku="SUP-12", amount="0.38"),
        ],
        contact(world),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    invoice = only_invoice(us)
    amounts = [(ln["SalesItemLineDetail"]["Qty"], ln["Amount"]) for ln in item_lines(invoice)]
    assert amounts == [
        (Decimal("1.5"), Decimal("225.00")),
        (Decimal("0.333"), Decimal("3.33")),
        (Decimal("3"), Decimal("0.38")),
    ]  # 3.33333 → 3.33, 0.375 → 0.38
    assert out["qbo_total"] == "228.71"
    assert not [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]


def test_us_tax_codes_follow_the_hubspot_tax_rate(world, us):
    deal = make_deal(
        world,
        [
            line("Hardware kit", "499.00", sku="HW-KIT", taxable=True),
            line("Consulting", "150.00", sku="CONS-H"),
        ],
        contact(world),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    invoice = only_invoice(us)
    codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in item_lines(invoice)]
    assert codes == ["TAX", "NON"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == Decimal("41.17")  # 8.25 % of 499
    assert out["qbo_total"] == "690.17" and out["result"] == "created"


def test_non_us_company_puts_the_tax_code_on_every_line(world):
    ca = world.connect_company("9130350000000002", country="CA", currency="CAD")
    gst = qbo_named(ca, "TaxCode", "GST")
    deal = make_deal(
        world,
        [
            line("Consulting", "150.00", "2", sku="CONS-H"),
            line("Implementation", "100.00", sku="IMPL-01", amount="90.00"),
        ],
        contact(world),
        currency="CAD",
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"tax_code": gst["Id"]}))
    assert out["result"] == "created", out
    [invoice] = ca.entities("Invoice")
    assert {ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in item_lines(invoice)} == {
        gst["Id"]
    }
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
    assert out["qbo_total"] == "409.50"  # (300 + 100 − 10) × 1.05


def test_non_us_company_without_tax_code_fails_before_calling_quickbooks(world):
    world.connect_company("9130350000000002", country="GB", currency="GBP")
    deal = make_deal(
        world, [line("Consulting", "150.00", sku="CONS-H")], contact(world), currency="GBP"
    )
    reset_calls(world)
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["error_code"] == "TAX_CODE_REQUIRED"
    assert "tax code" in out["error_message"].lower()
    assert "Tax code" in out["error_message"]
    assert qbo_calls(world) == []


def test_foreign_currency_deal_with_multicurrency(world):
    world.hubspot.portals[world.portal_id].currencies.append("EUR")
    us = world.connect_company(multicurrency=True)
    deal = make_deal(
        world,
        [line("Consulting", "140.00", "8", sku="CONS-H")],
        contact(world, "buyer@globex.example", "Gia", "Buyer"),
        company(world, "Globex Corporation"),
        currency="EUR",
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created", out
    invoice = only_invoice(us)
    assert invoice["CurrencyRef"]["value"] == "EUR"
    customer = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    # "Globex Corporation" is a USD customer: the EUR one gets the currency in its name.
    assert customer["DisplayName"] == "Globex Corporation (EUR)"
    assert customer["CurrencyRef"]["value"] == "EUR"
    assert out["qbo_total"] == "1120.00"

    # The next EUR deal of that contact finds the EUR customer by email.
    lookups.forget_all()
    again = make_deal(
        world,
        [line("Consulting", "140.00", sku="CONS-H")],
        contact(world, "buyer@globex.example", "Gia", "Buyer"),
        currency="EUR",
    )
    assert (
        outputs(world.execute("create-invoice", "DEAL", again))["qbo_customer_id"]
        == (customer["Id"])
    )


def test_foreign_currency_deal_without_multicurrency_fails(world):
    world.hubspot.portals[world.portal_id].currencies.append("EUR")
    us = world.connect_company()
    deal = make_deal(
        world, [line("Consulting", "140.00", sku="CONS-H")], contact(world), currency="EUR"
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["error_code"] == "CURRENCY_NOT_ENABLED"
    assert "EUR" in out["error_message"] and "USD" in out["error_message"]
    assert us.entities("Invoice") == []


def test_no_contact_and_no_email(world, us):
    orphan = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")])
    out = outputs(world.execute("create-invoice", "DEAL", orphan))
    assert (out["hs_execution_state"], out["error_code"]) == ("FAIL_CONTINUE", "NO_CONTACT")
    silent = make_deal(
        world, [line("Consulting", "150.00", sku="CONS-H")], contact(world, None, "Sam", "Noemail")
    )
    out = outputs(world.execute("create-invoice", "DEAL", silent))
    assert out["error_code"] == "NO_EMAIL" and "Sam Noemail" in out["error_message"]
    assert us.entities("Invoice") == []


def test_deal_without_line_items_fails(world, us):
    out = outputs(world.execute("create-invoice", "DEAL", make_deal(world, [], contact(world))))
    assert out["error_code"] == "NO_LINE_ITEMS"


def test_if_exists_skip_returns_the_first_invoice_and_create_another_books_again(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    first = outputs(world.execute("create-invoice", "DEAL", deal))
    skipped = outputs(world.execute("create-invoice", "DEAL", deal, {"if_exists": "skip"}))
    assert skipped["result"] == "existing"
    for key in ("qbo_id", "qbo_doc_number", "qbo_total", "qbo_customer_id", "qbo_url"):
        assert skipped[key] == first[key]
    assert len(us.entities("Invoice")) == 1
    another = outputs(
        world.execute("create-invoice", "DEAL", deal, {"if_exists": "create_another"})
    )
    assert another["result"] == "created" and another["qbo_id"] != first["qbo_id"]
    assert len(us.entities("Invoice")) == 2


def test_another_portals_company_is_refused(world, us):
    world.install_portal(2000002)
    world.connect_company("9130350000000099", portal_id=2000002)
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    reset_calls(world)
    response = world.execute(
        "create-invoice", "DEAL", deal, {"quickbooks_company": "9130350000000099"}
    )
    assert response.status_code == 403
    assert "not connected to portal" in response.get_json()["error"]
    assert qbo_calls(world) == [] and hubspot_calls(world) == []
    assert world.quickbooks.companies["9130350000000099"].entities("Invoice") == []


def test_duplicate_delivery_returns_the_stored_outputs(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    first = outputs(world.execute("create-invoice", "DEAL", deal, callback_id="ap-dup-1"))
    again = outputs(world.execute("create-invoice", "DEAL", deal, callback_id="ap-dup-1"))
    assert again == first and len(us.entities("Invoice")) == 1


def test_lost_response_is_replayed_by_requestid_not_duplicated(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    world.quickbooks.faults.add("lose_response", match="/invoice")
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["result"] == "created"
    assert len(us.entities("Invoice")) == 1
    creates = qbo_calls(world, "/invoice")
    assert len(creates) == 2 and creates[0]["requestid"] == creates[1]["requestid"]


def test_retry_after_an_outage_reuses_the_created_customer(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    world.quickbooks.faults.add("error_500", match="/invoice", count=3)
    first = world.execute("create-invoice", "DEAL", deal, callback_id="ap-outage-1")
    assert first.status_code == 503  # HubSpot retries later
    assert us.entities("Invoice") == []
    customers = len(us.entities("Customer"))
    lookups.forget_all()  # a retry may land on another worker with a cold cache
    reset_calls(world)
    out = outputs(world.execute("create-invoice", "DEAL", deal, callback_id="ap-outage-1"))
    assert out["result"] == "created"
    assert len(us.entities("Customer")) == customers and len(us.entities("Invoice")) == 1
    assert qbo_calls(world, "/customer") == []  # the recorded step was reused


@pytest.mark.parametrize(
    "inputs, code",
    [
        ({"doc_number": "DUP-1"}, "DUPLICATE_DOC_NUMBER"),
        ({"payment_terms": "9999"}, "INVALID_REFERENCE"),
    ],
)
def test_quickbooks_validation_faults_become_error_codes(world, us, inputs, code):
    first = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    second = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    if code == "DUPLICATE_DOC_NUMBER":
        assert outputs(world.execute("create-invoice", "DEAL", first, inputs))["result"] == (
            "created"
        )
    out = outputs(world.execute("create-invoice", "DEAL", second, inputs))
    assert out["hs_execution_state"] == "FAIL_CONTINUE" and out["error_code"] == code
    assert "QuickBooks error" in out["error_message"]


def test_other_quickbooks_validation_carries_its_message(world, us):
    deal = make_deal(
        world,
        [line("Consulting", "150.00", sku="CONS-H")],
        contact(world, "not-an-email", "Bad", "Address"),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["error_code"] == "QUICKBOOKS_VALIDATION"
    assert "6000" in out["error_message"] and "not-an-email" in out["error_message"]


def test_inactive_cached_item_is_re_resolved_and_the_create_retried(world, us):
    fallback = qbo_named(us, "Item", "Services")
    inputs = {"fallback_item": fallback["Id"]}
    deal = make_deal(world, [line("Support plan", "1200.00", sku="SUP-12")], contact(world))
    outputs(world.execute("create-invoice", "DEAL", deal, inputs))  # warms the cache
    with world.quickbooks.lock:
        us.get("Item", qbo_named(us, "Item", "Support plan")["Id"])["Active"] = False
    again = make_deal(world, [line("Support plan", "1200.00", sku="SUP-12")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", again, inputs))
    assert out["result"] == "created", out
    invoice = next(i for i in us.entities("Invoice") if i["Id"] == out["qbo_id"])
    assert item_lines(invoice)[0]["SalesItemLineDetail"]["ItemRef"]["value"] == fallback["Id"]


def test_inactive_cached_customer_is_replaced(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    first = outputs(world.execute("create-invoice", "DEAL", deal))
    with world.quickbooks.lock:
        us.get("Customer", first["qbo_customer_id"])["Active"] = False
    again = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", again))
    assert out["result"] == "created", out
    assert out["qbo_customer_id"] != first["qbo_customer_id"]
    replacement = next(c for c in us.entities("Customer") if c["Id"] == out["qbo_customer_id"])
    assert replacement["DisplayName"] == "Jane Doe (jane.doe@example.com)"


def test_send_email_asks_quickbooks_to_email_the_invoice(world, us):
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"send_email": "true"}))
    assert out["result"] == "created" and out["error_code"] == ""
    invoice = only_invoice(us)
    assert invoice["EmailStatus"] == "EmailSent"
    sends = qbo_calls(world, f"/invoice/{invoice['Id']}/send")
    assert len(sends) == 1 and sends[0]["requestid"]


def test_calls_per_execution_meet_the_targets(world, us):
    def measured(deal):
        reset_calls(world)
        out = outputs(world.execute("create-invoice", "DEAL", deal))
        assert out["result"] == "created", out
        return len(hubspot_calls(world)), len(qbo_calls(world))

    jane = contact(world)
    acme = company(world, "Doe LLC")
    lines = [line("Consulting", "150.00", sku="CONS-H"), line("Implementation", "2500.00")]
    cold_new = measured(make_deal(world, lines, jane, acme))
    warm = measured(make_deal(world, lines, jane, acme))
    lookups.forget_all()
    cold_known = measured(make_deal(world, lines, jane, acme))
    # HubSpot: record, line items, contacts, company (its address is BillAddr: SPEC §7).
    assert cold_new == (4, 5)  # email, create customer, SKU, name, invoice
    assert cold_known == (4, 4)  # email, SKU, name, invoice
    assert warm == (4, 1)  # SPEC §6: warm ≤ 1 QuickBooks call, ≤ 4 HubSpot calls

    skus_only = [line("Consulting", "150.00", sku="CONS-H")]
    lookups.forget_all()
    assert measured(make_deal(world, skus_only, jane, acme)) == (4, 3)  # cold, known customer
    newcomer = contact(world, "new@example.com", "New", "Comer")
    lookups.forget_all()
    # cold, new customer: email, create customer, SKU, invoice (+ the company name in HubSpot)
    assert measured(make_deal(world, skus_only, newcomer, company(world, "New Co"))) == (4, 4)


def test_trace_records_the_resolved_customer_and_lines(world, us, runtime):
    from sqlmodel import select

    from store import Execution

    deal = make_deal(
        world, [line("Consulting", "150.00", "2", sku="CONS-H", amount="280.00")], contact(world)
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    with runtime.db.session() as s:
        row = s.exec(select(Execution)).one()
    assert row.trace["customer"]["id"] == out["qbo_customer_id"]
    assert row.trace["customer"]["matched_by"] == "created"
    [traced] = row.trace["lines"]
    assert traced["matched_by"] == "sku" and traced["discount"] == "20"
    assert traced["item_name"] == "Consulting"


def test_due_date_defaults_from_the_customers_terms_when_no_term_given(world, us):
    pat = contact(world, "pat.obrien@example.com", "Pat", "O'Brien")
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], pat)
    outputs(world.execute("create-invoice", "DEAL", deal, {"invoice_date": "2025-02-01"}))
    invoice = only_invoice(us)
    assert invoice["DueDate"] == (date(2025, 2, 1) + timedelta(days=30)).isoformat()


def test_revenue_recognition_service_date_fault_is_retried_with_the_invoice_date(
    world, us, monkeypatch
):
    # The emulator does not model revenue recognition: answer the first create as QuickBooks
    # does for such products (reference §3: "Enter a service date for revenue recognition").
    from clients.quickbooks import QuickBooksClient, QuickBooksError

    sent = []
    original = QuickBooksClient.create

    def create(self, entity, body, request_id, **params):
        sent.append((entity, body, request_id))
        if entity == "Invoice" and len([s for s in sent if s[0] == "Invoice"]) == 1:
            raise QuickBooksError(
                400,
                "6000",
                "A business validation error has occurred",
                "Enter a service date for revenue recognition",
                "Line.SalesItemLineDetail.ServiceDate",
            )
        return original(self, entity, body, request_id, **params)

    monkeypatch.setattr(QuickBooksClient, "create", create)
    deal = make_deal(
        world,
        [
            line("Consulting", "150.00", sku="CONS-H"),
            line(
                "Support plan",
                "1200.00",
                sku="SUP-12",
                hs_recurring_billing_start_date="2025-07-01",
            ),
        ],
        contact(world),
    )
    out = outputs(world.execute("create-invoice", "DEAL", deal, {"invoice_date": "2025-06-15"}))
    assert out["result"] == "created", out
    first, second = [s for s in sent if s[0] == "Invoice"]
    assert first[2] != second[2]  # its own requestid
    dates = [
        ln["SalesItemLineDetail"].get("ServiceDate")
        for ln in second[1]["Line"]
        if ln["DetailType"] == "SalesItemLineDetail"
    ]
    assert dates == ["2025-06-15", "2025-07-01"]
    assert [ln["SalesItemLineDetail"]["ServiceDate"] for ln in item_lines(only_invoice(us))] == (
        dates
    )


def test_service_date_fault_that_persists_is_reported(world, us, monkeypatch):
    from clients.quickbooks import QuickBooksClient, QuickBooksError

    original = QuickBooksClient.create

    def create(self, entity, body, request_id, **params):
        if entity == "Invoice":
            raise QuickBooksError(
                400,
                "6000",
                "A business validation error has occurred",
                "Enter a service date for revenue recognition",
            )
        return original(self, entity, body, request_id, **params)

    monkeypatch.setattr(QuickBooksClient, "create", create)
    deal = make_deal(world, [line("Consulting", "150.00", sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal))
    assert out["error_code"] == "SERVICE_DATE_REQUIRED"
    assert "revenue recognition" in out["error_message"]
