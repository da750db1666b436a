"""The dashboard sign-in: which portals a browser session may see, and which one it shows.

The only code that writes the session's portals: the HubSpot install callback, the sandbox's
automatic sign-in and the dashboard's portal switcher and logout all go through here.
"""

from __future__ import annotations

from collections.abc import MutableMapping

_PORTALS = "portal_ids"
_CURRENT = "portal_id"


def sign_in(session: MutableMapping, *portal_ids: int) -> None:
    """Sign these portals into the session; the first becomes the current one."""
    if not portal_ids:
        return
    ids = signed_in_portals(session)
    for portal_id in (int(p) for p in portal_ids):
        if portal_id not in ids:
            ids.append(portal_id)
    session[_PORTALS] = ids
    session[_CURRENT] = int(portal_ids[0])


def signed_in_portals(session: MutableMapping) -> list[int]:
    """The portals this browser is signed in to."""
    return [int(i) for i in session.get(_PORTALS) or [] if str(i).isdigit()]


def signed_in_portal(session: MutableMapping) -> int | None:
    """The current portal, if this browser is signed in to it."""
    current = session.get(_CURRENT)
    if current is None or not str(current).isdigit():
        return None
    return int(current) if int(current) in signed_in_portals(session) else None


def switch_to(session: MutableMapping, portal_id: int) -> bool:
    """Show another signed-in portal; False when the session is not signed in to it."""
    if int(portal_id) not in signed_in_portals(session):
        return False
    session[_CURRENT] = int(portal_id)
    return True


def sign_out(session: MutableMapping) -> None:
    """Forget everything this browser was signed in to."""
    session.clear()
