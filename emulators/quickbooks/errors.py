"""Intuit's Fault envelope and the error codes the emulator answers with (reference §5)."""

from __future__ import annotations

from dataclasses import dataclass

from .wire import epoch_millis, timestamp

INACTIVE_TEXT = (
    "Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)
BUSINESS_MESSAGE = "A business validation error has occurred while processing your request"


@dataclass
class QboError(Exception):
    """One Intuit Fault: raised by rules, turned into the JSON envelope by the gateway."""

    code: str
    message: str
    detail: str
    element: str | None = None
    status: int = 400
    fault_type: str = "ValidationFault"

    def fault(self) -> dict:
        """The ``Fault`` object as it appears in a response or a batch item."""
        return {
            "Error": [
                {
                    "Message": self.message,
                    "Detail": self.detail,
                    "code": self.code,
                    "element": self.element or "",
                }
            ],
            "type": self.fault_type,
        }

    def envelope(self, epoch: float) -> dict:
        """The whole response body."""
        return {"Fault": self.fault(), "time": timestamp(epoch)}


def unsupported_property(element: str, detail: str) -> QboError:
    """2010: an unknown, misplaced or malformed property."""
    return QboError(
        "2010",
        "Request has invalid or unsupported property",
        f"Property Name:{detail} specified is unsupported or invalid",
        element,
    )


def required_missing(element: str) -> QboError:
    """2020: a field QBO needs was not sent."""
    return QboError(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element,
    )


def invalid_reference(element: str, why: str | None = None) -> QboError:
    """2500: a ref names an object that does not exist (or cannot be used there)."""
    detail = f"Invalid Reference Id : {why or element}"
    return QboError("2500", "Invalid Reference Id", detail, element)


def inactive_reference(element: str) -> QboError:
    """610: a ref names an object that exists but was made inactive."""
    return QboError("610", "Object Not Found", f"Object Not Found : {INACTIVE_TEXT}", element)


def object_not_found(element: str | None = None) -> QboError:
    """610: the Id in the URL or body names nothing."""
    return QboError("610", "Object Not Found", f"Object Not Found : {INACTIVE_TEXT}", element)


def stale_object() -> QboError:
    """5010: the SyncToken sent is not the current one."""
    return QboError(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and QuickBooks Emulator were working on this at the same time. "
        "QuickBooks Emulator finished before you did, so your work was not saved.",
    )


def business(detail: str, element: str | None = None) -> QboError:
    """6000: a business rule failed; the Detail carries the reason."""
    return QboError("6000", BUSINESS_MESSAGE, f"Business Validation Error: {detail}", element)


def string_length(element: str, maximum: int, supplied: int) -> QboError:
    """6000: a string longer than QBO stores (DocNumber > 21, DisplayName > 500, ...)."""
    return QboError(
        "6000",
        "String length is either shorter or longer than supported by specification",
        "String length specified does not match the supported length. "
        f"Min:0 Max:{maximum} supplied:{supplied}",
        element,
    )


def amount_mismatch(element: str, amount, expected) -> QboError:
    """6070: a line's Amount is not Qty × UnitPrice."""
    return QboError(
        "6070",
        "Amount calculation incorrect",
        f"Amount calculation incorrect : Amount is not equal to UnitPrice * Qty. "
        f"Supplied value:{amount}, expected:{expected}",
        element,
    )


def no_name() -> QboError:
    """6080: neither DisplayName nor any name part was given."""
    return QboError(
        "6080",
        "No Name Provided",
        "No Name Provided : Please provide a DisplayName or at least one of "
        "Title, GivenName, MiddleName, FamilyName or Suffix.",
        "DisplayName",
    )


def discount_missing(element: str) -> QboError:
    """6090: a discount line with neither an amount nor a percent."""
    return QboError(
        "6090",
        "Discount Amount Or Percent Missing",
        "Discount Amount Or Percent Missing : A discount line needs an Amount "
        "or a DiscountPercent.",
        element,
    )


def invalid_us_tax_code(element: str, value: str) -> QboError:
    """6100: a US line tax code other than TAX or NON."""
    return QboError(
        "6100",
        "Invalid Tax Code",
        f"Invalid Tax Code : {value!r} is not valid here; US transaction lines take TAX or NON.",
        element,
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboError:
    """6140: the DocNumber is already used by a transaction of the same type."""
    return QboError(
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. "
        f"This number has already been used. DocNumber={doc_number} is assigned to "
        f"TxnType={txn_type} with TxnId={txn_id}",
        "DocNumber",
    )


def duplicate_name(who: str) -> QboError:
    """6240: a name already used where QBO wants it unique."""
    return QboError(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : {who} is already using this name. "
        "Please use a different name.",
        "",
    )


def inventory_quantity_missing(element: str) -> QboError:
    """6520: an inventory item sold without a quantity."""
    return QboError(
        "6520",
        "Missing Inventory Item Quantity",
        "Missing Inventory Item Quantity : Inventory items need a Qty.",
        element,
    )


def query_parse(detail: str) -> QboError:
    """4000: the SELECT statement could not be parsed or validated."""
    return QboError("4000", "Error parsing query", detail)


def unsupported_operation(detail: str) -> QboError:
    """500: an operation the emulator (or QBO) does not support on this resource."""
    return QboError("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def throttled() -> QboError:
    """3001 / 429: the per-realm request limit was reached."""
    return QboError(
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
        status=429,
        fault_type="SERVICE",
    )


def system_failure() -> QboError:
    """10000 / 500: an application error (what QBO says for a transient server failure)."""
    return QboError(
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your "
        "data. Please wait a few minutes and try again. If the problem persists, contact "
        "customer support.",
        status=500,
        fault_type="SystemFault",
    )


def authorization_failed(realm_id: str) -> QboError:
    """3100 / 403: a valid token used against a company it was not issued for."""
    return QboError(
        "3100",
        "message=AuthorizationFailed; errorCode=003100; statusCode=403",
        f"Authorization failed: the token was not issued for company {realm_id}",
        status=403,
        fault_type="AuthorizationFault",
    )


def access_removed() -> QboError:
    """120 / 401: the token is valid but its user lost access to the company (a refresh does
    not help)."""
    return QboError(
        "120",
        "Authorization Failure",
        "AuthorizationFailure: The user who authorized this app no longer has access to the "
        "company, statusCode: 401",
        status=401,
        fault_type="AuthorizationFault",
    )


def authentication_failed(detail: str, epoch: float) -> dict:
    """The lower-case 401 envelope QBO sends for expired, revoked or unknown tokens."""
    return {
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "time": epoch_millis(epoch),
    }
