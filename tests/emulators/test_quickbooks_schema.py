"""schema.validate: Intuit's XSD applied to JSON bodies, as the conformance tests will use it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import xmlschema

from emulators.quickbooks import schema

REF = {"value": "1"}
SALES_LINE = {"DetailType": "SalesItemLineDetail", "Amount": Decimal("200.00"),
              "Description": "Consulting",
              "SalesItemLineDetail": {"ItemRef": {"value": "21", "name": "Consulting"}, "Qty": 2,
                                      "UnitPrice": Decimal("100.00"),
                                      "TaxCodeRef": {"value": "NON"}}}

GOOD = {
    "Invoice": {"CustomerRef": REF, "DocNumber": "CRM-1001", "TxnDate": "2025-06-01",
                "DueDate": "2025-07-01", "SalesTermRef": REF,
                "BillEmail": {"Address": "jane@doe.example"}, "EmailStatus": "NotSet",
                "CustomerMemo": {"value": "Thank you"}, "PrivateNote": "CRM deal 123",
                "Line": [SALES_LINE, {"DetailType": "DiscountLineDetail",
                                      "Amount": Decimal("20.00"),
                                      "DiscountLineDetail": {"PercentBased": False}}],
                "sparse": False},
    "Estimate": {"CustomerRef": REF, "TxnStatus": "Pending", "ExpirationDate": "2025-07-01",
                 "Line": [SALES_LINE]},
    "SalesReceipt": {"CustomerRef": REF, "DepositToAccountRef": REF, "PaymentMethodRef": REF,
                     "PaymentRefNum": "ch_123", "Line": [SALES_LINE]},
    "Payment": {"CustomerRef": REF, "TotalAmt": Decimal("180.00"), "PaymentRefNum": "ch_123",
                "DepositToAccountRef": REF,
                "Line": [{"Amount": Decimal("180.00"),
                          "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}]},
    "Purchase": {"PaymentType": "CreditCard", "AccountRef": REF,
                 "EntityRef": {"value": "56", "type": "Vendor"}, "TxnDate": "2025-06-01",
                 "Line": [{"DetailType": "AccountBasedExpenseLineDetail",
                           "Amount": Decimal("52.50"),
                           "AccountBasedExpenseLineDetail": {"AccountRef": REF}}]},
    "RefundReceipt": {"CustomerRef": REF, "DepositToAccountRef": REF, "PaymentMethodRef": REF,
                      "Line": [SALES_LINE]},
    "Customer": {"DisplayName": "Jane Doe (CRM-42)", "GivenName": "Jane", "FamilyName": "Doe",
                 "CompanyName": "Doe LLC", "PrimaryEmailAddr": {"Address": "jane@doe.example"},
                 "CurrencyRef": {"value": "USD"}, "Active": True},
    "Item": {"Name": "Consulting hour", "Type": "Service", "Sku": "CONS-H", "UnitPrice": 100,
             "IncomeAccountRef": {"value": "79"}},
}

BAD = [
    ("Invoice", {"CustomerRef": REF, "Line": [{"DetailType": "SalesItemLineDetail",
                                               "SalesItemLineDetail": {"ItemRef": REF,
                                                                       "Amount": 3}}]},
     "Line.SalesItemLineDetail.Amount"),
    ("Invoice", {"CustomerRef": REF, "CustomerReff": REF}, "CustomerReff"),
    ("Invoice", {"CustomerRef": "58"}, "CustomerRef"),
    ("Invoice", {"Line": [{"DetailType": "SalesLine", "Amount": 1}]}, "Line.DetailType"),
    ("Estimate", {"TxnDate": "2025-13-01"}, "TxnDate"),
    ("SalesReceipt", {"Line": [{"Amount": "ten"}]}, "Line.Amount"),
    ("Payment", {"TotalAmt": True}, "TotalAmt"),
    ("Purchase", {"PaymentType": "Bitcoin"}, "PaymentType"),
    ("RefundReceipt", {"DepositToAccountRef": {"value": "1", "nme": "x"}},
     "DepositToAccountRef.nme"),
    ("Customer", {"DisplayName": "x", "Email": "x@y.z"}, "Email"),
    ("Item", {"Name": "x", "Type": "Servic"}, "Type"),
]


def test_intuits_xsd_files_are_valid_xml_schema():
    # The emulator loads them without this check (validation="skip"): they must pass it here.
    checked = xmlschema.XMLSchema(str(schema.ENTRY_POINT))  # "strict": raises when invalid
    assert checked.validity == "valid" and not checked.all_errors
    loaded = schema.load_schema()
    assert set(loaded.maps.elements) == set(checked.maps.elements)
    assert set(loaded.maps.types) == set(checked.maps.types)


@pytest.mark.parametrize("entity", sorted(GOOD))
def test_good_bodies_validate(entity):
    assert schema.validate(entity, GOOD[entity]) == []


@pytest.mark.parametrize(("entity", "body", "path"), BAD)
def test_bad_bodies_name_the_field(entity, body, path):
    problems = schema.validate(entity, body)
    assert problems, body
    assert problems[0].startswith(f"{path}: ")


def test_unknown_field_reads_like_intuits_2010_detail():
    (issue,) = schema.check("Invoice", BAD[0][1])
    assert issue.unknown
    assert issue.message.startswith('Unrecognized field "Amount" '
                                    "(class com.intuit.schema.finance.v3.SalesItemLineDetail)")


def test_two_branches_of_a_choice_are_rejected():
    line = dict(SALES_LINE, DiscountLineDetail={"PercentBased": False})
    (problem,) = schema.validate("Invoice", {"CustomerRef": REF, "Line": [line]})
    assert problem.startswith("Line.DiscountLineDetail: only one of SalesItemLineDetail, "
                              "DiscountLineDetail")
    assert schema.validate("Invoice", {"CustomerRef": REF, "Line": [line]}, full=True)


def test_blank_strings_and_empty_lists_mean_absent():
    body = {"CustomerRef": REF, "TxnDate": "", "TotalAmt": "", "CustomField": [],
            "LinkedTxn": [], "Line": [dict(SALES_LINE, LinkedTxn=[])]}
    assert schema.validate("Invoice", body) == []
    assert schema.validate("Invoice", body, full=True) == []


def test_numeric_facets_apply_only_in_full_mode():
    # QBO's JSON binder takes python-quickbooks' "LineNum": 0; the XSD says positiveInteger.
    body = {"CustomerRef": REF, "Line": [dict(SALES_LINE, LineNum=0)]}
    assert schema.validate("Invoice", body) == []
    (problem,) = schema.validate("Invoice", body, full=True)
    assert problem.startswith("Line.LineNum: invalid value '0' for positiveInteger")
    assert schema.validate("Invoice", {"Line": [dict(SALES_LINE, LineNum="one")]})


@pytest.mark.parametrize("entity", sorted(GOOD))
def test_good_bodies_pass_every_facet_too(entity):
    assert schema.validate(entity, GOOD[entity], full=True) == []


def test_extension_points_take_anything():
    assert schema.validate("Invoice", {"CustomerRef": REF, "InvoiceEx": {"any": [{"x": 1}]}}) == []


def test_unknown_entity_is_a_programming_error():
    with pytest.raises(ValueError):
        schema.validate("Invoicee", {})


def test_fields_lists_top_level_names():
    fields = schema.fields("Customer")
    assert {"DisplayName", "PrimaryEmailAddr", "Active", "sparse"} <= fields


def test_validation_is_fast_enough_to_run_on_every_body():
    schema.validate("Invoice", GOOD["Invoice"])  # load once
    rounds = 50
    started = time.perf_counter()
    for _ in range(rounds):
        schema.validate("Invoice", GOOD["Invoice"])
    per_body = (time.perf_counter() - started) / rounds
    assert per_body < 0.02  # measured about 1 ms (full=True: about 4 ms); generous for CI


def test_seeded_entities_and_views_match_the_schema(qbo):
    company = next(iter(qbo.companies.values()))
    for entity in ("Account", "Item", "Customer", "Vendor", "Employee", "Term", "PaymentMethod",
                   "TaxCode", "TaxRate"):
        for row in company.entities(entity):
            assert schema.validate(entity, row, full=True) == [], (entity, row)
    assert schema.validate("CompanyInfo", company.company_info(), full=True) == []
    assert schema.validate("Preferences", company.preferences(), full=True) == []
