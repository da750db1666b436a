"""POST /hubspot/actions/<slug>: bad input, the ledger, repeats and concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

import store
from executions import ledger
from store import Execution, Portal, QuickBooksConnection, utcnow
from tests.support.signing import execution_payload, signed_headers

PATH = "/hubspot/actions/create-invoice"
OUTPUT_KEYS = {
    "hs_execution_state", "result", "qbo_id", "qbo_doc_number", "qbo_total", "qbo_customer_id",
    "qbo_url", "error_code", "error_message",
}  # fmt: skip


def executions(runtime) -> list[Execution]:
    with runtime.db.session() as s:
        return list(s.exec(select(Execution)).all())


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"", 400, "empty"),
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'"text"', 400, "JSON object"),
        (json.dumps({"origin": {"portalId": 1}}).encode(), 400, "callbackId"),
        (json.dumps(execution_payload() | {"callbackId": 12}).encode(), 400, "callbackId"),
        (json.dumps(execution_payload() | {"origin": {"portalId": "abc"}}).encode(), 400,
         "origin.portalId"),
        (json.dumps(execution_payload() | {"object": {"objectType": "DEAL"}}).encode(), 400,
         "object.objectId"),
        (json.dumps(execution_payload(object_type="TICKET")).encode(), 400, "unknown object type"),
        (json.dumps(execution_payload(object_type="COMMERCE_PAYMENT")).encode(), 400,
         "runs on DEAL, QUOTE records"),
        (json.dumps(execution_payload(inputs={"send_email": "maybe"})).encode(), 400,
         "inputFields.send_email"),
        (json.dumps(execution_payload(inputs={"if_exists": "sometimes"})).encode(), 400,
         "inputFields.if_exists"),
        (json.dumps(execution_payload() | {"inputFields": [1]}).encode(), 400, "inputFields"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_problem(client, runtime, body, status, fragment):
    response = client.post(PATH, data=body, headers=signed_headers(PATH, body))
    assert response.status_code == status
    assert fragment in response.json["error"]
    assert executions(runtime) == []


def test_unknown_slug_is_404(post_signed, runtime):
    response = post_signed("/hubspot/actions/create-bill", execution_payload())
    assert response.status_code == 404
    assert "unknown action 'create-bill'" in response.json["error"]


def test_wrong_method_is_405_json(client):
    response = client.put(PATH, data=b"{}")
    assert response.status_code == 405
    assert "not allowed" in response.json["error"]


def test_body_over_one_mebibyte_is_refused_before_parsing(client, runtime):
    body = b'{"callbackId": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(PATH, data=body, headers=signed_headers(PATH, body))
    assert response.status_code == 413
    assert "larger than 1024 KiB" in response.json["error"]
    assert executions(runtime) == []


def test_object_type_accepted_as_name_or_id(post_signed, runtime):
    by_name = post_signed(PATH, execution_payload("ap-a", object_type="DEAL"))
    by_id = post_signed(PATH, execution_payload("ap-b", object_type="0-14"))
    assert by_name.status_code == by_id.status_code == 200
    assert {e.object_type for e in executions(runtime)} == {"deals", "quotes"}


def test_outputs_always_have_every_field(post_signed):
    response = post_signed(PATH, execution_payload())
    outputs = response.json["outputFields"]
    assert set(outputs) == OUTPUT_KEYS
    assert outputs["hs_execution_state"] == "FAIL_CONTINUE"
    assert outputs["result"] == "failed"
    assert outputs["error_code"] == "QUICKBOOKS_NOT_CONNECTED"
    assert all(isinstance(v, str) for v in outputs.values())


def test_repeat_of_finished_execution_returns_stored_outputs(post_signed, runtime):
    first = post_signed(PATH, execution_payload("ap-repeat"))
    # Whatever changes later, a repeat of the same callbackId answers what was stored.
    ledger.set_columns(runtime.db, executions(runtime)[0].id,
                           outputs={**first.json["outputFields"], "qbo_id": "stored"})
    second = post_signed(PATH, execution_payload("ap-repeat"))
    assert second.status_code == 200
    assert second.json["outputFields"]["qbo_id"] == "stored"
    assert len(executions(runtime)) == 1


def test_repeat_while_running_gets_429_with_retry_after(post_signed, runtime):
    row = Execution(portal_id=1000001, callback_id="ap-running", action="create-invoice",
                    object_type="deals", object_id="101", status="running",
                    lease_expires_at=utcnow() + timedelta(minutes=2))
    ledger.insert(runtime.db, row)
    response = post_signed(PATH, execution_payload("ap-running"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "still running" in response.json["error"]


def test_running_row_with_lapsed_lease_is_taken_over(post_signed, runtime):
    row = Execution(portal_id=1000001, callback_id="ap-crashed", action="create-invoice",
                    object_type="deals", object_id="101", status="running", attempts=1,
                    lease_expires_at=utcnow() - timedelta(seconds=1))
    ledger.insert(runtime.db, row)
    response = post_signed(PATH, execution_payload("ap-crashed"))
    assert response.status_code == 200
    [again] = executions(runtime)
    assert again.attempts == 2
    assert again.status == "failed"


def test_same_callback_five_times_concurrently_yields_one_row(app, runtime):
    runtime.settings = runtime.settings.replace(duplicate_wait_seconds=5.0)
    body = json.dumps(execution_payload("ap-concurrent")).encode()

    def deliver(_):
        with app.test_client() as c:
            r = c.post(PATH, data=body, headers=signed_headers(PATH, body))
            return r.status_code, r.json

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(deliver, range(5)))
    assert [status for status, _ in answers] == [200] * 5
    assert all(body == answers[0][1] for _, body in answers)
    assert len(executions(runtime)) == 1


def test_company_of_another_portal_is_refused_with_403(post_signed, runtime):
    store.save(runtime.db, Portal(id=2000002, name="Other"))
    store.save(runtime.db, QuickBooksConnection(portal_id=2000002, realm_id="999"))
    response = post_signed(PATH, execution_payload(inputs={"quickbooks_company": "999"}))
    assert response.status_code == 403
    assert "not connected to portal 1000001" in response.json["error"]
    assert executions(runtime) == []
