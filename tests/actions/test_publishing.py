"""`flask --app app hubspot publish-actions` against the HubSpot emulator."""

from __future__ import annotations

import json

import pytest

from actions import ACTIONS
from actions.publishing import covers
from store import definitions
from tests.support.signing import PUBLIC_BASE

APP_ID = "424242"


@pytest.fixture
def publisher(app, runtime, hubspot):
    """Settings pointing at the emulator with the app id and developer key; invoke the CLI."""
    runtime.settings = runtime.settings.replace(
        hubspot_api_base=hubspot.url, hubspot_app_id=APP_ID, hubspot_developer_api_key="dev-key"
    )
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["hubspot", "publish-actions", *args])

    return invoke


def definition_calls(hubspot) -> list[dict]:
    return [c for c in hubspot.calls if "/automation/" in c.get("path", "")]


def test_first_run_creates_six_second_run_changes_nothing(publisher, hubspot, runtime):
    first = publisher()
    assert first.exit_code == 0, first.output
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 6
    assert all(line.startswith("created") for line in lines)
    stored = hubspot.definitions(int(APP_ID))
    assert len(stored) == 6
    assert {d["actionUrl"] for d in stored} == {
        f"{PUBLIC_BASE}/hubspot/actions/{slug}" for slug in ACTIONS
    }
    revisions = {d["id"]: d["revisionId"] for d in stored}

    hubspot.reset_calls()
    second = publisher()
    assert second.exit_code == 0, second.output
    assert [line.split()[0] for line in second.stdout.strip().splitlines()] == ["unchanged"] * 6
    assert {c["method"] for c in definition_calls(hubspot)} == {"GET"}
    after = hubspot.definitions(int(APP_ID))
    assert len(after) == 6
    assert {d["id"]: d["revisionId"] for d in after} == revisions

    rows = definitions.action_definitions(runtime.db, APP_ID)
    assert {r.slug: r.definition_id for r in rows} == {
        d["actionUrl"].rsplit("/", 1)[1]: d["id"] for d in stored
    }


def test_a_changed_definition_is_updated_in_place(publisher, hubspot, runtime):
    assert publisher().exit_code == 0
    stored = {d["actionUrl"]: d for d in hubspot.definitions(int(APP_ID))}
    invoice_url = f"{PUBLIC_BASE}/hubspot/actions/create-invoice"
    # Someone edited the invoice action in HubSpot: its label drifted from ours.
    with hubspot.lock:
        live = hubspot.definition_store(int(APP_ID))[stored[invoice_url]["id"]]
        live["labels"]["en"]["actionName"] = "Old name"
    result = publisher()
    assert result.exit_code == 0, result.output
    statuses = dict(line.split()[:2][::-1] for line in result.stdout.strip().splitlines())
    assert statuses.pop("create-invoice") == "updated"
    assert set(statuses.values()) == {"unchanged"}
    now = {d["actionUrl"]: d for d in hubspot.definitions(int(APP_ID))}
    assert len(now) == 6
    assert now[invoice_url]["id"] == stored[invoice_url]["id"]
    assert now[invoice_url]["labels"]["en"]["actionName"] == ACTIONS["create-invoice"].name
    assert int(now[invoice_url]["revisionId"]) == int(stored[invoice_url]["revisionId"]) + 1
    row = {r.slug: r for r in definitions.action_definitions(runtime.db, APP_ID)}["create-invoice"]
    assert row.revision_id == now[invoice_url]["revisionId"]


def test_dry_run_prints_the_definitions_and_calls_nothing(publisher, hubspot, runtime):
    result = publisher("--dry-run")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert sorted(printed) == sorted(ACTIONS)
    assert printed["create-fee-expense"]["objectTypes"] == ["COMMERCE_PAYMENT"]
    assert definition_calls(hubspot) == []
    assert hubspot.definitions(int(APP_ID)) == []
    assert definitions.action_definitions(runtime.db) == []


@pytest.mark.parametrize("missing", ["hubspot_app_id", "hubspot_developer_api_key"])
def test_missing_app_id_or_key_is_one_clear_error(publisher, runtime, hubspot, missing):
    runtime.settings = runtime.settings.replace(**{missing: ""})
    result = publisher()
    assert result.exit_code != 0
    assert missing.upper() in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert definition_calls(hubspot) == []


def test_a_refused_key_is_reported_not_raised(publisher, runtime, hubspot):
    runtime.settings = runtime.settings.replace(hubspot_developer_api_key="wrong-key")
    result = publisher()
    assert result.exit_code == 1
    assert "publishing to HubSpot failed" in result.stderr
    assert "INVALID_AUTHENTICATION" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_covers_ignores_what_hubspot_adds_but_not_what_differs():
    desired = {"a": 1, "fields": [{"name": "x", "options": []}], "types": ["DEAL", "QUOTE"]}
    assert covers({"id": "9", "revisionId": "3", "a": 1, "types": ["QUOTE", "DEAL"],
                   "fields": [{"name": "x", "label": "X"}]}, desired)  # fmt: skip
    assert not covers({"a": 2, "fields": [{"name": "x"}], "types": ["DEAL", "QUOTE"]}, desired)
    assert not covers({"a": 1, "fields": [], "types": ["DEAL", "QUOTE"]}, desired)
    assert not covers({"a": 1, "fields": [{"name": "x"}], "types": ["DEAL"]}, desired)
