"""Purchase: an expense paid by cash, check or credit card."""

from __future__ import annotations

from . import currency, errors, rules, totals
from .company import Company
from .sales import DROPPED, US_TAX_CODES, check_line_amount, tax_code_rates, without_blanks
from .totals import PricedLine, money

PAYMENT_ACCOUNT_TYPES = {"Cash": "Bank", "Check": "Bank", "CreditCard": "Credit Card"}
EXPENSE_LINES = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
_US_TAX_PATHS = frozenset(f"Line.{kind}.TaxCodeRef" for kind in EXPENSE_LINES)


def create(company: Company, body: dict) -> dict:
    """Validate and store a purchase, computing its TotalAmt."""
    purchase = without_blanks(body, DROPPED)
    payment_type = rules.require(purchase.get("PaymentType"), "PaymentType")
    if payment_type not in PAYMENT_ACCOUNT_TYPES:
        raise errors.business("PaymentType must be Cash, Check or CreditCard.", "PaymentType")
    rules.require_ref(purchase, "AccountRef")
    lines = _lines(purchase)
    rules.check_length(purchase, "DocNumber", 21)
    if company.is_us:
        for line in lines:
            ref = line[line["DetailType"]].get("TaxCodeRef")
            if isinstance(ref, dict) and str(ref.get("value")) not in US_TAX_CODES:
                raise errors.invalid_us_tax_code(f"Line.{line['DetailType']}.TaxCodeRef",
                                                 str(ref.get("value")))
    rules.check_refs(company, purchase, skip=_US_TAX_PATHS if company.is_us else frozenset())
    account = company.get("Account", purchase["AccountRef"]["value"])
    wanted = PAYMENT_ACCOUNT_TYPES[payment_type]
    if account.get("AccountType") != wanted:
        raise errors.business(
            f"A {payment_type} purchase must be paid from a {wanted} account; "
            f"{account.get('Name')} is {account.get('AccountType')}.", "AccountRef")
    code = rules.currency_of(company, purchase)
    entity_ref = purchase.get("EntityRef")
    if isinstance(entity_ref, dict) and entity_ref.get("type") in ("Vendor", "Customer"):
        party = company.get(entity_ref["type"], entity_ref["value"])
        rules.check_same_currency(code, party, company, entity_ref["type"].lower())
    priced = []
    for line in lines:
        detail = line[line["DetailType"]]
        amount = rules.number(line["Amount"], "Line.Amount")
        if line["DetailType"] == "ItemBasedExpenseLineDetail":
            check_line_amount(amount, detail, "Line.ItemBasedExpenseLineDetail")
        line["Amount"] = money(amount)
        ref = detail.get("TaxCodeRef")
        rates = ()
        if not company.is_us and isinstance(ref, dict):
            rates = tax_code_rates(company, str(ref["value"]), "PurchaseTaxRateList")
        priced.append(PricedLine(line["Amount"], rates))
    calculation = "TaxExcluded" if company.is_us else purchase.get("GlobalTaxCalculation",
                                                                   "TaxExcluded")
    result = totals.compute(priced, calculation=calculation)
    for number, line in enumerate(lines, start=1):
        line["Id"] = str(number)
        line["LineNum"] = number
    purchase["Line"] = lines
    purchase["TotalAmt"] = result.total
    purchase["TxnTaxDetail"] = {"TotalTax": result.tax}
    if result.tax_lines:
        purchase["TxnTaxDetail"]["TaxLine"] = result.tax_lines
    if not company.is_us:
        purchase["GlobalTaxCalculation"] = calculation
    rate = currency.exchange_rate(code, company.home_currency)
    purchase["CurrencyRef"] = currency.ref(code)
    purchase["ExchangeRate"] = rate
    if code != company.home_currency:
        purchase["HomeTotalAmt"] = money(result.total * rate)
    purchase.setdefault("TxnDate", company.today().isoformat())
    purchase.setdefault("Credit", False)
    purchase.setdefault("PrintStatus", "NotSet")
    purchase.setdefault("CustomField", [])
    return company.store("Purchase", purchase)


def _lines(purchase: dict) -> list[dict]:
    raw = purchase.get("Line")
    if isinstance(raw, dict):
        raw = [raw]
    if not raw:
        raise errors.required_missing("Line")
    for line in raw:
        kind = rules.require(line.get("DetailType"), "Line.DetailType")
        if kind not in EXPENSE_LINES:
            raise errors.unsupported_property(
                "Line.DetailType", f"DetailType {kind} cannot be used on a Purchase")
        rules.require(line.get("Amount"), "Line.Amount")
        detail = line.get(kind)
        if not isinstance(detail, dict):
            raise errors.required_missing(f"Line.{kind}")
        target = "AccountRef" if kind == "AccountBasedExpenseLineDetail" else "ItemRef"
        rules.require_ref(detail, target, f"Line.{kind}.{target}")
    return raw
