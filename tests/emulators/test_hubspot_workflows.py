"""The workflow driver: HubSpot's signed executions, retries and BLOCK against a stand-in server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time

import pytest
import requests
from flask import Flask, jsonify, request

from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.seed import seed_demo
from emulators.hubspot.workflows import WorkflowDriver
from emulators.server import serve_in_thread

SECRET = "hs-secret"
SUCCESS = {"outputFields": {"hs_execution_state": "SUCCESS", "qbo_id": "145"}}


class StandIn:
    """A tiny stand-in for the product: records raw requests, answers from a script."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.script: list = []
        self.app = Flask("stand_in")
        self.app.add_url_rule("/hubspot/actions/<slug>", "action", self._answer, methods=["POST"])
        self.app.add_url_rule("/hubspot/options/<field>", "options", self._answer,
                              methods=["POST"])

    def _answer(self, **_):
        self.received.append({"path": request.path, "headers": dict(request.headers),
                              "body": request.get_data(as_text=True)})
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if callable(step):
            step = step(json.loads(self.received[-1]["body"]))
        status, body, headers = step
        answer = jsonify(body) if body is not None else self.app.response_class(b"")
        answer.status_code = status
        answer.headers.update(headers)
        return answer


@pytest.fixture
def emu():
    return HubSpotEmulator(client_secret=SECRET)


@pytest.fixture
def ids(emu):
    return seed_demo(emu)


@pytest.fixture(scope="module")
def stand_in_server():
    # One server for the module: stopping a server costs half a second of polling.
    fake = StandIn()
    server = serve_in_thread(fake.app)
    fake.url = server.url
    yield fake
    server.stop()


@pytest.fixture
def stand_in(stand_in_server):
    stand_in_server.received.clear()
    stand_in_server.script = []
    return stand_in_server


def driver(emu, stand_in, **options) -> WorkflowDriver:
    defaults = {"backoff_seconds": 0.01, "retry_after_cap": 0.05, "request_timeout": 5}
    return WorkflowDriver(emu, 1000001, stand_in.url, **{**defaults, **options})


def test_payload_matches_the_execution_shape(emu, ids, stand_in):
    stand_in.script = [(200, SUCCESS, {})]
    delivery = driver(emu, stand_in).execute(
        "create-invoice", "deals", ids["deals"]["basic"], {"quickbooks_company": "9130"},
        properties=["dealname", "amount", "deal_currency_code", "closedate", "description"])
    assert delivery.succeeded and delivery.attempts == 1
    assert delivery.output_fields == SUCCESS["outputFields"]

    [sent] = stand_in.received
    assert sent["path"] == "/hubspot/actions/create-invoice"
    payload = json.loads(sent["body"])
    assert payload == delivery.payload
    assert re.fullmatch(r"ap-1000001-\d+-\d+-0", payload["callbackId"])
    assert set(payload["origin"]) == {"portalId", "actionDefinitionId", "actionDefinitionVersion"}
    assert payload["origin"]["portalId"] == 1000001
    assert payload["context"]["source"] == "WORKFLOWS"
    assert isinstance(payload["context"]["workflowId"], int)
    assert payload["object"] == {
        "objectId": int(ids["deals"]["basic"]), "objectType": "DEAL",
        "properties": {"dealname": "Acme Widgets - rollout", "amount": "3675.00",
                       "deal_currency_code": "USD", "closedate": "2025-03-31"}}
    assert payload["inputFields"] == {"quickbooks_company": "9130"}


