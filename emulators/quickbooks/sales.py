"""Sales transactions (Invoice, Estimate, SalesReceipt, RefundReceipt): rules, totals, send."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

from . import currency, errors, rules, totals
from .company import Company
from .seed import US_RATE_NAME
from .totals import PricedLine, Rate, money
from .wire import meta_time

SALES_TYPES = frozenset({"Invoice", "Estimate", "SalesReceipt", "RefundReceipt"})
# Fields QBO computes or owns; whatever a client sends for them is ignored on create.
DROPPED = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status", "TotalAmt", "Balance",
           "HomeTotalAmt", "HomeBalance", "UnappliedAmt", "DeliveryInfo")
US_TAX_CODES = ("TAX", "NON")
MISSING_TAX_CODE = {
    "CA": "Make sure all your transactions have a GST/HST rate before you save.",
    "GB": "Make sure all your transactions have a VAT rate before you save.",
}
REFUND_ACCOUNT_TYPES = ("Bank", "Other Current Asset")
LINKABLE_ESTIMATE_STATUSES = ("Pending", "Accepted")
_US_TAX_PATHS = frozenset({"Line.SalesItemLineDetail.TaxCodeRef",
                           "Line.DiscountLineDetail.TaxCodeRef"})


def create(company: Company, txn_type: str, body: dict, allow_duplicate_doc_number: bool) -> dict:
    """Validate a sales transaction, compute its totals and store it."""
    txn = without_blanks(body, DROPPED)
    if txn_type == "RefundReceipt":
        rules.require_ref(txn, "DepositToAccountRef")
    else:
        rules.require_ref(txn, "CustomerRef")
    lines = _lines(txn, txn_type)
    rules.check_length(txn, "DocNumber", 21)
    _check_tax_codes(company, lines)
    rules.check_refs(company, txn, skip=_US_TAX_PATHS if company.is_us else frozenset())
    customer = None
    if isinstance(txn.get("CustomerRef"), dict):
        customer = company.get("Customer", txn["CustomerRef"]["value"])
    _check_tracking(company, txn, lines)
    priced, discount_amount, discount_percent = _price(company, lines, txn.get("ShipAddr"))
    code = rules.currency_of(company, txn)
    if customer is not None:
        rules.check_same_currency(code, customer, company, "customer")
    if txn_type == "RefundReceipt":
        _check_refund_account(company, txn)
    if txn_type == "SalesReceipt":
        txn.setdefault("DepositToAccountRef", undeposited_funds_ref(company))
    estimates = _linked_estimates(company, txn)
    if txn.get("DocNumber") != "AUTO_GENERATE":
        rules.check_doc_number(company, txn_type, txn.get("DocNumber"), allow_duplicate_doc_number)
    rules.assign_doc_number(company, txn_type, txn)
    result = _totals(company, txn, priced, discount_amount, discount_percent)
    _finish(company, txn_type, txn, lines, result, code, customer)
    stored = company.store(txn_type, txn)
    for estimate in estimates:
        estimate["TxnStatus"] = "Closed"
        estimate.setdefault("LinkedTxn", []).append({"TxnId": stored["Id"], "TxnType": txn_type})
        company.touch(estimate)
    if txn_type == "Invoice" and customer is not None:
        for key in ("Balance", "BalanceWithJobs"):
            customer[key] = money(rules.number(customer.get(key, 0), key) + result.total)
    return stored


def without_blanks(body: dict, dropped: tuple[str, ...]) -> dict:
    """A copy of ``body`` minus server-owned keys and top-level nulls or empty strings."""
    # Clients such as python-quickbooks send "TxnDate": "" or "DocNumber": "" for "unset".
    return {k: v for k, v in copy.deepcopy(body).items()
            if k not in dropped and v is not None and v != ""}


def send(company: Company, txn_type: str, txn_id: str, send_to: str | None) -> dict:
    """Email a sales form: record the address, EmailStatus EmailSent and DeliveryInfo."""
    txn = company.get(txn_type, txn_id)
    if txn is None:
        raise errors.object_not_found("Id")
    bill_email = txn.get("BillEmail") if isinstance(txn.get("BillEmail"), dict) else {}
    address = send_to or bill_email.get("Address")
    if not address:
        raise errors.business("There is no email address to send to: give sendTo or set BillEmail.",
                              "BillEmail")
    if send_to:
        txn["BillEmail"] = {"Address": send_to}
    txn["EmailStatus"] = "EmailSent"
    txn["DeliveryInfo"] = {"DeliveryType": "Email", "DeliveryTime": meta_time(company.now())}
    company.touch(txn)
    return txn


def undeposited_funds_ref(company: Company) -> dict:
    """A ref to the Undeposited Funds account, QBO's default deposit target."""
    for account in company.all("Account"):
        if account.get("AccountSubType") == "UndepositedFunds":
            return {"value": account["Id"], "name": account["Name"]}
    raise errors.business("The company has no Undeposited Funds account.", "DepositToAccountRef")


