"""The numbered APIs the product must not call any more answer as retired (SPEC §9).

HubSpot's v4 APIs end on 2027-03-30 and v1–v3 in September 2027; the reference does not say
what such a call answers, so this is a choice (README): 410 with HubSpot's error envelope.
"""

from __future__ import annotations

from flask import Blueprint, request

from .api import ApiError

bp = Blueprint("retired", __name__)

RETIRED = {
    "crm/v3": "/crm/objects/2026-03/...",
    "crm/v4": "/crm/objects/2026-03/... and /crm/associations/2026-03/...",
    "automation/v4": "/automation/actions/2026-03/... and .../actions/callbacks/2026-03/...",
    "oauth/v1": "/oauth/2026-03/token[/introspect|/revoke]",
    "oauth/v3": "/oauth/2026-03/token[/introspect|/revoke]",
    "account-info/v3": "/account-info/2026-03/details",
}
MIGRATION_GUIDE = "https://developers.hubspot.com/docs/api-reference/legacy/migration-guide"


def retired(prefix: str, rest: str = ""):
    """Any method on a retired prefix: 410 naming the dated replacement."""
    version = prefix.rsplit("/", 1)[-1]
    raise ApiError(
        410, "API_VERSION_UNSUPPORTED",
        f"API version {version} is no longer supported ({request.method} {request.path}). "
        f"Use the date-versioned API: {RETIRED[prefix]}",
        subCategory="API_VERSION_RETIRED", links={"migration-guide": MIGRATION_GUIDE})


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
for _n, _prefix in enumerate(RETIRED):
    bp.add_url_rule(f"/{_prefix}", f"retired_{_n}", retired, methods=_METHODS,
                    defaults={"prefix": _prefix})
    bp.add_url_rule(f"/{_prefix}/<path:rest>", f"retired_{_n}_rest", retired, methods=_METHODS,
                    defaults={"prefix": _prefix})
