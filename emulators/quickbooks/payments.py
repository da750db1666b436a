"""Payment: money received from a customer and applied to that customer's invoices."""

from __future__ import annotations

from decimal import Decimal

from . import currency, errors, rules
from .company import Company
from .sales import DROPPED, undeposited_funds_ref, without_blanks
from .totals import money

_PAYMENT_DROPPED = tuple(k for k in DROPPED if k != "TotalAmt")


def create(company: Company, body: dict) -> dict:
    """Validate a payment, store it, and lower the balance of each invoice it pays."""
    payment = without_blanks(body, _PAYMENT_DROPPED)
    customer_ref = rules.require_ref(payment, "CustomerRef")
    total = rules.number(rules.require(payment.get("TotalAmt"), "TotalAmt"), "TotalAmt")
    if total < 0:
        raise errors.business("A payment's TotalAmt cannot be negative.", "TotalAmt")
    lines = payment.get("Line") or []
    if isinstance(lines, dict):
        lines = [lines]
    for line in lines:
        rules.require(line.get("Amount"), "Line.Amount")
        links = rules.require(line.get("LinkedTxn"), "Line.LinkedTxn")
        for link in links if isinstance(links, list) else [links]:
            rules.require(link.get("TxnId"), "Line.LinkedTxn.TxnId")
            rules.require(link.get("TxnType"), "Line.LinkedTxn.TxnType")
    rules.check_refs(company, payment)
    customer = company.get("Customer", customer_ref["value"])
    code = rules.currency_of(company, payment)
    rules.check_same_currency(code, customer, company, "customer")
    applications = _applications(company, lines, customer_ref, code)
    applied = sum((amount for _, amount in applications), Decimal(0))
    if applied > total:
        raise errors.business(
            f"The amounts applied to invoices ({money(applied)}) exceed the payment's "
            f"TotalAmt ({money(total)}).", "TotalAmt")
    payment.setdefault("DepositToAccountRef", undeposited_funds_ref(company))
    for line in lines:
        line["Amount"] = money(rules.number(line["Amount"], "Line.Amount"))
        if isinstance(line["LinkedTxn"], dict):
            line["LinkedTxn"] = [line["LinkedTxn"]]
    payment["Line"] = lines
    payment["TotalAmt"] = money(total)
    payment["UnappliedAmt"] = money(total - applied)
    payment["CurrencyRef"] = currency.ref(code)
    payment["ExchangeRate"] = currency.exchange_rate(code, company.home_currency)
    payment.setdefault("TxnDate", company.today().isoformat())
    payment.setdefault("ProcessPayment", False)
    stored = company.store("Payment", payment)
    for invoice, amount in applications:
        invoice["Balance"] = money(invoice["Balance"] - amount)
        if "HomeBalance" in invoice:
            invoice["HomeBalance"] = money(invoice["Balance"] * invoice.get("ExchangeRate", 1))
        invoice.setdefault("LinkedTxn", []).append({"TxnId": stored["Id"], "TxnType": "Payment"})
        company.touch(invoice)
    for key in ("Balance", "BalanceWithJobs"):
        customer[key] = money(rules.number(customer.get(key, 0), key) - total)
    return stored


def _applications(company: Company, lines: list[dict], customer_ref: dict, code: str):
    """(invoice, amount) pairs, checked against each invoice's customer and open balance."""
    per_invoice: dict[str, tuple[dict, Decimal]] = {}
    for line in lines:
        amount = rules.number(line["Amount"], "Line.Amount")
        links = line["LinkedTxn"] if isinstance(line["LinkedTxn"], list) else [line["LinkedTxn"]]
        link = links[0]
        if link["TxnType"] != "Invoice":
            raise errors.business(
                f"This emulator applies payments to invoices only, not to a {link['TxnType']}.",
                "Line.LinkedTxn.TxnType")
        invoice = company.get("Invoice", link["TxnId"])
        if invoice is None:
            raise errors.invalid_reference("Line.LinkedTxn.TxnId")
        if str(invoice["CustomerRef"]["value"]) != str(customer_ref["value"]):
            raise errors.business(
                f"Invoice {invoice['Id']} belongs to another customer and cannot be paid by "
                "this payment.", "Line.LinkedTxn.TxnId")
        if invoice.get("CurrencyRef", {}).get("value", code) != code:
            raise errors.business("A payment must be in the currency of the invoices it pays.",
                                  "CurrencyRef")
        _, so_far = per_invoice.get(invoice["Id"], (invoice, Decimal(0)))
        per_invoice[invoice["Id"]] = (invoice, so_far + amount)
    for invoice, amount in per_invoice.values():
        if amount > invoice["Balance"]:
            raise errors.business(
                f"The payment amount {money(amount)} exceeds the open balance "
                f"{invoice['Balance']} of Invoice {invoice.get('DocNumber') or invoice['Id']}.",
                "Line.Amount")
    return list(per_invoice.values())
