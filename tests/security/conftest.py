"""Security test fixtures: a second tenant and every secret the emulators hand out."""

from __future__ import annotations

import pytest

from tests.support.security import OTHER_PORTAL, OTHER_REALM, TOKEN_KEYS, TokenHarvest


@pytest.fixture
def harvest(world):
    """Records every token the emulators issue from now on (and reads the stored ones)."""
    h = TokenHarvest(world)
    # The emulators outlive the test (served once per run): unwrap their apps afterwards.
    served = [(e.app, e.app.wsgi_app) for e in (world.hubspot, world.quickbooks)]
    h.wrap(world.hubspot)
    h.wrap(world.quickbooks)
    original = (world.hubspot.issue_tokens, world.quickbooks.issue_tokens)

    def keeping(issue):
        def issue_and_keep(*args, **kwargs):
            tokens = issue(*args, **kwargs)
            h.seen.update(str(tokens[k]) for k in TOKEN_KEYS if tokens.get(k))
            return tokens

        return issue_and_keep

    world.hubspot.issue_tokens = keeping(original[0])
    world.quickbooks.issue_tokens = keeping(original[1])
    yield h
    world.hubspot.issue_tokens, world.quickbooks.issue_tokens = original
    for app, wsgi_app in served:
        app.wsgi_app = wsgi_app


@pytest.fixture
def tenants(world):
    """Portal 1000001 with its US company, portal 2000002 with its own company."""
    world.connect_company()
    world.install_portal(OTHER_PORTAL)
    world.connect_company(OTHER_REALM, portal_id=OTHER_PORTAL, name="Other Tenant Inc")
    return world
