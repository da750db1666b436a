"""Account details: GET /account-info/2026-03/details, PortalInformationResponse (§10.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify

from .api import authenticate, current_emulator

bp = Blueprint("account", __name__)


@bp.get("/account-info/2026-03/details")
def details():
    """The token's portal: id, type, time zone and offset, currencies, UI domain, hosting."""
    grant = authenticate([("oauth",)])
    emu = current_emulator()
    portal = emu.portal(grant.portal_id)
    moment = datetime.fromtimestamp(emu.clock.now(), tz=UTC)
    offset = moment.astimezone(ZoneInfo(portal.time_zone)).utcoffset()
    millis = int(offset.total_seconds() * 1000) if offset is not None else 0
    sign, minutes = ("-" if millis < 0 else "+"), abs(millis) // 60000
    # Every field is required by the spec's PortalInformationResponse.
    return jsonify({
        "portalId": portal.portal_id, "accountType": portal.account_type,
        "timeZone": portal.time_zone, "utcOffset": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
        "utcOffsetMilliseconds": millis, "companyCurrency": portal.currency,
        "additionalCurrencies": [c for c in portal.currencies if c != portal.currency],
        "uiDomain": portal.ui_domain, "dataHostingLocation": portal.data_hosting_location,
    })
