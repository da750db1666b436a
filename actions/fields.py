"""The input fields shared by the actions (names fixed by SPEC §2.3)."""

from __future__ import annotations

from actions.base import CHOICE, DATE, FLAG, OPTIONS, TEXTAREA, InputField

QUICKBOOKS_COMPANY = InputField(
    "quickbooks_company",
    "QuickBooks company",
    "The connected QuickBooks company to book in. Choose it first: the accounts, items, terms "
    "and tax codes below are read from it.",
    kind=OPTIONS,
)
CREATE_CUSTOMER = InputField(
    "create_customer",
    "Create customer",
    "Create the QuickBooks customer when no customer matches the contact's email or name.",
    kind=FLAG,
    default=True,
)
CREATE_MISSING_PRODUCTS = InputField(
    "create_missing_products",
    "Create missing products",
    "Create a QuickBooks service item for line items that match no item by SKU or name.",
    kind=FLAG,
    default=False,
)
FALLBACK_ITEM = InputField(
    "fallback_item",
    "Fallback item",
    "The QuickBooks item used for line items that match nothing (when not creating items).",
    kind=OPTIONS,
    company_data=True,
)
INCOME_ACCOUNT = InputField(
    "income_account",
    "Income account for new items",
    "Income account of items this action creates. Default: the company's first income account.",
    kind=OPTIONS,
    company_data=True,
)
TAX_CODE = InputField(
    "tax_code",
    "Tax code (outside the US)",
    "The tax code put on every line. Required for non-US companies; US tax is automatic.",
    kind=OPTIONS,
    company_data=True,
)
CUSTOMER_MEMO = InputField(
    "customer_memo",
    "Message to customer",
    "Shown on the transaction the customer sees.",
    kind=TEXTAREA,
    mappable=True,
    max_length=1000,
)
PRIVATE_NOTE = InputField(
    "private_note",
    "Internal note",
    "Private memo, not shown to the customer.",
    kind=TEXTAREA,
    mappable=True,
    max_length=4000,
)
DOC_NUMBER = InputField(
    "doc_number",
    "Document number",
    "Up to 21 characters. Leave empty to let QuickBooks number the transaction.",
    mappable=True,
    max_length=21,
)
IF_EXISTS = InputField(
    "if_exists",
    "If this record was already booked",
    "Skip returns the transaction this action already created for the record.",
    kind=CHOICE,
    choices=(("skip", "Skip (return the existing one)"), ("create_another", "Create another")),
    default="skip",
)
COMMON = (
    QUICKBOOKS_COMPANY,
    CREATE_CUSTOMER,
    CREATE_MISSING_PRODUCTS,
    FALLBACK_ITEM,
    INCOME_ACCOUNT,
    TAX_CODE,
    CUSTOMER_MEMO,
    PRIVATE_NOTE,
    DOC_NUMBER,
    IF_EXISTS,
)

PAYMENT_TERMS = InputField(
    "payment_terms",
    "Payment terms",
    "QuickBooks terms; they set the due date unless given.",
    kind=OPTIONS,
    company_data=True,
)
INVOICE_DATE = InputField(
    "invoice_date",
    "Invoice date",
    "Default: today.",
    kind=DATE,
    mappable=True,
)
DUE_DATE = InputField(
    "due_date",
    "Due date",
    "Default: from the payment terms.",
    kind=DATE,
    mappable=True,
)
EXPIRATION_DATE = InputField(
    "expiration_date",
    "Expiration date",
    "Default: the quote's expiration date.",
    kind=DATE,
    mappable=True,
)
SEND_EMAIL = InputField(
    "send_email",
    "Email it to the customer",
    "QuickBooks emails the transaction to the contact's address.",
    kind=FLAG,
    default=False,
)
DEPOSIT_ACCOUNT = InputField(
    "deposit_account",
    "Deposit to",
    "Bank or other current asset account. Default: Undeposited Funds.",
    kind=OPTIONS,
    company_data=True,
)
PAYMENT_METHOD = InputField(
    "payment_method",
    "Payment method",
    "QuickBooks payment method. Default for payments: mapped from the payment's method type.",
    kind=OPTIONS,
    company_data=True,
)
SKIP_INVOICE_PAYMENTS = InputField(
    "skip_invoice_payments",
    "Skip invoice payments",
    "Skip payments of HubSpot invoices: invoice sync already books them.",
    kind=FLAG,
    default=True,
)
PAYMENT_ACCOUNT = InputField(
    "payment_account",
    "Paid from account",
    "The Bank or Credit Card account the fee left.",
    kind=OPTIONS,
    required=True,
    company_data=True,
)
EXPENSE_ACCOUNT = InputField(
    "expense_account",
    "Expense account",
    "Where the fee is booked, e.g. Merchant Fees.",
    kind=OPTIONS,
    required=True,
    company_data=True,
)
VENDOR = InputField(
    "vendor",
    "Vendor",
    "Optional payee, e.g. HubSpot Payments.",
    kind=OPTIONS,
    company_data=True,
)
REFUND_FROM_ACCOUNT = InputField(
    "refund_from_account",
    "Refund from account",
    "The Bank or Other Current Asset account the refund is paid from.",
    kind=OPTIONS,
    required=True,
    company_data=True,
)
ALLOW_PARTIAL = InputField(
    "allow_partial",
    "Allow partial refunds",
    "Book a partly refunded payment as one line of the refunded amount.",
    kind=FLAG,
    default=False,
)

# SPEC §7 inputs: every sales action gets CLASS, LOCATION, EXEMPT_TAX_CODE, FEE_ITEM; the fee
# expense CLASS and LOCATION.
CLASS = InputField(
    "class",
    "Class",
    "QuickBooks class, on the transaction (or on every line when the company tracks classes "
    "per line). Ignored when the company does not track classes.",
    kind=OPTIONS,
    company_data=True,
)
LOCATION = InputField(
    "location",
    "Location",
    "QuickBooks location (department) of the transaction, when the company tracks locations.",
    kind=OPTIONS,
    company_data=True,
)
EXEMPT_TAX_CODE = InputField(
    "exempt_tax_code",
    "Tax code for untaxed lines (outside the US)",
    "Lines whose HubSpot line item has no tax rate get this code; default: the tax code.",
    kind=OPTIONS,
    company_data=True,
)
FEE_ITEM = InputField(
    "fee_item",
    "Item for quote fees",
    "QuickBooks item a quote's fees are billed on. Default: an item named after the fee.",
    kind=OPTIONS,
    company_data=True,
)
BOOKS = (CLASS, LOCATION, EXEMPT_TAX_CODE, FEE_ITEM)
