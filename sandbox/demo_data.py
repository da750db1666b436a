"""The sandbox's demo data: two companies, seeded records, the published actions, and the
ready-made runs and record names of the dashboard's "Try an action" panel."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import accounts
from emulators.hubspot.emulator import DEFAULT_SCOPES
from executions import ledger
from store import definitions
from store.database import save
from web.http import BadRequest

log = logging.getLogger("sandbox")


@dataclass(frozen=True)
class DemoCompany:
    """A QuickBooks company the sandbox creates and connects."""

    realm_id: str
    name: str
    country: str
    currency: str
    multicurrency: bool


DEMO_COMPANIES = (
    DemoCompany("9341452900000001", "Sandbox Widgets LLC (US)", "US", "USD", False),
    DemoCompany("9341452900000002", "Sandbox Widgets Ltd. (Canada)", "CA", "CAD", True),
)
# How a demo run names a record: "deal:basic", "quote:accepted", "payment:checkout", "deal:123".
RECORD_KINDS = {
    "deal": ("deals", "deals"), "deals": ("deals", "deals"),
    "quote": ("quotes", "quotes"), "quotes": ("quotes", "quotes"),
    "payment": ("commerce_payments", "payments"), "payments": ("commerce_payments", "payments"),
    "commerce_payment": ("commerce_payments", "payments"),
    "commerce_payments": ("commerce_payments", "payments"),
}  # fmt: skip


def seed(runtime, hubspot, quickbooks, seeded: dict, companies=DEMO_COMPANIES) -> None:
    """Demo records in the emulators; the portal and companies stored as if installed."""
    portal_id = seeded["portal_id"]
    # Earlier runs booked into emulators that are gone; a sandbox start is a fresh demo.
    cleared = ledger.forget_portal(runtime.db, portal_id)
    if cleared:
        log.info("sandbox: cleared %s executions of the previous sandbox run", cleared)
    portal = accounts.install_portal(runtime, hubspot.issue_tokens(
        portal_id, scopes=[*DEFAULT_SCOPES, *runtime.settings.hubspot_optional_scopes]))
    portal.name = hubspot.portal(portal_id).name
    portal.hub_domain = hubspot.portal(portal_id).domain
    save(runtime.db, portal)
    for demo in companies:
        quickbooks.add_company(demo.realm_id, demo.name, demo.country, demo.currency,
                               demo.multicurrency)  # fmt: skip
        # The same path as the OAuth callback: CompanyInfo and Preferences, then upsert.
        accounts.connect_company(runtime, portal_id, demo.realm_id,
                                 quickbooks.issue_tokens(demo.realm_id))  # fmt: skip
    publish_definitions(runtime)


def publish_definitions(runtime) -> None:
    """Publish the six actions to the HubSpot emulator, so executions carry properties."""
    from actions import publishing
    from clients.hubspot_definitions import DefinitionsClient

    s = runtime.settings
    client = DefinitionsClient(
        s.hubspot_api_base, s.hubspot_app_id, s.hubspot_developer_api_key,
        timeout=s.http_timeout_seconds,
        version=s.hubspot_api_version,
    )  # fmt: skip
    try:
        for done in publishing.publish(client, publishing.desired_definitions(s)):
            # The emulator's ids are new each start: the dashboard shows these.
            definitions.record_action_definition(
                runtime.db, s.hubspot_app_id, done.slug, done.definition_id, done.revision_id,
                changed=True,
            )  # fmt: skip
    except Exception as exc:  # the sandbox still works without them; say why
        log.warning("sandbox: the action definitions were not published: %s", exc)
    finally:
        client.transport.session.close()


def demo_runs(quickbooks, company: DemoCompany) -> list[dict]:
    """Ready-made runs for the dashboard's "Try an action" panel (one demo company)."""
    accounts_by_name = {
        a["Name"]: a["Id"] for a in quickbooks.companies[company.realm_id].entities("Account")
    }
    fee = {"payment_account": accounts_by_name.get("Checking", ""),
           "expense_account": accounts_by_name.get("Merchant Fees", "")}  # fmt: skip
    refund = {"refund_from_account": accounts_by_name.get("Checking", "")}
    items = {i["Name"]: i["Id"] for i in quickbooks.companies[company.realm_id].entities("Item")}
    fees = {"fee_item": items.get("Services", "")}
    return [
        {"slug": slug, "record": record, "label": label, "inputs": inputs}
        for slug, record, label, inputs in (
            ("create-invoice", "deal:basic", "Invoice a deal", {}),
            ("create-invoice", "deal:unmatched",
             "Invoice a deal with an unknown product (fails, then fix and run again)", {}),
            ("create-estimate", "quote:accepted", "Estimate from an e-signed quote", {}),
            ("create-invoice", "quote:discounted",
             "Invoice a quote with a 10 % quote discount and a shipping fee", fees),
            ("create-invoice", "deal:out_of_state",
             "Invoice a New York customer (taxed at New York's rate)", {}),
            ("create-invoice", "deal:apostrophe",
             "Invoice O’Neil Outfitters (typographic apostrophe)", {}),
            ("create-sales-receipt", "deal:basic", "Sales receipt from a deal", {}),
            ("create-paid-invoice", "payment:checkout", "Paid invoice from a payment", {}),
            ("create-fee-expense", "payment:checkout", "Book the payment's fee", fee),
            ("create-refund-receipt", "payment:refunded", "Refund a refunded payment", refund),
        )
    ]  # fmt: skip


def record(seeded: dict, spec: str) -> tuple[str, str]:
    """(object type, id) from a spec: "deal:basic", "payment:checkout", "deal:123"."""
    kind, _, key = (spec or "").partition(":")
    known = RECORD_KINDS.get(kind.strip().lower())
    key = key.strip()
    if known is None or not key:
        raise BadRequest("record must look like deal:<id or role>, quote:<...> or "
                         "payment:<...>, e.g. deal:basic", 400)  # fmt: skip
    object_type, roles = known
    if not key.isdigit():
        found = (seeded.get(roles) or {}).get(key)
        if found is None:
            names = ", ".join(sorted(seeded.get(roles) or {}))
            raise BadRequest(f"no demo {kind} called {key!r}; try one of: {names}", 404)
        key = str(found)
    return object_type, key
