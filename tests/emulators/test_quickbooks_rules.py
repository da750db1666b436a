"""Validation rules with their Intuit codes: 2010, 2020, 2500/610, 5010, 6080, 6240, 6140."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def ids(qbo_us):
    """Seeded Ids by name."""
    return {
        "customer": qbo_us.find("Customer", DisplayName="Globex Corporation")["Id"],
        "obrien": qbo_us.find("Customer", DisplayName="O'Brien Plumbing")["Id"],
        "consulting": qbo_us.find("Item", Name="Consulting")["Id"],
        "services_account": qbo_us.find("Account", Name="Services")["Id"],
        "checking": qbo_us.find("Account", Name="Checking")["Id"],
        "net30": qbo_us.find("Term", Name="Net 30")["Id"],
        "legacy": qbo_us.rows("SELECT * FROM Item WHERE Active = false")[0]["Id"],
    }


def assert_fault(result, code, element=None):
    assert result.status == 400, result.json
    assert result.fault_code == code, result.json
    assert result.json["Fault"]["type"] == "ValidationFault"
    assert "time" in result.json
    if element is not None:
        assert result.error["element"] == element
    return result.error


# -- 2010: unknown or misplaced properties --

def test_amount_inside_sales_item_line_detail_is_2010(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["consulting"])
    body["Line"][0]["SalesItemLineDetail"]["Amount"] = Decimal("200.00")
    error = assert_fault(qbo_us.post("invoice", body), "2010", "Line.SalesItemLineDetail.Amount")
    assert error["Message"] == "Request has invalid or unsupported property"
    assert 'Unrecognized field "Amount"' in error["Detail"]


def test_misspelled_field_is_2010(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["consulting"], DocNumbr="X-1")
    assert_fault(qbo_us.post("invoice", body), "2010", "DocNumbr")
    assert_fault(qbo_us.post("customer", {"DisplayName": "A", "Emial": "a@b.c"}), "2010", "Emial")


def test_wrong_value_type_is_2010(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["consulting"], TxnDate="01/06/2025")
    assert_fault(qbo_us.post("invoice", body), "2010", "TxnDate")
    body = invoice_body(ids["customer"], ids["consulting"])
    body["CustomerRef"] = ids["customer"]  # a bare Id instead of {"value": ...}
    assert_fault(qbo_us.post("invoice", body), "2010", "CustomerRef")


def test_inventory_fields_on_a_service_item_are_2010(qbo_us, ids):
    body = {"Name": "Hours", "Type": "Service", "QtyOnHand": 10,
            "IncomeAccountRef": {"value": ids["services_account"]}}
    assert_fault(qbo_us.post("item", body), "2010", "QtyOnHand")


def test_malformed_json_is_2010(qbo_us):
    result = qbo_us.call("POST", "customer", data='{"DisplayName": ')
    assert_fault(result, "2010")


def test_strict_schema_can_be_switched_off(qbo, qbo_us, ids, invoice_body):
    qbo.config.strict_schema = False
    body = invoice_body(ids["customer"], ids["consulting"], DocNumbr="X-1")
    assert qbo_us.post("invoice", body).status == 200


# -- 2020: required fields --

@pytest.mark.parametrize(("resource", "mutate", "element"), [
    ("invoice", lambda b: b.pop("CustomerRef"), "CustomerRef"),
    ("estimate", lambda b: b.pop("CustomerRef"), "CustomerRef"),
    ("salesreceipt", lambda b: b.pop("CustomerRef"), "CustomerRef"),
    ("invoice", lambda b: b.pop("Line"), "Line"),
    ("invoice", lambda b: b["Line"][0].pop("DetailType"), "Line.DetailType"),
    ("invoice", lambda b: b["Line"][0].pop("Amount"), "Line.Amount"),
    ("invoice", lambda b: b["Line"][0]["SalesItemLineDetail"].pop("ItemRef"),
     "Line.SalesItemLineDetail.ItemRef"),
    ("invoice", lambda b: b["Line"][0].pop("SalesItemLineDetail"), "Line.SalesItemLineDetail"),
])
def test_sales_form_required_fields_are_2020(qbo_us, ids, invoice_body, resource, mutate,
                                             element):
    body = invoice_body(ids["customer"], ids["consulting"])
    mutate(body)
    error = assert_fault(qbo_us.post(resource, body), "2020", element)
    assert error["Message"] == ("Required param missing, need to supply the required value "
                                "for the API")
    assert error["Detail"] == f"Required parameter {element} is missing in the request"


def test_refund_receipt_requires_deposit_account(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["consulting"])
    assert_fault(qbo_us.post("refundreceipt", body), "2020", "DepositToAccountRef")


def test_payment_requires_customer_and_total(qbo_us, ids):
    assert_fault(qbo_us.post("payment", {"TotalAmt": 10}), "2020", "CustomerRef")
    assert_fault(qbo_us.post("payment", {"CustomerRef": {"value": ids["customer"]}}), "2020",
                 "TotalAmt")


def test_purchase_requires_type_account_and_line_account(qbo_us, ids):
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5,
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": ids["checking"]}}}
    body = {"PaymentType": "Cash", "AccountRef": {"value": ids["checking"]}, "Line": [line]}
    assert_fault(qbo_us.post("purchase", {k: v for k, v in body.items() if k != "PaymentType"}),
                 "2020", "PaymentType")
    assert_fault(qbo_us.post("purchase", {k: v for k, v in body.items() if k != "AccountRef"}),
                 "2020", "AccountRef")
    bare = dict(body, Line=[{"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5,
                             "AccountBasedExpenseLineDetail": {}}])
    assert_fault(qbo_us.post("purchase", bare), "2020",
                 "Line.AccountBasedExpenseLineDetail.AccountRef")


def test_item_requires_name_type_and_income_account(qbo_us, ids):
    income = {"value": ids["services_account"]}
    assert_fault(qbo_us.post("item", {"Type": "Service", "IncomeAccountRef": income}), "2020",
                 "Name")
    assert_fault(qbo_us.post("item", {"Name": "Hours", "IncomeAccountRef": income}), "2020",
                 "Type")
    assert_fault(qbo_us.post("item", {"Name": "Hours", "Type": "Service"}), "2020",
                 "IncomeAccountRef")


def test_account_requires_name_and_type(qbo_us):
    assert_fault(qbo_us.post("account", {"AccountType": "Income"}), "2020", "Name")
    assert_fault(qbo_us.post("account", {"Name": "CRM Sales"}), "2020", "AccountType")
    by_subtype = qbo_us.create("account", {"Name": "CRM Sales",
                                           "AccountSubType": "SalesOfProductIncome"})
    assert by_subtype["AccountType"] == "Income"


def test_party_without_any_name_is_6080(qbo_us):
    assert_fault(qbo_us.post("customer", {"CompanyName": "Nameless"}), "6080")
    assert_fault(qbo_us.post("vendor", {"DisplayName": "  "}), "6080")


def test_display_name_is_built_from_name_parts(qbo_us):
    created = qbo_us.create("customer", {"GivenName": "Jane", "FamilyName": "Doe"})
    assert created["DisplayName"] == "Jane Doe"


# -- 6240: duplicate names --

def test_display_name_unique_across_customer_vendor_employee(qbo_us):
    for resource, name in [("customer", "globex CORPORATION"), ("customer", "Acme Supplies"),
                           ("vendor", "Emma Employee"), ("vendor", "O'Brien Plumbing")]:
        error = assert_fault(qbo_us.post(resource, {"DisplayName": name}), "6240")
        assert error["Message"] == "Duplicate Name Exists Error"
        assert "Another customer, vendor or employee" in error["Detail"]


def test_item_name_unique_among_items(qbo_us, ids):
    body = {"Name": "consulting", "Type": "Service",
            "IncomeAccountRef": {"value": ids["services_account"]}}
    assert_fault(qbo_us.post("item", body), "6240")
    # Item names do not clash with party names.
    assert qbo_us.post("item", dict(body, Name="Globex Corporation")).status == 200


# -- 2500 / 610: references --

@pytest.mark.parametrize(("mutate", "element"), [
    (lambda b: b.update(CustomerRef={"value": "9999"}), "CustomerRef"),
    (lambda b: b["Line"][0]["SalesItemLineDetail"].update(ItemRef={"value": "9999"}),
     "Line.SalesItemLineDetail.ItemRef"),
    (lambda b: b.update(SalesTermRef={"value": "9999"}), "SalesTermRef"),
    (lambda b: b.update(ClassRef={"value": "1"}), "ClassRef"),
])
def test_unknown_reference_is_2500(qbo_us, ids, invoice_body, mutate, element):
    body = invoice_body(ids["customer"], ids["consulting"])
    mutate(body)
    error = assert_fault(qbo_us.post("invoice", body), "2500", element)
    assert error["Message"] == "Invalid Reference Id"
    assert error["Detail"] == f"Invalid Reference Id : {element}"


def test_a_customer_id_is_not_an_item_id(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["customer"])
    assert_fault(qbo_us.post("invoice", body), "2500", "Line.SalesItemLineDetail.ItemRef")


def test_other_references_are_checked(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["consulting"], DepositToAccountRef={"value": "9999"})
    assert_fault(qbo_us.post("salesreceipt", body), "2500", "DepositToAccountRef")
    body = invoice_body(ids["customer"], ids["consulting"], PaymentMethodRef={"value": "9999"})
    assert_fault(qbo_us.post("salesreceipt", body), "2500", "PaymentMethodRef")
    item = {"Name": "Hours", "Type": "Service", "IncomeAccountRef": {"value": "9999"}}
    assert_fault(qbo_us.post("item", item), "2500", "IncomeAccountRef")
    item = {"Name": "Widget", "Type": "NonInventory", "ExpenseAccountRef": {"value": "9999"}}
    assert_fault(qbo_us.post("item", item), "2500", "ExpenseAccountRef")
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 5,
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": ids["checking"]}}}
    purchase = {"PaymentType": "Cash", "AccountRef": {"value": ids["checking"]}, "Line": [line],
                "EntityRef": {"value": "9999", "type": "Vendor"}}
    assert_fault(qbo_us.post("purchase", purchase), "2500", "EntityRef")
    purchase.update(EntityRef={"value": ids["customer"], "type": "Customer"},
                    AccountRef={"value": "9999"})
    assert_fault(qbo_us.post("purchase", purchase), "2500", "AccountRef")


def test_inactive_reference_is_610(qbo_us, ids, invoice_body):
    body = invoice_body(ids["customer"], ids["legacy"], amount="20.00", price="10.00")
    error = assert_fault(qbo_us.post("invoice", body), "610", "Line.SalesItemLineDetail.ItemRef")
    assert error["Message"] == "Object Not Found"
    assert "made inactive" in error["Detail"]


def test_read_unknown_id_is_610(qbo_us):
    assert_fault(qbo_us.get("invoice/424242"), "610")


# -- updates --

def test_sparse_update_deactivates_an_item_and_then_it_is_610(qbo_us, ids, invoice_body):
    item = qbo_us.create("item", {"Name": "Temp", "Type": "Service",
                                  "IncomeAccountRef": {"value": ids["services_account"]}})
    updated = qbo_us.create("item", {"Id": item["Id"], "SyncToken": item["SyncToken"],
                                     "sparse": True, "Active": False})
    assert updated["Active"] is False
    assert updated["SyncToken"] == "1"
    assert updated["Name"] == "Temp"
    body = invoice_body(ids["customer"], item["Id"], amount="0", price="0")
    assert_fault(qbo_us.post("invoice", body), "610")


def test_stale_sync_token_is_5010(qbo_us, ids):
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")
    qbo_us.create("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                               "CompanyName": "Globex Inc"})
    error = assert_fault(qbo_us.post("customer", {"Id": customer["Id"], "SyncToken": "0",
                                                  "sparse": True, "Notes": "late"}), "5010")
    assert error["Message"] == "Stale Object Error"


def test_rename_into_a_taken_name_is_6240_but_own_name_is_fine(qbo_us):
    vendor = qbo_us.find("Vendor", DisplayName="Acme Supplies")
    same = qbo_us.create("vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"],
                                    "sparse": True, "DisplayName": "ACME Supplies"})
    assert same["DisplayName"] == "ACME Supplies"
    clash = qbo_us.post("vendor", {"Id": vendor["Id"], "SyncToken": same["SyncToken"],
                                   "sparse": True, "DisplayName": "Emma Employee"})
    assert_fault(clash, "6240")


def test_customer_currency_cannot_change(qbo, qbo_us):
    qbo.companies[qbo_us.realm_id].multicurrency = True
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")
    result = qbo_us.post("customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"],
                                      "sparse": True, "CurrencyRef": {"value": "EUR"}})
    assert_fault(result, "6000", "CurrencyRef")


def test_transaction_updates_are_unsupported(qbo_us, ids, invoice_body):
    invoice = qbo_us.create("invoice", invoice_body(ids["customer"], ids["consulting"]))
    result = qbo_us.post("invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True,
                                     "PrivateNote": "x"})
    assert result.status == 400 and result.fault_code == "500"


# -- server fields --

def test_created_entities_get_server_fields(qbo_us):
    created = qbo_us.create("customer", {"DisplayName": "Jane Doe (CRM-42)",
                                         "PrimaryEmailAddr": {"Address": "jane@doe.example"}})
    assert created["Id"].isdigit()
    assert created["SyncToken"] == "0"
    assert created["domain"] == "QBO" and created["sparse"] is False
    assert set(created["MetaData"]) == {"CreateTime", "LastUpdatedTime"}
    assert created["Active"] is True
    assert created["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert created["Balance"] == Decimal("0")
    assert qbo_us.get(f"customer/{created['Id']}").json["Customer"] == created


def test_name_rules_colon_and_email(qbo_us):
    assert_fault(qbo_us.post("customer", {"DisplayName": "A:B"}), "6000", "DisplayName")
    assert_fault(qbo_us.post("customer", {"DisplayName": "A", "PrimaryEmailAddr":
                                          {"Address": "not-an-email"}}), "6000")
    assert_fault(qbo_us.post("customer", {"DisplayName": "x" * 501}), "6000", "DisplayName")


def test_term_and_payment_method_create(qbo_us):
    term = qbo_us.create("term", {"Name": "Net 45", "DueDays": 45})
    assert term["Type"] == "STANDARD"
    assert_fault(qbo_us.post("term", {"Name": "Net 30", "DueDays": 30}), "6240")
    method = qbo_us.create("paymentmethod", {"Name": "Card", "Type": "CREDIT_CARD"})
    assert method["Active"] is True
    assert_fault(qbo_us.post("paymentmethod", {"Name": "Wire", "Type": "WIRE"}), "6000")
