"""The emulator's own HubSpot signing against HubSpot's published test vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulators.hubspot.signatures import (
    sign_v1,
    sign_v2,
    sign_v3,
    signature_headers,
    v3_uri,
)

VECTORS_FILE = Path("/work/shared/specs/signature-vectors.json")
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
WEBHOOK_BODY = ('[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
                '"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
                '"changeSource":"CRM","changeFlag":"NEW","appId":54321}]')
SINGLE_QUOTED = "{'example_field':'example_value'}"

# (id, version, method, uri, body, timestamp, expected): a copy of signature-vectors.json, so
# the suite runs where /work/shared is absent; test_copy_matches_the_shared_file keeps it honest.
VECTORS = [
    ("v1-webhook-batch", "v1", None, None, WEBHOOK_BODY, None,
     "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"),
    ("v1-example-field-single-quotes", "v1", None, None, SINGLE_QUOTED, None,
     "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750"),
    ("v2-get-empty-body", "v2", "GET", URI, "", None,
     "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"),
    ("v2-post-example-field-json", "v2", "POST", URI, '{"example_field":"example_value"}', None,
     "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"),
    ("v2-post-example-field-single-quotes", "v2", "POST", URI, SINGLE_QUOTED, None,
     "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383"),
    ("v3-post-python-fixed-ts", "v3", "POST", URI, SINGLE_QUOTED, "1693657560000",
     "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="),
    ("v3-post-ruby-fixed-ts", "v3", "POST", URI, SINGLE_QUOTED, "1700000300000",
     "RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw="),
]


@pytest.mark.parametrize(("vector_id", "version", "method", "uri", "body", "timestamp",
                          "expected"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vector(vector_id, version, method, uri, body, timestamp, expected):
    if version == "v1":
        assert sign_v1(SECRET, body) == expected
    elif version == "v2":
        assert sign_v2(SECRET, method, uri, body) == expected
    else:
        assert sign_v3(SECRET, method, uri, body, timestamp) == expected
        assert sign_v3(SECRET, method, uri, body, int(timestamp)) == expected


@pytest.mark.skipif(not VECTORS_FILE.exists(), reason="shared reference not mounted")
def test_copy_matches_the_shared_file():
    shared = json.loads(VECTORS_FILE.read_text())["vectors"]
    assert {v["secret"] for v in shared} == {SECRET}
    as_tuples = [(v["id"], v["version"], v["method"], v["uri"], v["body"], v["timestamp"],
                  v["expected"]) for v in shared]
    assert as_tuples == VECTORS


def test_v3_decodes_only_hubspots_short_list():
    assert v3_uri("https://h/p%3Fa%3ab%2Fc%20d%7E") == "https://h/p?a:b/c%20d%7E"
    assert v3_uri("https://h/%40%21%24%27%28%29%2A%2C%3B") == "https://h/@!$'()*,;"


def test_headers_per_version():
    v3 = signature_headers("v3", SECRET, "POST", URI, SINGLE_QUOTED, 1693657560000)
    assert v3 == {"X-HubSpot-Signature-v3": "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
                  "X-HubSpot-Request-Timestamp": "1693657560000"}
    v2 = signature_headers("v2", SECRET, "POST", URI, SINGLE_QUOTED, 0)
    assert v2 == {"X-HubSpot-Signature": VECTORS[4][6], "X-HubSpot-Signature-Version": "v2"}
    both = signature_headers("both", SECRET, "POST", URI, SINGLE_QUOTED, 1693657560000)
    assert both == {**v3, **v2}
    assert signature_headers("none", SECRET, "POST", URI, "", 0) == {}
    with pytest.raises(ValueError):
        signature_headers("v9", SECRET, "POST", URI, "", 0)
