"""HubSpot record types the actions accept, by name or by object type id."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordType:
    """One CRM object type: its API path name, workflow name and type id."""

    path: str
    name: str
    type_id: str


DEAL = RecordType("deals", "DEAL", "0-3")
QUOTE = RecordType("quotes", "QUOTE", "0-14")
PAYMENT = RecordType("commerce_payments", "COMMERCE_PAYMENT", "0-101")
RECORD_TYPES = (DEAL, QUOTE, PAYMENT)

_LOOKUP = {key.upper(): rt for rt in RECORD_TYPES for key in (rt.path, rt.name, rt.type_id)}
_LOOKUP["PAYMENT"] = PAYMENT
_LOOKUP["COMMERCE_PAYMENTS"] = PAYMENT


def record_type(value: str) -> RecordType | None:
    """The record type for a name (DEAL), path (deals) or id (0-3); None if unknown."""
    return _LOOKUP.get(str(value).strip().upper())


# Properties of the enrolled record every action asks HubSpot to include (objectRequestOptions).
RECORD_PROPERTIES: dict[str, tuple[str, ...]] = {
    "deals": ("dealname", "amount", "deal_currency_code", "closedate", "hs_object_id"),
    "quotes": (
        "hs_title", "hs_quote_amount", "hs_currency", "hs_expiration_date", "hs_status",
        "hs_quote_number", "hs_sign_status", "hs_object_id",
    ),
    "commerce_payments": (
        "hs_initial_amount", "hs_currency_code", "hs_fees_amount", "hs_latest_status",
        "hs_payment_method_type", "hs_payment_source_app", "hs_reference_number",
        "hs_refunds_amount", "hs_customer_email", "hs_initiated_date", "hs_object_id",
        "hs_payment_source_name", "hs_payout_date", "hs_payment_method_bank_or_issuer",
    ),
}  # fmt: skip