def _lines(txn: dict, txn_type: str) -> list[dict]:
    raw = txn.get("Line")
    if isinstance(raw, dict):
        raw = [raw]
    if not raw:
        raise errors.required_missing("Line")
    lines = []
    for line in raw:
        if not isinstance(line, dict):
            raise errors.unsupported_property("Line", "Line entries must be objects")
        kind = rules.require(line.get("DetailType"), "Line.DetailType")
        if kind == "SubTotalLineDetail":
            continue  # QBO recomputes the subtotal line; one sent back is ignored
        if kind == "SalesItemLineDetail":
            rules.require(line.get("Amount"), "Line.Amount")
            detail = line.get("SalesItemLineDetail")
            if not isinstance(detail, dict):
                raise errors.required_missing("Line.SalesItemLineDetail")
            rules.require_ref(detail, "ItemRef", "Line.SalesItemLineDetail.ItemRef")
        elif kind == "DiscountLineDetail":
            detail = line.get("DiscountLineDetail")
            if not isinstance(detail, dict):
                raise errors.required_missing("Line.DiscountLineDetail")
            if line.get("Amount") is None and detail.get("DiscountPercent") is None:
                raise errors.discount_missing("Line.DiscountLineDetail")
        elif kind == "GroupLineDetail":
            raise errors.unsupported_operation("GroupLineDetail (bundles) in this emulator")
        elif kind != "DescriptionOnly":
            raise errors.unsupported_property(
                "Line.DetailType", f"DetailType {kind} cannot be used on a {txn_type}")
        lines.append(line)
    if not any(line["DetailType"] == "SalesItemLineDetail" for line in lines):
        raise errors.required_missing("Line.SalesItemLineDetail")
    return lines


def _check_tax_codes(company: Company, lines: list[dict]) -> None:
    element = "Line.SalesItemLineDetail.TaxCodeRef"
    for line in lines:
        if line["DetailType"] != "SalesItemLineDetail":
            continue
        ref = line["SalesItemLineDetail"].get("TaxCodeRef")
        value = str(ref.get("value", "")) if isinstance(ref, dict) else ""
        if company.is_us:
            if ref is not None and value not in US_TAX_CODES:
                raise errors.invalid_us_tax_code(element, value)
        elif not value:
            wording = MISSING_TAX_CODE.get(
                company.country, "Make sure all your transactions have a tax rate before you save.")
            raise errors.business(wording, element)


def _check_tracking(company: Company, txn: dict, lines: list[dict]) -> None:
    """Class and location refs only where the company's preferences make them available
    (reference §10; the reference is silent on the fault, the emulator answers 6000)."""
    if txn.get("ClassRef") and company.class_tracking != "txn":
        raise errors.business("ClassRef on the transaction needs the company preference "
                              "AccountingInfoPrefs.ClassTrackingPerTxn.", "ClassRef")
    if txn.get("DepartmentRef") and not company.track_departments:
        raise errors.business("DepartmentRef needs location tracking "
                              "(AccountingInfoPrefs.TrackDepartments).", "DepartmentRef")
    for line in lines:
        detail = line.get(line["DetailType"]) if isinstance(line.get(line["DetailType"]),
                                                             dict) else {}
        if detail.get("ClassRef") and company.class_tracking != "line":
            raise errors.business("ClassRef on a line needs the company preference "
                                  "AccountingInfoPrefs.ClassTrackingPerTxnLine.",
                                  f"Line.{line['DetailType']}.ClassRef")