def test_v3_signature_covers_method_public_uri_body_and_timestamp(emu, ids, stand_in):
    stand_in.script = [(200, SUCCESS, {})]
    public = "https://qbo.example.com"
    driver(emu, stand_in, public_base_url=public).execute(
        "create-estimate", "quotes", ids["quotes"]["accepted"], {})
    [sent] = stand_in.received
    headers, body = sent["headers"], sent["body"]
    timestamp = headers["X-Hubspot-Request-Timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    message = f"POST{public}/hubspot/actions/create-estimate{body}{timestamp}".encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), message, hashlib.sha256).digest())
    assert headers["X-Hubspot-Signature-V3"] == expected.decode()
    assert json.loads(body)["object"]["objectType"] == "QUOTE"


def test_v2_signature_and_object_type_ids(emu, ids, stand_in):
    stand_in.script = [(200, SUCCESS, {})]
    driver(emu, stand_in).execute("create-fee-expense", "commerce_payments",
                                  ids["payments"]["checkout"], {}, signature="v2",
                                  object_type_format="id")
    [sent] = stand_in.received
    uri = f"{stand_in.url}/hubspot/actions/create-fee-expense"
    source = (SECRET + "POST" + uri + sent["body"]).encode()
    assert sent["headers"]["X-Hubspot-Signature"] == hashlib.sha256(source).hexdigest()
    assert sent["headers"]["X-Hubspot-Signature-Version"] == "v2"
    assert json.loads(sent["body"])["object"]["objectType"] == "0-101"


def test_payment_object_type_and_unicode_body(emu, ids, stand_in):
    stand_in.script = [(200, SUCCESS, {})]
    driver(emu, stand_in).execute("create-sales-receipt", "0-101", ids["payments"]["eur"],
                                  {"customer_memo": "Danke, Zoë"},
                                  properties=["hs_currency_code", "hs_customer_email"])
    payload = json.loads(stand_in.received[0]["body"])
    assert payload["object"]["objectType"] == "COMMERCE_PAYMENT"
    assert payload["object"]["properties"]["hs_currency_code"] == "EUR"
    assert payload["inputFields"]["customer_memo"] == "Danke, Zoë"


def test_published_definition_supplies_origin_and_properties(emu, ids, stand_in):
    client = emu.app.test_client()
    created = client.post(f"/automation/actions/2026-03/{emu.app_id}", headers={
        "Authorization": "Bearer dev-key"}, json={
        "actionUrl": "https://qbo.example.com/hubspot/actions/create-invoice",
        "published": True, "objectTypes": ["DEAL"], "inputFields": [],
        "objectRequestOptions": {"properties": ["dealname", "amount"]},
        "labels": {"en": {"actionName": "Create invoice"}}, "functions": []}).get_json()
    stand_in.script = [(200, SUCCESS, {})]
    delivery = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["eur"], {})
    assert delivery.payload["origin"]["actionDefinitionId"] == int(created["id"])
    assert delivery.payload["origin"]["actionDefinitionVersion"] == 1
    assert set(delivery.payload["object"]["properties"]) == {"dealname", "amount"}


def test_429_honours_retry_after_and_resends_the_same_execution(emu, ids, stand_in):
    stand_in.script = [(429, {"error": "busy"}, {"Retry-After": "30"}), (200, SUCCESS, {})]
    delivery = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {})
    assert delivery.succeeded
    assert delivery.attempts == 2
    assert [a.status for a in delivery.history] == [429, 200]
    assert delivery.history[0].waited == 0.05  # Retry-After 30 s, capped for the test
    first, second = (json.loads(r["body"]) for r in stand_in.received)
    assert first["callbackId"] == second["callbackId"]


def test_5xx_and_no_answer_are_retried_with_backoff(emu, ids, stand_in):
    stand_in.script = [(503, None, {}), (500, {"error": "x"}, {}), (200, SUCCESS, {})]
    delivery = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {})
    assert delivery.succeeded
    assert [a.status for a in delivery.history] == [503, 500, 200]
    assert [a.waited for a in delivery.history] == [0.01, 0.02, 0.0]


def test_retries_are_bounded(emu, ids, stand_in):
    stand_in.script = [(500, None, {})]
    delivery = driver(emu, stand_in, max_attempts=3).execute(
        "create-invoice", "deals", ids["deals"]["basic"], {})
    assert (delivery.state, delivery.exhausted, delivery.attempts) == ("FAILED", True, 3)


def test_connection_errors_are_retried(emu, ids):
    closed = serve_in_thread(Flask("closed"))
    url = closed.url
    closed.stop()
    delivery = WorkflowDriver(emu, 1000001, url, backoff_seconds=0.0, max_attempts=2,
                              request_timeout=1).execute(
        "create-invoice", "deals", ids["deals"]["basic"], {})
    assert delivery.status is None and delivery.attempts == 2 and delivery.exhausted
    assert delivery.history[0].error


def test_4xx_fails_without_retry_and_retry_can_be_off(emu, ids, stand_in):
    stand_in.script = [(400, {"error": "bad input"}, {})]
    failed = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {})
    assert (failed.state, failed.attempts, failed.status) == ("FAILED", 1, 400)
    assert failed.response_json == {"error": "bad input"}

    stand_in.script = [(503, None, {})]
    once = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {},
                                         retry=False)
    assert once.attempts == 1 and not once.exhausted


