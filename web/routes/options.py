"""POST /hubspot/options/<field>: dropdown options for action input fields."""

from __future__ import annotations

from flask import Blueprint, current_app

from actions import options
from failures import CompanyRefused
from schemas.options import OptionsRequestSchema, static_value
from web.http import BadRequest, json_object, load, runtime
from web.signatures import hubspot_signed

bp = Blueprint("options", __name__)
_payload_schema = OptionsRequestSchema()
CACHE_KEY = "hubqbo.options_cache"


def options_cache() -> options.OptionsCache:
    """This app's options cache (one per app, so each test app starts cold)."""
    cache = current_app.extensions.get(CACHE_KEY)
    if cache is None:
        cache = current_app.extensions[CACHE_KEY] = options.OptionsCache()
    return cache


@bp.post("/hubspot/options/<field>")
@hubspot_signed
def fetch(field: str):
    """Answer one page of dropdown options for an input field (HubSpot calls this).

    ---
    post:
        operationId: fetchOptions
        tags: [HubSpot]
        security:
          - {HubSpotSignatureV3: [], HubSpotTimestamp: []}
          - {HubSpotSignatureV2: []}
        requestBody:
          required: true
          content: {application/json: {schema: OptionsRequest}}
        responses:
          "200":
            description: Options, the next page cursor, searchable.
            content: {application/json: {schema: OptionsResponse}}
          "400": BadPayload
          "401": Unsigned
          "403": ForeignCompany
          "404": UnknownName
          "413": TooLarge
          "429": Throttled
          "503": Unavailable
    """
    if field not in options.FIELDS:
        raise BadRequest(
            f"no options for {field!r}; fields with options: {', '.join(options.FIELDS)}", 404
        )
    data = load(_payload_schema, json_object())
    references = data["inputFields"]
    inputs = {name: static_value(references, name) for name in references}
    fetch_options = data.get("fetchOptions") or {}
    try:
        body = options.answer(
            runtime(), options_cache(), data["origin"]["portalId"], field, inputs,
            query=fetch_options.get("q"), after=fetch_options.get("after"),
        )  # fmt: skip
    except options.BadCursor as exc:
        raise BadRequest(str(exc)) from None
    except CompanyRefused as refused:
        raise BadRequest(str(refused), 403) from None
    return body, 200