def _price(company: Company, lines: list[dict], ship_addr=None):
    """Check each line's arithmetic and attach the tax rates it is charged."""
    priced: list[PricedLine] = []
    discount_amount = discount_percent = None
    for line in lines:
        if line["DetailType"] == "DiscountLineDetail":
            detail = line["DiscountLineDetail"]
            percent = detail.get("DiscountPercent")
            if percent is not None and (detail.get("PercentBased") or line.get("Amount") is None):
                discount_percent = rules.number(percent, "Line.DiscountLineDetail.DiscountPercent")
                detail["PercentBased"] = True
            else:
                discount_amount = rules.number(line["Amount"], "Line.Amount")
                detail.setdefault("PercentBased", False)
            continue
        if line["DetailType"] != "SalesItemLineDetail":
            continue
        detail = line["SalesItemLineDetail"]
        item = company.get("Item", detail["ItemRef"]["value"])
        if item.get("Type") == "Category":
            raise errors.invalid_reference("Line.SalesItemLineDetail.ItemRef",
                                           "Categories cannot be used in transactions.")
        if item.get("Type") == "Inventory" and detail.get("Qty") is None:
            raise errors.inventory_quantity_missing("Line.SalesItemLineDetail.Qty")
        amount = rules.number(line["Amount"], "Line.Amount")
        check_line_amount(amount, detail, "Line.SalesItemLineDetail")
        line["Amount"] = money(amount)
        if "IncomeAccountRef" in item:
            detail.setdefault("ItemAccountRef", dict(item["IncomeAccountRef"]))
        priced.append(PricedLine(line["Amount"], _sales_rates(company, detail, item, ship_addr)))
    return priced, discount_amount, discount_percent


def check_line_amount(amount: Decimal, detail: dict, element: str) -> None:
    """6070 when Qty and UnitPrice are given (not both zero) and Amount is not their product."""
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    if qty in (None, "") or price in (None, ""):
        return
    qty = rules.number(qty, f"{element}.Qty")
    price = rules.number(price, f"{element}.UnitPrice")
    if qty == 0 and price == 0:
        return  # python-quickbooks' defaults for "not given"; only Amount counts then
    expected = totals.line_amount(qty, price)
    if amount != expected:
        raise errors.amount_mismatch("Line.Amount", amount, expected)


def _sales_rates(company: Company, detail: dict, item: dict, ship_addr=None) -> tuple[Rate, ...]:
    ref = detail.get("TaxCodeRef")
    if company.is_us:
        default = "TAX" if item.get("Taxable") else "NON"
        code = str(ref["value"]) if isinstance(ref, dict) else default
        detail["TaxCodeRef"] = {"value": code}
        if code != "TAX":
            return ()
        rate = next((r for r in company.all("TaxRate") if r.get("Name") == US_RATE_NAME), None)
        if not company.automated_tax:
            return (Rate(rate["Id"] if rate else "0", US_RATE_NAME, company.sales_tax_rate),)
        # AST taxes at the destination: the transaction's ShipAddr, else the company address.
        state, percent = company.destination_rate(ship_addr)
        if state == company.destination_rate(None)[0]:
            return (Rate(rate["Id"] if rate else "0", US_RATE_NAME, percent),)
        return (Rate("0", f"{state} sales tax (automated)", percent),)
    return tax_code_rates(company, str(ref["value"]), "SalesTaxRateList")


def tax_code_rates(company: Company, code_id: str, rate_list: str) -> tuple[Rate, ...]:
    """The rates a (non-US) TaxCode charges on sales or purchases."""
    code = company.get("TaxCode", code_id)
    details = ((code or {}).get(rate_list) or {}).get("TaxRateDetail") or []
    rates = []
    for detail in details:
        rate = company.get("TaxRate", detail["TaxRateRef"]["value"])
        if rate is not None:
            rates.append(Rate(rate["Id"], rate["Name"], Decimal(rate.get("RateValue", 0))))
    return tuple(rates)


def _totals(company: Company, txn: dict, priced, discount_amount, discount_percent):
    """Discount, tax and total; records the tax settings used on the transaction."""
    subtotal = sum((line.amount for line in priced), Decimal(0))
    discount = totals.discount_amount(subtotal, discount_amount, discount_percent)
    after_discount = txn.get("ApplyTaxAfterDiscount")
    # Not sent: the company's behaviour (QBO's documented default is false).
    if not company.is_us:
        after_discount = True  # a US-only field: elsewhere the discount comes off before tax
    elif after_discount is None:
        after_discount = company.tax_after_discount
    else:
        after_discount = bool(after_discount)
    txn["ApplyTaxAfterDiscount"] = after_discount
    calculation = "TaxExcluded"
    if not company.is_us:  # US companies have no GlobalTaxCalculation; AST decides
        calculation = txn.get("GlobalTaxCalculation", "TaxExcluded")
        txn["GlobalTaxCalculation"] = calculation
    override = None
    if company.is_us and isinstance(txn.get("TxnTaxDetail"), dict):
        # Under US automated sales tax an explicit TotalTax is honoured (reference §7).
        sent = txn["TxnTaxDetail"].get("TotalTax")
        override = rules.number(sent, "TxnTaxDetail.TotalTax") if sent is not None else None
    return totals.compute(priced, discount, tax_after_discount=after_discount,
                          calculation=calculation, tax_override=override)