def test_block_then_callback_completion(emu, ids, stand_in):
    hubspot = serve_in_thread(emu.app)
    token = emu.issue_tokens(1000001, scopes=["automation"])["access_token"]
    workers: list[threading.Thread] = []

    def complete_later(callback_id: str) -> None:
        # As the product does: complete once the BLOCK answer reached HubSpot (a busy machine
        # may take longer than any fixed pause to deliver it).
        deadline = time.monotonic() + 5
        while not emu.awaiting(callback_id) and time.monotonic() < deadline:
            time.sleep(0.01)
        requests.post(f"{hubspot.url}/automation/actions/callbacks/2026-03/{callback_id}/complete",
                      headers={"Authorization": f"Bearer {token}"}, timeout=5,
                      json={"outputFields": {"hs_execution_state": "SUCCESS", "qbo_id": "77"},
                            "typedOutputs": {}})

    def block(payload: dict):
        worker = threading.Thread(target=complete_later, args=(payload["callbackId"],))
        workers.append(worker)
        worker.start()
        return 200, {"outputFields": {"hs_execution_state": "BLOCK",
                                      "hs_expiration_duration": "P1D"}}, {}

    stand_in.script = [block]
    try:
        delivery = driver(emu, stand_in).execute(
            "create-invoice", "deals", ids["deals"]["basic"], {}, wait_for_callback=True)
    finally:
        for worker in workers:
            worker.join(5)
        hubspot.stop()
    assert delivery.state == "SUCCESS"
    assert delivery.output_fields == {"hs_execution_state": "SUCCESS", "qbo_id": "77"}
    assert delivery.completion["known"] is True
    assert delivery.completion["via"] == "single"


def test_block_without_waiting_registers_the_callback(emu, ids, stand_in):
    stand_in.script = [(200, {"outputFields": {"hs_execution_state": "BLOCK"}}, {})]
    delivery = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {})
    assert delivery.state == "BLOCK"
    client = emu.app.test_client()
    token = emu.issue_tokens(1000001, scopes=["automation"])["access_token"]
    client.post(f"/automation/actions/callbacks/2026-03/{delivery.callback_id}/complete",
                headers={"Authorization": f"Bearer {token}"},
                json={"outputFields": {"hs_execution_state": "FAIL_CONTINUE"},
                      "typedOutputs": {}})
    assert emu.completion(delivery.callback_id)["known"] is True


def test_block_times_out_when_nobody_completes(emu, ids, stand_in):
    stand_in.script = [(200, {"outputFields": {"hs_execution_state": "BLOCK"}}, {})]
    delivery = driver(emu, stand_in).execute("create-invoice", "deals", ids["deals"]["basic"], {},
                                             wait_for_callback=True, callback_timeout=0.05)
    assert delivery.state == "BLOCK" and delivery.completion is None


def test_fetch_options_sends_typed_inputs_signed(emu, stand_in):
    options = {"options": [{"label": "Checking", "value": "35"}], "searchable": True}
    stand_in.script = [(200, options, {})]
    result = driver(emu, stand_in).fetch_options(
        "deposit_account", {"quickbooks_company": "9130",
                            "doc_number": {"type": "OBJECT_PROPERTY", "propertyName": "dealname"}},
        q="Check", after="20")
    assert result.status == 200 and result.response_json == options
    [sent] = stand_in.received
    assert sent["path"] == "/hubspot/options/deposit_account"
    payload = json.loads(sent["body"])
    assert payload["objectTypeId"] == "0-3"
    assert payload["inputFieldName"] == "deposit_account"
    assert payload["inputFields"] == {
        "quickbooks_company": {"type": "STATIC_VALUE", "value": "9130"},
        "doc_number": {"type": "OBJECT_PROPERTY", "propertyName": "dealname"}}
    assert payload["fetchOptions"] == {"q": "Check", "after": "20"}
    assert set(payload["origin"]) == {"portalId", "actionDefinitionId", "actionDefinitionVersion"}
    assert "X-Hubspot-Signature-V3" in sent["headers"]


def test_unknown_records_are_refused_before_sending(emu, ids, stand_in):
    with pytest.raises(KeyError):
        driver(emu, stand_in).execute("create-invoice", "deals", "999", {})
    assert stand_in.received == []
