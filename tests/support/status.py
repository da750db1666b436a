"""Helpers for the status sync tests: write scopes, webhooks into the app, waiting on a deal."""

from __future__ import annotations

import time
from datetime import timedelta

import store
from emulators.hubspot.emulator import DEFAULT_SCOPES
from statussync import properties
from statussync.properties import WRITE_SCOPES
from store import Portal, utcnow
from tests.support.crm import contact, line, make_deal, outputs

VERIFIER = "test-verifier-token"


def grant_write_scopes(world, scopes=WRITE_SCOPES) -> None:
    """Re-install the portal with the write scopes status sync asks for."""
    granted = [*DEFAULT_SCOPES, *scopes]
    tokens = world.hubspot.issue_tokens(world.portal_id, scopes=granted)
    cipher = world.runtime.cipher
    store.save(world.runtime.db, Portal(
        id=world.portal_id, name=f"Portal {world.portal_id}", scopes=" ".join(granted),
        access_token=cipher.encrypt(tokens["access_token"]),
        refresh_token=cipher.encrypt(tokens["refresh_token"]),
        token_expires_at=utcnow() + timedelta(seconds=int(tokens.get("expires_in", 1800))),
    ))  # fmt: skip


def enable(world, fmt: str = "cloudevents", **settings) -> None:
    """Verifier token on the app; the QBO emulator posts its webhooks into the app."""
    rt = world.runtime
    rt.settings = rt.settings.replace(quickbooks_webhook_verifier_token=VERIFIER, **settings)
    hooks = world.quickbooks.webhooks
    hooks.configure(format=fmt, verifier_token=VERIFIER)
    world.webhook_answers = []

    def deliver(body: bytes, headers: dict) -> None:
        with world.app.test_client() as client:
            answer = client.post("/quickbooks/webhooks", data=body, headers=headers)
            world.webhook_answers.append(answer.status_code)

    hooks.deliver = deliver


def setup_properties(world) -> None:
    """Create the QuickBooks deal properties in the emulated portal."""
    properties.setup(world.runtime.hubspot_client(world.portal_id))


def book_invoice(world, price: str = "100.00", qty: str = "1", inputs: dict | None = None):
    """A deal invoiced through the real endpoint: (deal id, invoice id)."""
    deal = make_deal(world, [line("Consulting", price, qty, sku="CONS-H")], contact(world))
    out = outputs(world.execute("create-invoice", "DEAL", deal, inputs or {}))
    assert out["result"] == "created", out
    return deal, out["qbo_id"]


def deal_props(world, deal_id: str) -> dict:
    """The deal's properties in the HubSpot emulator."""
    return world.portal.get("deals", deal_id)


def wait_for(world, deal_id: str, prop: str, value: str, timeout: float = 10.0) -> dict:
    """Wait until a deal property has a value (webhooks settle after the 200)."""
    deadline = time.monotonic() + timeout
    props: dict = {}
    while time.monotonic() < deadline:
        props = deal_props(world, deal_id)
        if props.get(prop) == value:
            return props
        time.sleep(0.05)
    from store import status as rows

    events = [(e.entity, e.entity_id, e.operation, e.state, e.error)
              for e in rows.claim_pending(world.runtime.db)] + [
        (r.realm_id, r.last_error) for r in rows.sync_failures(
            world.runtime.db, list(world.quickbooks.companies))]
    raise AssertionError(f"deal {deal_id}: {prop} is {props.get(prop)!r}, not {value!r}: "
                         f"{props}; pending or failed: {events}")


def settle_now(world) -> None:
    """Deliver queued webhooks and let the inline settler finish."""
    world.quickbooks.webhooks.flush()
    settler = world.app.extensions["status_settler"]
    settler.idle.wait(10)