def _check_refund_account(company: Company, txn: dict) -> None:
    account = company.get("Account", txn["DepositToAccountRef"]["value"])
    if account.get("AccountType") not in REFUND_ACCOUNT_TYPES:
        raise errors.business(
            "A refund must be paid from a Bank or Other Current Asset account; "
            f"{account.get('Name')} is {account.get('AccountType')}.", "DepositToAccountRef")


def _linked_estimates(company: Company, txn: dict) -> list[dict]:
    estimates = []
    for link in txn.get("LinkedTxn") or []:
        txn_id = rules.require(link.get("TxnId"), "LinkedTxn.TxnId")
        kind = rules.require(link.get("TxnType"), "LinkedTxn.TxnType")
        if kind != "Estimate":
            raise errors.business(f"A {kind} cannot be linked here; only an Estimate can.",
                                  "LinkedTxn.TxnType")
        estimate = company.get("Estimate", txn_id)
        if estimate is None:
            raise errors.invalid_reference("LinkedTxn.TxnId")
        if estimate.get("TxnStatus", "Pending") not in LINKABLE_ESTIMATE_STATUSES:
            raise errors.business("Only a Pending or Accepted estimate can be linked.",
                                  "LinkedTxn.TxnId")
        estimates.append(estimate)
    return estimates


def _finish(company, txn_type, txn, lines, result, code, customer) -> None:
    """Write the computed fields QBO returns onto the transaction."""
    for number, line in enumerate(lines, start=1):
        line["Id"] = str(number)
        line["LineNum"] = number
        if line["DetailType"] == "DiscountLineDetail":
            line["Amount"] = result.discount
    subtotal_line = {"Amount": result.subtotal, "DetailType": "SubTotalLineDetail",
                     "SubTotalLineDetail": {}}
    txn["Line"] = [*lines, subtotal_line]
    tax_detail = {"TotalTax": result.tax}
    if result.tax_lines:
        tax_detail["TaxLine"] = result.tax_lines
    txn["TxnTaxDetail"] = tax_detail
    txn["TotalAmt"] = result.total
    txn["CurrencyRef"] = currency.ref(code)
    rate = currency.exchange_rate(code, company.home_currency)
    if code != company.home_currency and txn.get("ExchangeRate") is not None:
        rate = rules.number(txn["ExchangeRate"], "ExchangeRate")
    txn["ExchangeRate"] = rate
    txn.setdefault("TxnDate", company.today().isoformat())
    txn.setdefault("PrintStatus", "NotSet")
    txn.setdefault("EmailStatus", "NotSet")
    txn.setdefault("CustomField", [])
    foreign = code != company.home_currency
    if foreign:
        txn["HomeTotalAmt"] = money(result.total * rate)
    if txn_type == "Invoice":
        txn["Balance"] = result.total
        if foreign:
            txn["HomeBalance"] = txn["HomeTotalAmt"]
        txn.setdefault("Deposit", Decimal("0"))
        txn.setdefault("LinkedTxn", [])
        if customer is not None and "SalesTermRef" not in txn and customer.get("SalesTermRef"):
            txn["SalesTermRef"] = dict(customer["SalesTermRef"])
        txn.setdefault("DueDate", _due_date(company, txn).isoformat())
    elif txn_type == "Estimate":
        txn.setdefault("TxnStatus", "Pending")
    else:
        txn["Balance"] = Decimal("0.00")


def _due_date(company: Company, txn: dict) -> date:
    txn_date = date.fromisoformat(str(txn["TxnDate"])[:10])
    term_ref = txn.get("SalesTermRef")
    term = company.get("Term", term_ref["value"]) if isinstance(term_ref, dict) else None
    days = int((term or {}).get("DueDays") or 0)
    return txn_date + timedelta(days=days)
