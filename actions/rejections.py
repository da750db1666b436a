"""QuickBooks validation faults turned into stable error codes with a readable message."""

from __future__ import annotations

from clients.quickbooks import QuickBooksAuthError, QuickBooksError, QuickBooksThrottled
from failures import ActionFailed

STALE_REFERENCE_CODES = frozenset({"610", "2500"})


def is_business_fault(exc: QuickBooksError) -> bool:
    """True for a permanent answer (validation); throttles and auth problems propagate."""
    return not isinstance(exc, QuickBooksThrottled | QuickBooksAuthError) and exc.status < 500


def is_stale_reference(exc: QuickBooksError) -> bool:
    """QuickBooks says a referenced object is gone or inactive (610 / 2500)."""
    return exc.code in STALE_REFERENCE_CODES


def describe(exc: QuickBooksError) -> str:
    """QuickBooks' own words: code, message, detail and the element it names."""
    text = f"QuickBooks error {exc.code or exc.status}: {exc.message}"
    if exc.detail and exc.detail not in exc.message:
        text += f" — {exc.detail}"
    if exc.element:
        text += f" (field {exc.element})"
    return text


def failure(exc: QuickBooksError, *, entity: str, non_us: bool = False) -> ActionFailed:
    """The ActionFailed for a QuickBooks validation fault on creating ``entity``."""
    said = describe(exc)
    words = f"{exc.message} {exc.detail} {exc.element}".lower()
    if exc.code == "6140":
        return ActionFailed(
            "DUPLICATE_DOC_NUMBER",
            f"QuickBooks already has a {entity} with this document number. Leave 'Document "
            f"number' empty or map a unique value. {said}",
        )
    if exc.code == "6240":
        return ActionFailed(
            "DUPLICATE_NAME",
            f"Another QuickBooks customer, vendor or employee already uses this name. {said}",
        )
    if exc.code in STALE_REFERENCE_CODES:
        return ActionFailed(
            "INVALID_REFERENCE",
            "QuickBooks says a referenced account, item, term, method or customer does not "
            f"exist or is inactive; re-select it in the action's settings. {said}",
        )
    if "service date" in words or "revenue recognition" in words:
        return ActionFailed(
            "SERVICE_DATE_REQUIRED",
            f"QuickBooks revenue recognition needs a service date on each line. {said}",
        )
    if non_us and exc.code == "6000" and ("tax" in words or "gst" in words or "vat" in words):
        return ActionFailed(
            "TAX_CODE_REQUIRED",
            f"This QuickBooks company needs a valid tax code on every line: choose one in the "
            f"action's 'Tax code' field. {said}",
        )
    return ActionFailed("QUICKBOOKS_VALIDATION", f"QuickBooks rejected the {entity}. {said}")
