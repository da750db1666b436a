"""What HubSpot defines: object types, their properties, association types and read scopes.

Facts come from /work/shared/reference/hubspot-api.md §5.4, §6.1, §6.3 and §6.5. Association
type ids that the reference table leaves out (the reverse directions for contacts and companies)
use HubSpot's published default ids.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    """One CRM object type as HubSpot names it in paths, ids, enums and association names."""

    name: str  # path name, e.g. "line_items"
    type_id: str  # e.g. "0-8"
    enum: str  # e.g. "LINE_ITEM", as in workflow payloads
    singular: str  # e.g. "line_item", as in association type names "deal_to_line_item"
    scopes: tuple[str, ...]  # any one of these grants read access
    default_properties: tuple[str, ...]  # returned when `properties` is not given
    properties: tuple[str, ...]  # defined properties (beyond the system ones)

    @property
    def association_key(self) -> str:
        """Key under `associations` in v3 object reads: HubSpot writes "line items" with a space."""
        return self.name.replace("_", " ")


# System properties every object carries; contacts name the modified date differently.
SYSTEM_PROPERTIES = ("hs_object_id", "createdate", "hs_lastmodifieddate")
CONTACT_SYSTEM_PROPERTIES = ("hs_object_id", "createdate", "lastmodifieddate")

_ADDRESS = ("address", "city", "state", "zip", "country")

OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "contacts", "0-1", "CONTACT", "contact",
        ("crm.objects.contacts.read", "crm.objects.contacts.write"),
        ("firstname", "lastname", "email"),
        ("firstname", "lastname", "email", "company", "phone", "jobtitle", *_ADDRESS),
    ),
    ObjectType(
        "companies", "0-2", "COMPANY", "company",
        ("crm.objects.companies.read", "crm.objects.companies.write"),
        ("name", "domain"),
        ("name", "domain", "phone", "industry", *_ADDRESS),
    ),
    ObjectType(
        "deals", "0-3", "DEAL", "deal",
        ("crm.objects.deals.read", "crm.objects.deals.write"),
        ("dealname", "amount", "closedate", "pipeline", "dealstage"),
        ("dealname", "amount", "closedate", "pipeline", "dealstage", "deal_currency_code",
         "description", "hubspot_owner_id", "dealtype"),
    ),
    ObjectType(
        "products", "0-7", "PRODUCT", "product",
        ("crm.objects.products.read", "e-commerce"),
        ("name", "description", "price"),
        ("name", "description", "price", "hs_sku", "hs_recurring_billing_period",
         "hs_cost_of_goods_sold", "hs_product_type"),
    ),
    ObjectType(
        "line_items", "0-8", "LINE_ITEM", "line_item",
        ("crm.objects.line_items.read", "e-commerce"),
        ("quantity", "amount", "price", "name", "hs_product_id"),
        ("name", "description", "hs_sku", "hs_recurring_billing_start_date",
         "hs_recurring_billing_end_date", "recurringbillingfrequency", "quantity", "price",
         "amount", "hs_line_item_currency_code", "hs_product_id", "hs_tax_rate_group_id",
         "hs_recurring_billing_period", "hs_pricing_model", "hs_tier_ranges", "hs_tier_prices",
         # Not in HubSpot's guide text but present on real portals; unconfirmed (§6.5).
         "discount", "hs_discount_percentage", "hs_total_discount", "hs_position_on_quote"),
    ),
    ObjectType(
        "quotes", "0-14", "QUOTE", "quote",
        ("crm.objects.quotes.read", "e-commerce"),
        ("hs_expiration_date", "hs_public_url_key", "hs_status", "hs_title"),
        ("hs_title", "hs_expiration_date", "hs_status", "hs_currency", "hs_quote_amount",
         "hs_quote_number", "hs_template_type", "hs_domain", "hs_slug", "hs_language",
         "hs_locale", "hs_timezone", "hs_quote_total_preference", "hs_pdf_download_link",
         "hs_locked", "hs_quote_link", "hs_public_url_key", "hs_esign_num_signers_required",
         "hs_payment_status", "hs_payment_date", "hs_esign_enabled", "hs_acceptance_method",
         "hs_clickwrap_accepted_by", "hs_payment_enabled", "hs_payment_type",
         "hs_allowed_payment_methods", "hs_net_payment_terms", "hs_billing_enabled",
         # Seen only in third-party code (§6.5 "Signed" signal): unconfirmed but real.
         "hs_sign_status", "hs_quote_esign_status", "hs_esign_date",
         "hs_terms", "hs_comments"),
    ),
    # Quote-level discounts, fees and taxes (reference §10.2).
    ObjectType(
        "discounts", "0-84", "DISCOUNT", "discount",
        ("crm.objects.line_items.read", "e-commerce"),
        ("hs_label", "hs_type", "hs_value"),
        ("hs_label", "hs_type", "hs_value", "hs_duration", "hs_sort_order"),
    ),
    ObjectType(
        "fees", "0-85", "FEE", "fee",
        ("crm.objects.line_items.read", "e-commerce"),
        ("hs_label", "hs_type", "hs_value"),
        ("hs_label", "hs_type", "hs_value", "hs_sort_order"),
    ),
    ObjectType(
        "taxes", "0-86", "TAX", "tax",
        ("crm.objects.line_items.read",),
        ("hs_label", "hs_type", "hs_value"),
        ("hs_label", "hs_type", "hs_value", "hs_sort_order"),
    ),
    ObjectType(
        "invoices", "0-53", "INVOICE", "invoice",
        ("crm.objects.invoices.read", "crm.objects.invoices.write"),
        (),
        ("hs_invoice_status", "hs_currency", "hs_invoice_date", "hs_due_date",
         "hs_purchase_order_number", "hs_comments", "hs_tax_id", "hs_allowed_payment_methods",
         "hs_invoice_payment_collection_method", "hs_allow_partial_payments", "hs_invoice_link",
         "hs_pdf_download_link", "hs_invoice_billable", "hs_language", "hs_locale",
         "hs_number", "hs_amount_billed", "hs_balance_due"),
    ),
    ObjectType(
        "commerce_payments", "0-101", "COMMERCE_PAYMENT", "commerce_payment",
        ("crm.objects.commercepayments.read", "crm.objects.commercepayments.write"),
        (),
        ("hs_initial_amount", "hs_initiated_date", "hs_currency_code", "hs_customer_email",
         "hs_fees_amount", "hs_latest_status", "hs_payment_method_type",
         "hs_payment_method_last_4", "hs_payment_method_bank_or_issuer", "hs_payout_date",
         "hs_processor_type", "hs_reference_number", "hs_refunds_amount",
         "hs_internal_comment", "hs_line_item_discounts_amount",
         "hs_payment_source_app", "hs_payment_source_id", "hs_payment_source_name",
         "hs_payment_source_url", "hs_platform_fee", "hs_platform_fee_in_portal_currency",
         "hs_platform_fee_in_settlement_currency", "hs_payment_type", "hs_payment_id",
         "hs_payment_method", "hs_digital_wallet_type", "hs_net_amount_in_settlement_currency",
         "hs_settlement_currency_code", "hs_total_discounts_amount",
         "hs_refunds_amount_in_portal_currency",
         "hs_max_refundable_amount_in_portal_currency", "hs_net_amount",
         "hs_net_amount_after_refunds", "hs_net_amount_in_portal_currency",
         "hs_initial_amount_in_portal_currency", "hs_initial_amount_in_settlement_currency",
         "hs_has_associated_invoice", "hs_number_of_associated_invoices",
         "hs_payment_creation_method",
         "hs_billing_address_line_1", "hs_billing_address_city", "hs_billing_address_state",
         "hs_billing_address_postal_code", "hs_billing_address_country"),
    ),
)

_BY_KEY: dict[str, ObjectType] = {}
for _t in OBJECT_TYPES:
    for _key in (_t.name, _t.type_id, _t.enum, _t.singular):
        _BY_KEY[_key.lower()] = _t
_BY_KEY["payments"] = _BY_KEY["commerce_payments"]  # the associations API's short form
_BY_KEY["line items"] = _BY_KEY["line_items"]


def object_type(key: str) -> ObjectType | None:
    """Resolve a path name, type id ("0-3"), enum ("DEAL") or singular name to its type."""
    return _BY_KEY.get(str(key).strip().lower())


def system_properties(t: ObjectType) -> tuple[str, ...]:
    """The always-returned properties for a type."""
    return CONTACT_SYSTEM_PROPERTIES if t.name == "contacts" else SYSTEM_PROPERTIES


# (from, to) → default (unlabeled) HUBSPOT_DEFINED association type id.
DEFAULT_ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("deals", "contacts"): 3, ("deals", "companies"): 341, ("deals", "line_items"): 19,
    ("deals", "quotes"): 63, ("deals", "invoices"): 176, ("deals", "commerce_payments"): 392,
    ("quotes", "deals"): 64, ("quotes", "line_items"): 67, ("quotes", "contacts"): 69,
    ("quotes", "companies"): 71, ("quotes", "invoices"): 408, ("quotes", "commerce_payments"): 398,
    ("line_items", "deals"): 20, ("line_items", "quotes"): 68, ("line_items", "invoices"): 410,
    ("line_items", "commerce_payments"): 396,
    ("commerce_payments", "contacts"): 387, ("commerce_payments", "companies"): 389,
    ("commerce_payments", "deals"): 391, ("commerce_payments", "line_items"): 395,
    ("commerce_payments", "quotes"): 397, ("commerce_payments", "invoices"): 542,
    ("invoices", "contacts"): 177, ("invoices", "companies"): 179, ("invoices", "deals"): 175,
    ("invoices", "quotes"): 407, ("invoices", "line_items"): 409,
    ("invoices", "commerce_payments"): 541,
    ("contacts", "companies"): 279,
    ("quotes", "discounts"): 362, ("discounts", "quotes"): 361,
    ("quotes", "fees"): 364, ("fees", "quotes"): 363,
    ("quotes", "taxes"): 366, ("taxes", "quotes"): 365,
    # Reverse directions outside the reference table (HubSpot's published defaults).
    ("contacts", "deals"): 4, ("companies", "deals"): 342, ("companies", "contacts"): 280,
    ("contacts", "quotes"): 70, ("companies", "quotes"): 72,
    ("contacts", "invoices"): 178, ("companies", "invoices"): 180,
    ("contacts", "commerce_payments"): 388, ("companies", "commerce_payments"): 390,
}


@dataclass(frozen=True)
class LabeledType:
    """A HUBSPOT_DEFINED labeled association type and its counterpart in the other direction."""

    from_type: str
    to_type: str
    type_id: int
    label: str
    inverse_id: int
    name_suffix: str  # v3 type name suffix: "deal_to_company" + ""/"_signer"


# Primary company and quote signer. A labeled pair always also carries the unlabeled default.
LABELED_TYPES: tuple[LabeledType, ...] = (
    LabeledType("deals", "companies", 5, "Primary", 6, ""),
    LabeledType("companies", "deals", 6, "Primary", 5, ""),
    LabeledType("contacts", "companies", 1, "Primary", 2, ""),
    LabeledType("companies", "contacts", 2, "Primary", 1, ""),
    LabeledType("quotes", "contacts", 702, "Signer", 703, "_signer"),
    LabeledType("contacts", "quotes", 703, "Signer", 702, "_signer"),
)


def labeled_type(type_id: int) -> LabeledType | None:
    """The labeled HUBSPOT_DEFINED type with this id, if any."""
    return next((lt for lt in LABELED_TYPES if lt.type_id == type_id), None)


def inverse_default(from_type: str, to_type: str) -> int | None:
    """The default type id of the reverse direction."""
    return DEFAULT_ASSOCIATION_TYPES.get((to_type, from_type))


def v3_association_name(from_t: ObjectType, to_t: ObjectType, type_id: int,
                        label: str | None) -> str:
    """The `type` string of a v3 association entry, e.g. "deal_to_company_unlabeled".

    HubSpot names the primary type plainly and the unlabeled one with "_unlabeled" when a pair
    has a primary label; other pairs use the plain name for the default type.
    """
    base = f"{from_t.singular}_to_{to_t.singular}"
    lt = labeled_type(type_id)
    if lt is not None:
        return base + lt.name_suffix
    has_primary = any(x.from_type == from_t.name and x.to_type == to_t.name and x.label == "Primary"
                      for x in LABELED_TYPES)
    if type_id == DEFAULT_ASSOCIATION_TYPES.get((from_t.name, to_t.name)):
        return base + ("_unlabeled" if has_primary else "")
    slug = (label or str(type_id)).lower().replace(" ", "_")
    return f"{base}_{slug}"
