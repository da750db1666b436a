"""Failures an action can end with, and the catalogue of error codes with their fixes."""

from __future__ import annotations

from dataclasses import dataclass


class ActionFailed(Exception):
    """A permanent business failure: the workflow continues with FAIL_CONTINUE."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class TransientFailure(Exception):
    """A failure a later attempt can overcome; HubSpot (or the queue) retries it."""

    def __init__(self, message: str, retry_after: float = 30.0, status: int = 503):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        # 429 when a rate budget is spent, 503 when a service is down: both make HubSpot retry.
        self.status = status


class CompanyRefused(Exception):
    """The execution names a QuickBooks company that is not this portal's."""


@dataclass(frozen=True)
class ErrorEntry:
    """What an error code means and how a user fixes it."""

    code: str
    summary: str
    fix: str


_ENTRIES = [
    ErrorEntry("QUICKBOOKS_NOT_CONNECTED", "No QuickBooks company is connected to this portal.",
               "Open the dashboard's Connections page and connect a QuickBooks company."),
    ErrorEntry("QUICKBOOKS_COMPANY_REQUIRED",
               "Several QuickBooks companies are connected and the action names none.",
               "Pick the QuickBooks company in the action's settings."),
    ErrorEntry("QUICKBOOKS_RECONNECT_REQUIRED",
               "QuickBooks refused the stored authorization (revoked or expired, or its user "
               "lost access to the company: a 401 that persists after a refresh).",
               "Reconnect the company from the dashboard's Connections page, then run again."),
    ErrorEntry("HUBSPOT_NOT_CONNECTED", "The app has no valid HubSpot token for this portal.",
               "Reinstall the app in HubSpot (the dashboard's sign-in does this)."),
    ErrorEntry("APP_CREDENTIALS_REFUSED",
               "HubSpot or Intuit refused the server's own client id or secret.",
               "Check HUBSPOT_CLIENT_ID/HUBSPOT_CLIENT_SECRET or QUICKBOOKS_CLIENT_ID/"
               "QUICKBOOKS_CLIENT_SECRET in the server's environment, then run again."),
    ErrorEntry("COMPANY_NOT_ALLOWED",
               "The action names a QuickBooks company that is not connected to this portal.",
               "Pick one of this portal's own companies in the action's 'QuickBooks company' "
               "field (the dashboard's Connections page lists them)."),
    ErrorEntry("HUBSPOT_ERROR", "HubSpot refused a read of the record or its associations.",
               "Check the app's scopes (reinstall it if they changed) and that the record "
               "exists; the execution detail shows HubSpot's answer."),
    ErrorEntry("RECORD_NOT_FOUND", "The enrolled HubSpot record no longer exists.",
               "Check that the record was not deleted or merged."),
    ErrorEntry("NO_CONTACT", "The record has no associated contact to bill.",
               "Associate a contact with the deal, quote or payment, then run again."),
    ErrorEntry("NO_EMAIL", "The billing contact has no email address.",
               "Add an email to the contact: customers are matched and created by email."),
    ErrorEntry("CUSTOMER_NOT_FOUND",
               "No QuickBooks customer matches and creating customers is turned off.",
               "Create the customer in QuickBooks with the contact's email, or turn on "
               "'Create customer'."),
    ErrorEntry("DUPLICATE_NAME",
               "QuickBooks already has a customer, vendor or employee with this display name.",
               "Rename the other QuickBooks record or the HubSpot company/contact; names must be "
               "unique across customers, vendors and employees."),
    ErrorEntry("UNMATCHED_PRODUCTS", "Some line items match no QuickBooks product or service.",
               "Give the HubSpot products the QuickBooks SKU or exact name, turn on "
               "'Create missing products', or choose a fallback item."),
    ErrorEntry("NO_LINE_ITEMS", "The record has no line items to bill.",
               "Add line items to the deal or quote, or (for a deal with an amount) choose a "
               "'Fallback item'."),
    ErrorEntry("TAX_CODE_REQUIRED",
               "This QuickBooks company is outside the US and needs a tax code on every line.",
               "Choose a tax code in the action's 'Tax code' field."),
    ErrorEntry("CURRENCY_NOT_ENABLED",
               "The record's currency differs from the company's and multicurrency is off.",
               "Turn on multicurrency in QuickBooks (Settings > Account and settings > Advanced), "
               "or bill in the home currency."),
    ErrorEntry("DUPLICATE_DOC_NUMBER",
               "QuickBooks already has a transaction with this document number.",
               "Leave 'Document number' empty to let QuickBooks number it, or map a unique value "
               "(custom transaction numbers must not repeat)."),
    ErrorEntry("INVALID_REFERENCE",
               "QuickBooks says a referenced account, item, term or method is missing or inactive.",
               "Re-select the account, item, term or payment method in the action's settings."),
    ErrorEntry("SERVICE_DATE_REQUIRED",
               "QuickBooks revenue recognition needs a service date on each line.",
               "Set a service date (the invoice date is used) or turn off revenue recognition "
               "for these products in QuickBooks."),
    ErrorEntry("QUICKBOOKS_VALIDATION", "QuickBooks rejected the transaction.",
               "Read QuickBooks' message in the execution detail; fix the data and run again."),
    ErrorEntry("TOTAL_MISMATCH",
               "QuickBooks' total differs from HubSpot's; the transaction was kept for review.",
               "Compare the line amounts, discounts and fees in both systems (for a quote: "
               "hs_quote_amount less its quote-level taxes)."),
    ErrorEntry("EMAIL_NOT_SENT",
               "The transaction was created but QuickBooks did not email it (it stays created).",
               "Check the customer's email address in QuickBooks and send it from QuickBooks."),
    ErrorEntry("INVALID_INPUT", "An action input has a value QuickBooks cannot take.",
               "Fix the value or the mapped HubSpot property (e.g. a document number over 21 "
               "characters, a date that is not a date)."),
    ErrorEntry("INVALID_ACCOUNT", "The chosen account has the wrong type for this field.",
               "Choose an account of the type the field asks for."),
    ErrorEntry("NO_FEE", "The payment has no processing fee (skipped, not an error).", "None."),
    ErrorEntry("INVOICE_PAYMENT_SKIPPED",
               "The payment paid a HubSpot invoice, which invoice sync books already (skipped).",
               "None; turn off 'Skip invoice payments' only if invoices are not synced."),
    ErrorEntry("NOT_REFUNDED", "The payment is not refunded.",
               "Enrol payments when their status becomes 'refunded'."),
    ErrorEntry("PARTIAL_REFUND", "The payment is only partly refunded.",
               "Turn on 'Allow partial refunds' to book the refunded amount as one line."),
    ErrorEntry("PAYMENT_NOT_SUCCEEDED", "The payment has not succeeded.",
               "Enrol payments once their status is 'succeeded'."),
    ErrorEntry("UNSUPPORTED_RECORD", "This action does not accept this kind of record.",
               "Use the action in a deal, quote or payment workflow as its description says."),
    ErrorEntry("NO_AMOUNT", "The HubSpot payment has no amount (hs_initial_amount).",
               "Check the payment in HubSpot; only payments with an amount can be booked."),
    ErrorEntry("PAYMENT_AMOUNT_MISMATCH",
               "The payment's amount cannot be reached from its line items (no transaction made).",
               "Make the payment's line items match what was paid, or book it in QuickBooks."),
    ErrorEntry("REFUND_AMOUNT_MISMATCH",
               "The refunded amount cannot be reached from the payment's lines (none booked).",
               "Book this refund in QuickBooks by hand; partial refunds need "
               "'Allow partial refunds'."),
    ErrorEntry("BALANCE_NOT_ZERO",
               "The Payment was recorded but the QuickBooks invoice still has a balance.",
               "Open the invoice in QuickBooks: look for credits applied to it and settle it."),
    ErrorEntry("FALLBACK_ITEM_REQUIRED",
               "A payment without line items (or a partial refund) is booked on the fallback "
               "item and the action has none.",
               "Choose a 'Fallback item' in the action's settings."),
    ErrorEntry("INTERNAL_ERROR", "The server failed to run this execution, repeatedly.",
               "Check the worker logs for the error, fix it, then use Run again."),
    ErrorEntry("RETRIES_EXHAUSTED",
               "A passing failure (outage, throttling) lasted until HubSpot's callback expiry.",
               "Read the last cause in the error message; once QuickBooks or HubSpot answers "
               "again, use Run again."),
]  # fmt: skip

CATALOGUE: dict[str, ErrorEntry] = {e.code: e for e in _ENTRIES}


def fix_for(code: str) -> str:
    """The fix for an error code, or a generic hint."""
    entry = CATALOGUE.get(code)
    return entry.fix if entry else "See the execution detail in the dashboard."
