"""The sandbox demo: pay a demo invoice in the QBO emulator and watch the deal's status."""

from __future__ import annotations

import logging
import time

import pytest

from executions import ledger
from tests.sandbox.test_sandbox import DEMO_PORTAL, Running, demo_run


@pytest.fixture
def running(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    server = Running(tmp_path / "instance", monkeypatch)
    yield server
    server.stop()


def test_paying_a_demo_invoice_updates_the_deal(running):
    answer = demo_run(running, "create-invoice", "deal:basic")
    execution = ledger.by_id(running.runtime.db, answer.get_json()["execution_id"])
    assert execution.status == "succeeded", execution.error_message
    client = running.app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = "t"
        sess["portal_ids"] = [DEMO_PORTAL]
        sess["portal_id"] = DEMO_PORTAL
    paid = client.post(f"/sandbox/executions/{execution.id}/pay", data={"csrf_token": "t"})
    assert paid.status_code == 302
    deal = running.sandbox.hubspot.portal(DEMO_PORTAL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        props = deal.get("deals", execution.object_id)
        if props.get("qbo_invoice_status") == "paid":
            break
        time.sleep(0.1)
    assert props.get("qbo_invoice_status") == "paid", props
    assert props["qbo_balance"] == "0.00"
    page = client.get(f"/executions/{execution.id}")
    assert page.status_code == 200
    assert 'id="qbo-status">paid<' in page.get_data(as_text=True)
