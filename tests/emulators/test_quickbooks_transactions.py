"""Transactions: totals, tax, discounts, currency, numbering, payments, expenses, refunds, send."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emulators.quickbooks import schema
from tests.emulators.conftest import US_REALM, QboApi

D = Decimal


@pytest.fixture
def ids(qbo_us):
    """Seeded Ids by name in the US company."""
    return {
        "globex": qbo_us.find("Customer", DisplayName="Globex Corporation")["Id"],
        "obrien": qbo_us.find("Customer", DisplayName="O'Brien Plumbing")["Id"],
        "consulting": qbo_us.find("Item", Name="Consulting")["Id"],
        "hardware": qbo_us.find("Item", Name="Hardware kit")["Id"],
        "checking": qbo_us.find("Account", Name="Checking")["Id"],
        "card": qbo_us.find("Account", Name="Company Card")["Id"],
        "services_account": qbo_us.find("Account", Name="Services")["Id"],
        "bank_charges": qbo_us.find("Account", Name="Bank Charges")["Id"],
        "undeposited": qbo_us.find("Account", Name="Undeposited Funds")["Id"],
        "net30": qbo_us.find("Term", Name="Net 30")["Id"],
        "vendor": qbo_us.find("Vendor", DisplayName="HubSpot Payments")["Id"],
    }


def sales_line(item_id, amount, qty=None, price=None, tax=None):
    detail = {"ItemRef": {"value": item_id}}
    if qty is not None:
        detail["Qty"] = D(str(qty))
    if price is not None:
        detail["UnitPrice"] = D(str(price))
    if tax is not None:
        detail["TaxCodeRef"] = {"value": tax}
    return {"DetailType": "SalesItemLineDetail", "Amount": D(str(amount)),
            "SalesItemLineDetail": detail}


def discount_line(amount=None, percent=None):
    detail = {"PercentBased": percent is not None}
    if percent is not None:
        detail["DiscountPercent"] = D(str(percent))
    line = {"DetailType": "DiscountLineDetail", "DiscountLineDetail": detail}
    if amount is not None:
        line["Amount"] = D(str(amount))
    return line


def fault(result, code, element=None):
    assert result.status == 400, result.json
    assert result.fault_code == code, result.json
    if element is not None:
        assert result.error["element"] == element
    return result.error


# -- invoices: totals, tax and discounts --

def test_invoice_from_the_reference_totals_180(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]}, "DocNumber": "CRM-1001",
            "TxnDate": "2025-06-01", "SalesTermRef": {"value": ids["net30"]},
            "Line": [sales_line(ids["consulting"], "200.00", 2, "100.00", "NON"),
                     discount_line(amount="20.00")]}
    invoice = qbo_us.create("invoice", body)
    assert invoice["TotalAmt"] == D("180.00")
    assert invoice["Balance"] == D("180.00")
    assert invoice["TxnTaxDetail"]["TotalTax"] == D("0")
    assert invoice["DueDate"] == "2025-07-01"
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert invoice["ExchangeRate"] == D("1")
    subtotal = invoice["Line"][-1]
    assert subtotal == {"Amount": D("200.00"), "DetailType": "SubTotalLineDetail",
                        "SubTotalLineDetail": {}}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Consulting"
    assert invoice["CustomerRef"]["name"] == "Globex Corporation"
    assert schema.validate("Invoice", invoice, full=True) == []


def test_us_tax_on_taxable_lines_after_a_percent_discount(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]}, "ApplyTaxAfterDiscount": True,
            "Line": [sales_line(ids["hardware"], "499.00", 1, "499.00", "TAX"),
                     sales_line(ids["consulting"], "200.00", 2, "100.00", "NON"),
                     discount_line(percent=10)]}
    invoice = qbo_us.create("invoice", body)
    # Discount 69.90 spread pro rata: taxable 499 * 0.9 = 449.10; 8.25% = 37.05.
    assert invoice["TxnTaxDetail"]["TotalTax"] == D("37.05")
    assert invoice["Line"][2]["Amount"] == D("69.90")
    assert invoice["TotalAmt"] == D("666.15")
    tax_line = invoice["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]
    assert tax_line["TaxPercent"] == D("8.25")
    assert tax_line["NetAmountTaxable"] == D("449.10")


def test_us_tax_order_follows_the_company_when_not_sent(qbo_us, ids, qbo):
    # Reference §9: QBO's default is false (tax, then discount); no API preference was found,
    # so the emulator's company setting stands in for the user's choice.
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["hardware"], "499.00", 1, "499.00", "TAX"),
                     discount_line(percent=10)]}
    assert qbo_us.create("invoice", body)["TxnTaxDetail"]["TotalTax"] == D("41.17")
    for company in qbo.companies.values():
        company.tax_after_discount = True
    assert qbo_us.create("invoice", body)["TxnTaxDetail"]["TotalTax"] == D("37.05")


def test_us_tax_before_discount_when_asked(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]}, "ApplyTaxAfterDiscount": False,
            "Line": [sales_line(ids["hardware"], "499.00", 1, "499.00", "TAX"),
                     sales_line(ids["consulting"], "200.00", 2, "100.00", "NON"),
                     discount_line(percent=10)]}
    invoice = qbo_us.create("invoice", body)
    assert invoice["TxnTaxDetail"]["TotalTax"] == D("41.17")
    assert invoice["TotalAmt"] == D("670.27")


def test_us_line_tax_code_defaults_from_item_and_explicit_total_tax_is_honoured(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["hardware"], "100.00")]}
    invoice = qbo_us.create("invoice", body)
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    assert invoice["TotalAmt"] == D("108.25")
    body["TxnTaxDetail"] = {"TotalTax": D("5.00")}
    assert qbo_us.create("invoice", body)["TotalAmt"] == D("105.00")


def test_us_tax_code_other_than_tax_or_non_is_6100(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["consulting"], "100.00", tax="GST")]}
    fault(qbo_us.post("invoice", body), "6100", "Line.SalesItemLineDetail.TaxCodeRef")


def test_amount_must_equal_qty_times_unit_price_6070(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["consulting"], "199.99", 2, "100.00")]}
    error = fault(qbo_us.post("invoice", body), "6070", "Line.Amount")
    assert error["Message"] == "Amount calculation incorrect"
    # 3 x 33.335 = 100.005, which QBO rounds half up to 100.01.
    body["Line"] = [sales_line(ids["consulting"], "100.01", 3, "33.335")]
    assert qbo_us.post("invoice", body).status == 200
    body["Line"] = [sales_line(ids["consulting"], "100.00", 3, "33.335")]
    fault(qbo_us.post("invoice", body), "6070")


def test_discount_needs_an_amount_or_a_percent(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["consulting"], "100.00"), discount_line()]}
    fault(qbo_us.post("invoice", body), "6090", "Line.DiscountLineDetail")


def test_inventory_item_without_quantity_is_6520(qbo_us, ids):
    item = qbo_us.create("item", {
        "Name": "Boxed widget", "Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": 5,
        "InvStartDate": "2025-01-01", "IncomeAccountRef": {"value": ids["services_account"]},
        "AssetAccountRef": {"value": ids["undeposited"]},
        "ExpenseAccountRef": {"value": ids["bank_charges"]}})
    body = {"CustomerRef": {"value": ids["globex"]}, "Line": [sales_line(item["Id"], "10.00")]}
    fault(qbo_us.post("invoice", body), "6520")


# -- non-US tax -----------------------------------------------------------------------------------

def test_canadian_lines_need_a_gst_hst_code(qbo_ca):
    customer = qbo_ca.find("Customer", DisplayName="Globex Corporation")["Id"]
    item = qbo_ca.find("Item", Name="Consulting")["Id"]
    body = {"CustomerRef": {"value": customer}, "Line": [sales_line(item, "200.00", 2, 100)]}
    error = fault(qbo_ca.post("invoice", body), "6000", "Line.SalesItemLineDetail.TaxCodeRef")
    assert error["Detail"] == ("Business Validation Error: Make sure all your transactions have "
                               "a GST/HST rate before you save.")
    body["Line"] = [sales_line(item, "200.00", 2, 100, tax="TAX")]
    fault(qbo_ca.post("invoice", body), "2500", "Line.SalesItemLineDetail.TaxCodeRef")


def test_canadian_tax_from_the_codes(qbo_ca):
    customer = qbo_ca.find("Customer", DisplayName="Globex Corporation")["Id"]
    item = qbo_ca.find("Item", Name="Consulting")["Id"]
    hst = qbo_ca.find("TaxCode", Name="HST ON")["Id"]
    gst = qbo_ca.find("TaxCode", Name="GST")["Id"]
    exempt = qbo_ca.find("TaxCode", Name="Exempt")["Id"]
    invoice = qbo_ca.create("invoice", {"CustomerRef": {"value": customer},
                                        "Line": [sales_line(item, "200.00", 2, 100, tax=hst)]})
    assert invoice["TxnTaxDetail"]["TotalTax"] == D("26.00")
    assert invoice["TotalAmt"] == D("226.00")
    assert invoice["CurrencyRef"]["value"] == "CAD"
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
    mixed = qbo_ca.create("invoice", {"CustomerRef": {"value": customer},
                                      "Line": [sales_line(item, "100.00", tax=gst),
                                               sales_line(item, "50.00", tax=exempt)]})
    assert mixed["TxnTaxDetail"]["TotalTax"] == D("5.00")
    assert mixed["TotalAmt"] == D("155.00")
    assert schema.validate("Invoice", mixed, full=True) == []


def test_uk_vat_wording_and_tax_inclusive_amounts(qbo_gb):
    customer = qbo_gb.find("Customer", DisplayName="Globex Corporation")["Id"]
    item = qbo_gb.find("Item", Name="Consulting")["Id"]
    standard = qbo_gb.find("TaxCode", Name="20.0% S")["Id"]
    body = {"CustomerRef": {"value": customer}, "Line": [sales_line(item, "100.00")]}
    error = fault(qbo_gb.post("invoice", body), "6000")
    assert "VAT rate" in error["Detail"]
    body["Line"] = [sales_line(item, "100.00", tax=standard)]
    assert qbo_gb.create("invoice", body)["TotalAmt"] == D("120.00")
    body.update(GlobalTaxCalculation="TaxInclusive",
                Line=[sales_line(item, "120.00", tax=standard)])
    inclusive = qbo_gb.create("invoice", body)
    assert inclusive["TxnTaxDetail"]["TotalTax"] == D("20.00")
    assert inclusive["TotalAmt"] == D("120.00")


# -- currency --

def test_foreign_currency_needs_multicurrency(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]}, "CurrencyRef": {"value": "EUR"},
            "Line": [sales_line(ids["consulting"], "100.00")]}
    error = fault(qbo_us.post("invoice", body), "6000", "CurrencyRef")
    assert "ulticurrency" in error["Detail"]
    fault(qbo_us.post("customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}}),
          "6000", "CurrencyRef")


def test_foreign_currency_invoice_with_multicurrency(qbo, qbo_us, ids):
    qbo.companies[qbo_us.realm_id].multicurrency = True
    prefs = qbo_us.get("preferences").json["Preferences"]
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    euro = qbo_us.create("customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    body = {"CustomerRef": {"value": euro["Id"]}, "CurrencyRef": {"value": "EUR"},
            "Line": [sales_line(ids["consulting"], "100.00", 1, 100)]}
    invoice = qbo_us.create("invoice", body)
    assert invoice["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    assert invoice["ExchangeRate"] == D("1.08")
    assert invoice["HomeTotalAmt"] == D("108.00")
    assert invoice["TotalAmt"] == D("100.00")
    # A transaction must be in its customer's currency.
    mismatch = dict(body, CustomerRef={"value": ids["globex"]})
    fault(qbo_us.post("invoice", mismatch), "6000", "CurrencyRef")
    home_for_euro = dict(body, CurrencyRef={"value": "USD"})
    fault(qbo_us.post("invoice", home_for_euro), "6000", "CurrencyRef")


# -- document numbers --

def test_doc_numbers_sequence_and_duplicates(qbo_us, ids):
    base = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["consulting"], "100.00")]}
    first = qbo_us.create("invoice", base)
    second = qbo_us.create("invoice", base)
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")
    assert qbo_us.create("estimate", base)["DocNumber"] == "1001"  # sequences are per type
    error = fault(qbo_us.post("invoice", dict(base, DocNumber="1001")), "6140", "DocNumber")
    assert f"TxnId={first['Id']}" in error["Detail"]
    allowed = qbo_us.post("invoice", dict(base, DocNumber="1001"),
                          include="allowduplicatedocnum")
    assert allowed.status == 200
    fault(qbo_us.post("invoice", dict(base, DocNumber="X" * 22)), "6000", "DocNumber")
    assert qbo_us.create("invoice", dict(base, DocNumber="AUTO_GENERATE"))["DocNumber"] == "1003"


def test_custom_transaction_numbers_leave_doc_number_empty(qbo, qbo_us, ids):
    qbo.companies[qbo_us.realm_id].custom_txn_numbers = True
    prefs = qbo_us.get("preferences").json["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    invoice = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                        "Line": [sales_line(ids["consulting"], "100.00")]})
    assert "DocNumber" not in invoice


# -- payments --

def test_payment_pays_an_invoice_down_to_zero(qbo, qbo_us, ids):
    invoice = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                        "Line": [sales_line(ids["consulting"], "180.00")]})
    payment = qbo_us.create("payment", {
        "CustomerRef": {"value": ids["globex"]}, "TotalAmt": D("180.00"),
        "PaymentRefNum": "ch_123",
        "Line": [{"Amount": D("180.00"),
                  "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert payment["UnappliedAmt"] == D("0.00")
    assert payment["DepositToAccountRef"]["value"] == ids["undeposited"]
    assert schema.validate("Payment", payment, full=True) == []
    paid = qbo_us.get(f"invoice/{invoice['Id']}").json["Invoice"]
    assert paid["Balance"] == D("0.00")
    assert paid["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert paid["SyncToken"] == "1"
    company = qbo.companies[qbo_us.realm_id]
    (customer,) = [c for c in company.entities("Customer") if c["Id"] == ids["globex"]]
    assert customer["Balance"] == D("0.00")


def test_partial_payment_and_unapplied_amount(qbo_us, ids):
    invoice = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                        "Line": [sales_line(ids["consulting"], "100.00")]})
    payment = qbo_us.create("payment", {
        "CustomerRef": {"value": ids["globex"]}, "TotalAmt": D("150.00"),
        "Line": [{"Amount": D("60.00"),
                  "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert payment["UnappliedAmt"] == D("90.00")
    assert qbo_us.get(f"invoice/{invoice['Id']}").json["Invoice"]["Balance"] == D("40.00")


def test_payment_rules(qbo_us, ids):
    invoice = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                        "Line": [sales_line(ids["consulting"], "100.00")]})

    def pay(customer, amount, txn_id, total=None, txn_type="Invoice"):
        return qbo_us.post("payment", {
            "CustomerRef": {"value": customer}, "TotalAmt": D(total or amount),
            "Line": [{"Amount": D(amount),
                      "LinkedTxn": [{"TxnId": txn_id, "TxnType": txn_type}]}]})

    fault(pay(ids["globex"], "100.01", invoice["Id"]), "6000")  # more than the balance
    fault(pay(ids["obrien"], "10", invoice["Id"]), "6000")  # another customer's invoice
    fault(pay(ids["globex"], "10", "999999"), "2500", "Line.LinkedTxn.TxnId")
    fault(pay(ids["globex"], "50", invoice["Id"], total="40"), "6000")  # applied > TotalAmt
    result = qbo_us.post("payment", {"CustomerRef": {"value": ids["globex"]}, "TotalAmt": 5,
                                     "Line": [{"Amount": 5}]})
    fault(result, "2020", "Line.LinkedTxn")
    assert qbo_us.get(f"invoice/{invoice['Id']}").json["Invoice"]["Balance"] == D("100.00")


# -- other sales forms --

def test_sales_receipt_defaults_to_undeposited_funds(qbo_us, ids):
    receipt = qbo_us.create("salesreceipt", {
        "CustomerRef": {"value": ids["globex"]}, "PaymentRefNum": "ch_1",
        "Line": [sales_line(ids["consulting"], "300.00", 2, 150)]})
    assert receipt["DepositToAccountRef"] == {"value": ids["undeposited"],
                                              "name": "Undeposited Funds"}
    assert receipt["TotalAmt"] == D("300.00")
    assert receipt["Balance"] == D("0.00")
    assert schema.validate("SalesReceipt", receipt, full=True) == []


def test_estimate_then_invoice_links_and_closes_it(qbo_us, ids):
    estimate = qbo_us.create("estimate", {"CustomerRef": {"value": ids["globex"]},
                                          "ExpirationDate": "2030-01-01",
                                          "Line": [sales_line(ids["consulting"], "100.00")]})
    assert estimate["TxnStatus"] == "Pending"
    assert schema.validate("Estimate", estimate, full=True) == []
    invoice = qbo_us.create("invoice", {
        "CustomerRef": {"value": ids["globex"]},
        "LinkedTxn": [{"TxnId": estimate["Id"], "TxnType": "Estimate"}],
        "Line": [sales_line(ids["consulting"], "100.00")]})
    closed = qbo_us.get(f"estimate/{estimate['Id']}").json["Estimate"]
    assert closed["TxnStatus"] == "Closed"
    assert closed["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    again = qbo_us.post("invoice", {
        "CustomerRef": {"value": ids["globex"]},
        "LinkedTxn": [{"TxnId": estimate["Id"], "TxnType": "Estimate"}],
        "Line": [sales_line(ids["consulting"], "100.00")]})
    fault(again, "6000")


def test_refund_receipt_account_must_be_bank_or_other_current_asset(qbo_us, ids):
    body = {"CustomerRef": {"value": ids["globex"]},
            "DepositToAccountRef": {"value": ids["checking"]},
            "Line": [sales_line(ids["consulting"], "30.00", 1, 30)]}
    refund = qbo_us.create("refundreceipt", body)
    assert refund["TotalAmt"] == D("30.00")
    assert refund["Balance"] == D("0.00")
    assert schema.validate("RefundReceipt", refund, full=True) == []
    wrong = dict(body, DepositToAccountRef={"value": ids["services_account"]})
    fault(qbo_us.post("refundreceipt", wrong), "6000", "DepositToAccountRef")


def test_send_invoice(qbo_us, ids):
    invoice = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                        "Line": [sales_line(ids["consulting"], "100.00")]})
    assert invoice["EmailStatus"] == "NotSet"
    result = qbo_us.call("POST", f"invoice/{invoice['Id']}/send",
                         params={"sendTo": "ap@globex.example"},
                         content_type="application/octet-stream")
    sent = result.json["Invoice"]
    assert sent["EmailStatus"] == "EmailSent"
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    assert sent["BillEmail"] == {"Address": "ap@globex.example"}
    assert schema.validate("Invoice", sent, full=True) == []
    unknown = qbo_us.call("POST", "invoice/999999/send", params={"sendTo": "a@b.example"})
    fault(unknown, "610")
    other = qbo_us.create("invoice", {"CustomerRef": {"value": ids["globex"]},
                                      "Line": [sales_line(ids["consulting"], "1.00")]})
    fault(qbo_us.call("POST", f"invoice/{other['Id']}/send"), "6000", "BillEmail")


# -- purchases --

def test_purchase_totals_and_account_types(qbo_us, ids):
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": D("52.50"),
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": ids["bank_charges"]}}}
    body = {"PaymentType": "CreditCard", "AccountRef": {"value": ids["card"]},
            "EntityRef": {"value": ids["vendor"], "type": "Vendor"}, "TxnDate": "2025-06-01",
            "Line": [line, dict(line, Amount=D("2.45"))]}
    purchase = qbo_us.create("purchase", body)
    assert purchase["TotalAmt"] == D("54.95")
    assert purchase["EntityRef"] == {"value": ids["vendor"], "type": "Vendor",
                                     "name": "HubSpot Payments"}
    assert schema.validate("Purchase", purchase, full=True) == []
    fault(qbo_us.post("purchase", dict(body, AccountRef={"value": ids["checking"]})), "6000",
          "AccountRef")
    fault(qbo_us.post("purchase", dict(body, PaymentType="Cash")), "6000", "AccountRef")
    cash = qbo_us.create("purchase", dict(body, PaymentType="Check",
                                          AccountRef={"value": ids["checking"]}))
    assert cash["TotalAmt"] == D("54.95")


def test_canadian_purchase_with_gst(qbo_ca):
    bank_charges = qbo_ca.find("Account", Name="Bank Charges")["Id"]
    card = qbo_ca.find("Account", Name="Company Card")["Id"]
    gst = qbo_ca.find("TaxCode", Name="GST")["Id"]
    purchase = qbo_ca.create("purchase", {
        "PaymentType": "CreditCard", "AccountRef": {"value": card},
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": D("100.00"),
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": bank_charges},
                                                    "TaxCodeRef": {"value": gst}}}]})
    assert purchase["TxnTaxDetail"]["TotalTax"] == D("5.00")
    assert purchase["TotalAmt"] == D("105.00")


def test_invoice_adds_to_the_customer_balance(qbo, qbo_us, ids):
    qbo_us.create("invoice", {"CustomerRef": {"value": ids["obrien"]},
                              "Line": [sales_line(ids["consulting"], "75.50")]})
    customer = qbo_us.get(f"customer/{ids['obrien']}").json["Customer"]
    assert customer["Balance"] == D("75.50")


def test_python_quickbooks_shaped_invoice_is_accepted(qbo_us, ids):
    """Blank strings and zero Qty/UnitPrice are how python-quickbooks says "not set"."""
    line = {"Id": None, "LineNum": 0, "Description": None, "Amount": D("200.00"),
            "DetailType": "SalesItemLineDetail", "LinkedTxn": [], "CustomField": [],
            "SalesItemLineDetail": {"UnitPrice": 0, "Qty": 0, "ServiceDate": "",
                                    "ItemRef": {"value": ids["consulting"], "name": None}}}
    body = {"Deposit": 0, "Balance": 0, "AllowIPNPayment": True, "DocNumber": "",
            "PrivateNote": "", "TxnDate": "", "DueDate": "", "ShipDate": "", "TrackingNum": "",
            "TotalAmt": "", "ApplyTaxAfterDiscount": False, "PrintStatus": "NotSet",
            "EmailStatus": "NotSet", "ExchangeRate": 1, "GlobalTaxCalculation": "TaxExcluded",
            "CustomerRef": {"value": ids["globex"]}, "CustomField": [], "LinkedTxn": [],
            "Line": [line]}
    invoice = qbo_us.create("invoice", body)
    assert invoice["TotalAmt"] == D("200.00")
    assert invoice["DocNumber"] == "1001"
    assert invoice["TxnDate"]


def test_ast_taxes_at_the_shipaddr_state_else_the_company_state(qbo_us, ids):
    def tax(ship_state=None):
        body = {"CustomerRef": {"value": ids["globex"]},
                "Line": [sales_line(ids["hardware"], "100.00", 1, "100.00", "TAX")]}
        if ship_state:
            body["ShipAddr"] = {"CountrySubDivisionCode": ship_state, "Country": "USA"}
        return qbo_us.create("invoice", body)["TxnTaxDetail"]["TotalTax"]

    assert tax() == D("8.25")  # the company's own state (CA)
    assert tax("NY") == D("8.88")  # 8.875 %
    assert tax("OR") == D("0.00")


def test_custom_txn_numbers_leave_docnumber_empty_unless_auto_generate(qbo, ids):
    qbo.companies[US_REALM].custom_txn_numbers = True
    api = QboApi(qbo, US_REALM)
    body = {"CustomerRef": {"value": ids["globex"]},
            "Line": [sales_line(ids["hardware"], "100.00", 1, "100.00", "NON")]}
    assert not api.create("invoice", body).get("DocNumber")
    assert api.create("invoice", {**body, "DocNumber": "AUTO_GENERATE"})["DocNumber"]


def test_class_and_location_refs_need_the_company_preferences(qbo, ids):
    company = qbo.companies[US_REALM]
    klass = company.add("Class", {"Name": "Retail"})
    api = QboApi(qbo, US_REALM)
    body = {"CustomerRef": {"value": ids["globex"]}, "ClassRef": {"value": klass["Id"]},
            "Line": [sales_line(ids["hardware"], "100.00", 1, "100.00", "NON")]}
    refused = api.post("invoice", body)
    assert refused.status == 400 and "ClassTrackingPerTxn" in str(refused.json)
    company.class_tracking = "txn"
    assert api.create("invoice", body)["ClassRef"]["value"] == klass["Id"]
