"""OAuth `state`: single use, bound to the browser session that started the flow."""

from __future__ import annotations

import pytest

from store import companies
from tests.support.oauth import Browser, consent, install, ours, query, start_connect, start_install

VICTIM_PORTAL, ATTACKER_PORTAL = 1000001, 2000002
REALM = "9130350000000001"


@pytest.fixture
def flows(world):
    """The attacker's portal in HubSpot, a company in QuickBooks, and two browsers."""
    world.hubspot.add_portal(ATTACKER_PORTAL, name="Attacker Co")
    world.quickbooks.add_company(REALM, "Victim Books LLC", "US", "USD")
    return world, Browser(world.app.test_client()), Browser(world.app.test_client())


def token_exchanges(world) -> int:
    """Code exchanges the server attempted at either provider."""
    hubspot = [c for c in world.hubspot.calls if c.get("path", "").endswith("/oauth/2026-03/token")]
    intuit = [c for c in world.quickbooks.calls if "tokens/bearer" in c.get("path", "")]
    return len(hubspot) + len(intuit)


def callback(browser: Browser, flow: str, **consent_args) -> str:
    """Start a flow in this browser and consent: our callback URL with code and state."""
    start = start_install(browser) if flow == "hubspot" else start_connect(browser)
    return ours(consent(start, **consent_args))


@pytest.mark.parametrize("flow", ["hubspot", "quickbooks"])
def test_a_state_works_once(flows, flow):
    world, victim, _ = flows
    if flow == "quickbooks":
        install(victim, VICTIM_PORTAL)
    back = callback(victim, flow, portal_id=VICTIM_PORTAL, realm_id=REALM)
    assert victim.get(back).status_code == 302
    exchanged = token_exchanges(world)
    assert exchanged >= 1
    replay = victim.get(back)
    assert replay.status_code == 400 and "state" in replay.json["error"]
    assert token_exchanges(world) == exchanged  # refused before the code was even tried


@pytest.mark.parametrize("flow", ["hubspot", "quickbooks"])
def test_a_state_from_another_browser_is_refused(flows, flow):
    """Login CSRF: the attacker's callback URL, opened in the victim's browser, does nothing."""
    world, victim, attacker = flows
    install(victim, VICTIM_PORTAL)
    if flow == "quickbooks":
        install(attacker, ATTACKER_PORTAL)
    back = callback(attacker, flow, portal_id=ATTACKER_PORTAL, realm_id=REALM)
    exchanged = token_exchanges(world)
    response = victim.get(back)
    assert response.status_code == 400 and "state" in response.json["error"]
    assert token_exchanges(world) == exchanged
    assert victim.session()["portal_ids"] == [VICTIM_PORTAL]  # not signed in as the attacker
    assert companies.connections_for(world.runtime.db, VICTIM_PORTAL) == []
    assert companies.connections_for(world.runtime.db, ATTACKER_PORTAL) == []
    # the attacker's own browser still completes it: the state was fine, the session was not
    assert attacker.get(back).status_code == 302


def test_a_state_from_one_flow_cannot_finish_the_other(flows):
    world, victim, _ = flows
    install(victim, VICTIM_PORTAL)
    hubspot_state = query(start_install(victim))["state"]
    back = callback(victim, "quickbooks", realm_id=REALM)
    forged = back.replace(f"state={query(back)['state']}", f"state={hubspot_state}")
    response = victim.get(forged)
    assert response.status_code == 400
    assert companies.connections_for(world.runtime.db, VICTIM_PORTAL) == []


@pytest.mark.parametrize("state", ["", "x" * 43, "%00"])
def test_missing_or_made_up_states_are_refused(flows, state):
    _, victim, _ = flows
    back = callback(victim, "hubspot", portal_id=VICTIM_PORTAL)
    response = victim.get(back.replace(f"state={query(back)['state']}", f"state={state}"))
    assert response.status_code == 400
    assert not victim.session().get("portal_ids")
