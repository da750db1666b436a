"""The HubSpot emulator's callbacks API: completing blocked executions."""

from __future__ import annotations

import pytest

from emulators.hubspot import HubSpotEmulator

PORTAL = 1000001
DONE = {"hs_execution_state": "SUCCESS", "qbo_id": "145"}


@pytest.fixture
def emu():
    emulator = HubSpotEmulator()
    emulator.add_portal(PORTAL)
    return emulator


@pytest.fixture
def client(emu):
    return emu.app.test_client()


@pytest.fixture
def auth(emu):
    token = emu.issue_tokens(PORTAL, scopes=["automation"])["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", [
    "/automation/actions/callbacks/2026-03/ap-1000001-1-1-0/complete",
    "/automation/actions/callbacks/2026-03/ap-1000001-1-1-0/complete",
])
def test_single_completion_is_204_and_recorded(client, auth, emu, path):
    response = client.post(path, headers=auth,
                           json={"outputFields": DONE, "typedOutputs": {}})
    assert response.status_code == 204
    assert response.data == b""
    [completion] = emu.completions
    assert completion["callbackId"] == "ap-1000001-1-1-0"
    assert completion["outputFields"] == DONE
    assert completion["typedOutputs"] == {}
    assert completion["via"] == "single"
    assert completion["version"] == ("2026-03" if "2026-03" in path else "v4")
    # Nobody registered this callbackId: accepted, but flagged.
    assert completion["known"] is False


@pytest.mark.parametrize("missing", ["outputFields", "typedOutputs"])
def test_both_output_objects_are_required(client, auth, emu, missing):
    body = {"outputFields": DONE, "typedOutputs": {}}
    del body[missing]
    response = client.post("/automation/actions/callbacks/2026-03/ap-1/complete", headers=auth,
                           json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert error["category"] == "VALIDATION_ERROR"
    assert missing in error["message"]
    assert emu.completions == []


@pytest.mark.parametrize("outputs", [
    {"hs_execution_state": "BLOCK"},
    {"qbo_id": "1"},
    {"hs_execution_state": "SUCCESS", "qbo_total": 12.5},
])
def test_outputs_must_be_strings_with_a_final_state(client, auth, outputs):
    response = client.post("/automation/actions/callbacks/2026-03/ap-1/complete", headers=auth,
                           json={"outputFields": outputs, "typedOutputs": {}})
    assert response.status_code == 400


def test_completion_needs_the_automation_scope(client, emu):
    token = emu.issue_tokens(PORTAL, scopes=["crm.objects.deals.read"])["access_token"]
    response = client.post("/automation/actions/callbacks/2026-03/ap-1/complete",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"outputFields": DONE, "typedOutputs": {}})
    assert response.status_code == 403
    assert response.get_json()["category"] == "MISSING_SCOPES"
    no_token = client.post("/automation/actions/callbacks/2026-03/ap-1/complete",
                           json={"outputFields": DONE, "typedOutputs": {}})
    assert no_token.status_code == 401


@pytest.mark.parametrize("path", ["/automation/actions/callbacks/2026-03/complete"])
def test_batch_completion_of_registered_callbacks(client, auth, emu, path):
    emu.register_callback("ap-1000001-7-1-0", PORTAL)
    response = client.post(path, headers=auth, json={"inputs": [
        {"callbackId": "ap-1000001-7-1-0", "outputFields": DONE, "typedOutputs": {}},
        {"callbackId": "ap-1000001-8-1-0",
         "outputFields": {"hs_execution_state": "FAIL_CONTINUE", "error_code": "NO_EMAIL"},
         "typedOutputs": {}},
    ]})
    assert response.status_code == 204
    known, unknown = emu.completions
    assert (known["via"], known["known"]) == ("batch", True)
    assert unknown["known"] is False
    assert unknown["outputFields"]["error_code"] == "NO_EMAIL"


def test_batch_is_all_or_nothing(client, auth, emu):
    response = client.post("/automation/actions/callbacks/2026-03/complete", headers=auth, json={
        "inputs": [{"callbackId": "a", "outputFields": DONE, "typedOutputs": {}},
                   {"callbackId": "b", "outputFields": DONE}]})
    assert response.status_code == 400
    assert "inputs[1].typedOutputs" in response.get_json()["message"]
    assert emu.completions == []


def test_second_completion_is_marked_duplicate(client, auth, emu):
    emu.register_callback("ap-9", PORTAL)
    for _ in range(2):
        client.post("/automation/actions/callbacks/2026-03/ap-9/complete", headers=auth,
                    json={"outputFields": DONE, "typedOutputs": {}})
    assert [c["duplicate"] for c in emu.completions] == [False, True]
