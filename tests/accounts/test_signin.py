"""accounts.signin: the one owner of the portals a dashboard session is signed in to."""

from __future__ import annotations

import accounts


def test_signing_in_adds_portals_and_makes_the_first_current():
    session: dict = {}
    accounts.sign_in(session, 11)
    accounts.sign_in(session, 22, 11)
    assert accounts.signed_in_portals(session) == [11, 22]
    assert accounts.signed_in_portal(session) == 22
    accounts.sign_in(session)  # nothing to sign in: nothing changes
    assert accounts.signed_in_portal(session) == 22


def test_switching_only_reaches_signed_in_portals():
    session: dict = {}
    accounts.sign_in(session, 11, 22)
    assert accounts.switch_to(session, 22) is True
    assert accounts.signed_in_portal(session) == 22
    assert accounts.switch_to(session, 33) is False  # another tenant's portal
    assert accounts.signed_in_portal(session) == 22


def test_a_tampered_or_stale_session_signs_nobody_in():
    assert accounts.signed_in_portal({"portal_id": 5, "portal_ids": [6]}) is None
    assert accounts.signed_in_portal({"portal_id": "x", "portal_ids": ["x"]}) is None
    assert accounts.signed_in_portals({"portal_ids": ["7", "junk", 8]}) == [7, 8]
    session = {"portal_ids": [1], "portal_id": 1, "csrf_token": "t"}
    accounts.sign_out(session)
    assert session == {}
