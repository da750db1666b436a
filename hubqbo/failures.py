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
    ErrorEntry("NOT_IMPLEMENTED", "This action is not available in this version.",
               "Upgrade the server."),
    ErrorEntry("QUICKBOOKS_NOT_CONNECTED", "No QuickBooks company is connected to this portal.",
               "Open the dashboard's Connections page and connect a QuickBooks company."),
    ErrorEntry("QUICKBOOKS_COMPANY_REQUIRED",
               "Several QuickBooks companies are connected and the action names none.",
               "Pick the QuickBooks company in the action's settings."),
    ErrorEntry("QUICKBOOKS_RECONNECT_REQUIRED",
               "QuickBooks refused the stored authorization (revoked or expired).",
               "Reconnect the company from the dashboard's Connections page, then run again."),
    ErrorEntry("HUBSPOT_NOT_CONNECTED", "The app has no valid HubSpot token for this portal.",
               "Reinstall the app in HubSpot (the dashboard's sign-in does this)."),
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
               "Add line items to the deal or quote."),
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
               "Compare the line amounts and discounts in both systems."),
    ErrorEntry("INVALID_INPUT", "An action input has a wrong value.",
               "Fix the value in the action's settings."),
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
]  # fmt: skip

CATALOGUE: dict[str, ErrorEntry] = {e.code: e for e in _ENTRIES}


def fix_for(code: str) -> str:
    """The fix for an error code, or a generic hint."""
    entry = CATALOGUE.get(code)
    return entry.fix if entry else "See the execution detail in the dashboard."
