"""HubSpot signature verification: the published vectors and the request decorator."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from store import Execution
from tests.support.paths import REPO, SHARED
from tests.support.signing import HUBSPOT_SECRET, PUBLIC_BASE, execution_payload, signed_headers
from web.signatures import SignatureError, decode_v3_uri, sign_v1, sign_v2, sign_v3, verify

VECTOR_FILE = REPO / "tests" / "data" / "signature-vectors.json"
VECTORS = json.loads(VECTOR_FILE.read_text())["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_every_published_vector_verifies(vector):
    body = (vector["body"] or "").encode()
    if vector["version"] == "v1":
        assert sign_v1(vector["secret"], body) == vector["expected"]
    elif vector["version"] == "v2":
        expected = vector["expected"]
        assert sign_v2(vector["secret"], vector["method"], vector["uri"], body) == expected
        headers = {"X-HubSpot-Signature": vector["expected"], "X-HubSpot-Signature-Version": "v2"}
        assert verify(vector["secret"], vector["method"], vector["uri"], body, headers) == "v2"
    else:
        stamp = str(vector["timestamp"])
        expected = vector["expected"]
        assert sign_v3(vector["secret"], vector["method"], vector["uri"], body, stamp) == expected
        headers = {"X-HubSpot-Signature-v3": expected, "X-HubSpot-Request-Timestamp": stamp}
        # The vectors' timestamps are long expired: verify with a clock set just after them.
        now = int(stamp) + 1000
        assert verify(vector["secret"], vector["method"], vector["uri"], body, headers, now) == "v3"
        with pytest.raises(SignatureError, match="older than 5 minutes"):
            verify(vector["secret"], vector["method"], vector["uri"], body, headers)


def test_vector_copy_matches_the_shared_spec_file():
    shared = SHARED / "specs" / "signature-vectors.json"
    if not shared.exists():
        pytest.skip(f"{shared} is not beside this checkout")
    assert json.loads(shared.read_text()) == json.loads(VECTOR_FILE.read_text())


def test_v3_uri_decoding_table_only_decodes_listed_escapes():
    uri = "https://x.example/a%3Ab%2Fc?q=%40%21%24%27%28%29%2A%2C%3B%3F%20%2B%3a"
    assert decode_v3_uri(uri) == "https://x.example/a:b/c?q=@!$'()*,;?%20%2B:"


def test_v3_signature_over_encoded_uri_matches_decoded_form():
    body, stamp = b"{}", "1700000000000"
    encoded = "https://x.example/hook?email=a%40b.example"
    headers = {
        "X-HubSpot-Signature-v3": sign_v3("s", "POST", "https://x.example/hook?email=a@b.example",
                                          body, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
    }
    assert verify("s", "POST", encoded, body, headers, now_ms=int(stamp)) == "v3"


def _count_executions(runtime) -> int:
    with runtime.db.session() as s:
        return len(s.exec(select(Execution)).all())


PATH = "/hubspot/actions/create-invoice"


def _body() -> bytes:
    return json.dumps(execution_payload()).encode()


def test_unsigned_request_is_refused_and_records_nothing(client, runtime):
    response = client.post(PATH, data=_body(), headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert "not signed" in response.json["error"]
    assert _count_executions(runtime) == 0


def test_tampered_body_is_refused(client, runtime):
    body = _body()
    headers = signed_headers(PATH, body)
    response = client.post(PATH, data=body.replace(b"101", b"102"), headers=headers)
    assert response.status_code == 401
    assert "does not match" in response.json["error"]
    assert _count_executions(runtime) == 0


def test_stale_timestamp_is_refused(client, runtime):
    body = _body()
    stale = int(time.time() * 1000) - 6 * 60 * 1000
    response = client.post(PATH, data=body, headers=signed_headers(PATH, body, timestamp_ms=stale))
    assert response.status_code == 401
    assert "older than 5 minutes" in response.json["error"]
    assert _count_executions(runtime) == 0


def test_signature_for_another_url_is_refused(client, runtime):
    body = _body()
    headers = signed_headers(PATH, body, base="https://attacker.example")
    assert client.post(PATH, data=body, headers=headers).status_code == 401
    other = signed_headers("/hubspot/actions/create-estimate", body)
    assert client.post(PATH, data=body, headers=other).status_code == 401
    assert _count_executions(runtime) == 0


def test_wrong_secret_is_refused(client, runtime):
    body = _body()
    headers = signed_headers(PATH, body, secret="not-the-secret")
    assert client.post(PATH, data=body, headers=headers).status_code == 401
    assert _count_executions(runtime) == 0


def test_valid_v2_signature_is_accepted(client, runtime):
    body = _body()
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature": sign_v2(HUBSPOT_SECRET, "POST", PUBLIC_BASE + PATH, body),
        "X-HubSpot-Signature-Version": "v2",
    }
    response = client.post(PATH, data=body, headers=headers)
    assert response.status_code == 200
    assert _count_executions(runtime) == 1


def test_query_string_is_part_of_the_signed_uri(client):
    body = _body()
    path = PATH + "?b=2&a=1"
    assert client.post(path, data=body, headers=signed_headers(path, body)).status_code == 200
    # Same query, other order: not the URL HubSpot signed.
    assert client.post(PATH + "?a=1&b=2", data=body,
                       headers=signed_headers(path, body)).status_code == 401
