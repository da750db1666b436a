"""Demo data every new company starts with; Ids are assigned in this fixed order."""

from __future__ import annotations

from decimal import Decimal

from .company import Company

ACCOUNTS = [
    ("Checking", "Bank", "Checking"),
    ("Savings", "Bank", "Savings"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Company Card", "Credit Card", "CreditCard"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Bank Charges", "Expense", "BankCharges"),
    ("Merchant Fees", "Expense", "OtherMiscellaneousServiceCost"),
    ("Misc", "Other Expense", "OtherMiscellaneousExpense"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
]

CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}

# (name, rate) per country; each rate gets a TaxCode of the same name that charges it.
TAX_RATES = {
    "CA": [("GST", Decimal("5")), ("HST ON", Decimal("13")), ("Exempt", Decimal("0")),
           ("Zero-rated", Decimal("0"))],
    "GB": [("20.0% S", Decimal("20")), ("0.0% Z", Decimal("0")), ("Exempt", Decimal("0"))],
}

TERMS = [("Net 30", 30), ("Net 15", 15), ("Due on receipt", 0)]
PAYMENT_METHODS = [("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"),
                   ("Credit Card", "CREDIT_CARD"), ("ACH", "NON_CREDIT_CARD")]

# (name, type, sku, unit price, income account, taxable in the US, active)
ITEMS = [
    ("Services", "Service", None, Decimal("0"), "Services", False, True),
    ("Consulting", "Service", "CONS-H", Decimal("150"), "Services", False, True),
    ("Implementation", "Service", "IMPL-01", Decimal("2500"), "Services", False, True),
    ("Support plan", "Service", "SUP-12", Decimal("1200"), "Services", False, True),
    ("Hardware kit", "NonInventory", "HW-KIT", Decimal("499"), "Sales of Product Income",
     True, True),
    ("Legacy Widget", "Service", "LEG-01", Decimal("10"), "Sales of Product Income", False,
     False),
]

CUSTOMERS = [
    {"DisplayName": "O'Brien Plumbing", "CompanyName": "O'Brien Plumbing", "GivenName": "Pat",
     "FamilyName": "O'Brien", "PrimaryEmailAddr": {"Address": "pat.obrien@example.com"}},
    {"DisplayName": "Globex Corporation", "CompanyName": "Globex Corporation",
     "PrimaryEmailAddr": {"Address": "ap@globex.example"}},
    {"DisplayName": "Café Zoë", "GivenName": "Zoë", "FamilyName": "Martin",
     "PrimaryEmailAddr": {"Address": "zoe@cafe-zoe.example"}},
]
VENDORS = [
    {"DisplayName": "HubSpot Payments", "CompanyName": "HubSpot, Inc."},
    {"DisplayName": "Acme Supplies", "PrimaryEmailAddr": {"Address": "ap@acme.example"}},
]
EMPLOYEES = [{"DisplayName": "Emma Employee", "GivenName": "Emma", "FamilyName": "Employee"}]

US_RATE_NAME = "California state tax"


def seed_company(company: Company) -> None:
    """Fill a new company with accounts, tax codes, terms, items and parties."""
    accounts = _seed_accounts(company)
    _seed_tax(company)
    terms = {}
    for name, days in TERMS:
        terms[name] = company.store("Term", {"Name": name, "Active": True, "Type": "STANDARD",
                                             "DueDays": days})
    for name, kind in PAYMENT_METHODS:
        company.store("PaymentMethod", {"Name": name, "Active": True, "Type": kind})
    for name, kind, sku, price, income, taxable, active in ITEMS:
        item = {
            "Name": name, "FullyQualifiedName": name, "Type": kind, "UnitPrice": price,
            "Active": active, "Taxable": taxable if company.is_us else False,
            "TrackQtyOnHand": False,
            "IncomeAccountRef": {"value": accounts[income]["Id"], "name": income},
        }
        if sku:
            item["Sku"] = sku
        company.store("Item", item)
    net30 = terms["Net 30"]
    for body in CUSTOMERS:
        customer = _party(company, body)
        customer.update({"Balance": Decimal("0"), "BalanceWithJobs": Decimal("0"), "Job": False,
                         "BillWithParent": False, "PreferredDeliveryMethod": "Email",
                         "Taxable": company.is_us,
                         "SalesTermRef": {"value": net30["Id"], "name": net30["Name"]}})
        company.store("Customer", customer)
    for body in VENDORS:
        vendor = _party(company, body)
        vendor.update({"Balance": Decimal("0"), "Vendor1099": False})
        company.store("Vendor", vendor)
    for body in EMPLOYEES:
        employee = dict(body)
        employee.update({"PrintOnCheckName": body["DisplayName"], "Active": True})
        company.store("Employee", employee)


def _seed_accounts(company: Company) -> dict[str, dict]:
    accounts = {}
    for name, kind, subtype in ACCOUNTS:
        accounts[name] = company.store("Account", {
            "Name": name, "FullyQualifiedName": name, "AccountType": kind,
            "AccountSubType": subtype, "Classification": CLASSIFICATION[kind],
            "SubAccount": False, "Active": True, "CurrentBalance": Decimal("0"),
            "CurrentBalanceWithSubAccounts": Decimal("0"),
            "CurrencyRef": company.home_currency_ref(),
        })
    return accounts


def _seed_tax(company: Company) -> None:
    if company.is_us:
        rate = company.store("TaxRate", {"Name": US_RATE_NAME, "Description": "Sales Tax",
                                         "Active": True, "RateValue": company.sales_tax_rate,
                                         "SpecialTaxType": "NONE", "DisplayType": "ReadOnly"})
        # TAX and NON are QBO's US pseudo codes: read-only, referenced by these literal Ids.
        company.store("TaxCode", {"Id": "TAX", "Name": "TAX", "Description": "TAX",
                                  "Active": True, "Hidden": False, "Taxable": True,
                                  "TaxGroup": False, "SalesTaxRateList": _rate_list(rate),
                                  "PurchaseTaxRateList": {}})
        company.store("TaxCode", {"Id": "NON", "Name": "NON", "Description": "NON",
                                  "Active": True, "Hidden": False, "Taxable": False,
                                  "TaxGroup": False, "SalesTaxRateList": {},
                                  "PurchaseTaxRateList": {}})
        return
    rates = [
        company.store("TaxRate", {"Name": name, "Description": name, "Active": True,
                                  "RateValue": value, "SpecialTaxType": "NONE",
                                  "DisplayType": "ReadOnly"})
        for name, value in TAX_RATES.get(company.country, [])
    ]
    for rate in rates:
        company.store("TaxCode", {"Name": rate["Name"], "Description": rate["Name"],
                                  "Active": True, "Hidden": False,
                                  "Taxable": rate["RateValue"] > 0, "TaxGroup": False,
                                  "SalesTaxRateList": _rate_list(rate),
                                  "PurchaseTaxRateList": _rate_list(rate)})


def _rate_list(rate: dict) -> dict:
    return {"TaxRateDetail": [{"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
                               "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]}


def _party(company: Company, body: dict) -> dict:
    party = dict(body)
    party.setdefault("FullyQualifiedName", body["DisplayName"])
    party.setdefault("PrintOnCheckName", body["DisplayName"])
    party["Active"] = True
    party["CurrencyRef"] = company.home_currency_ref()
    return party
