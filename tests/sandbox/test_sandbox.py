"""SANDBOX=1: the app starts both emulators beside itself, seeds and connects the demo data,
and a demo run of an action goes through the real HTTP path to a ledger row."""

from __future__ import annotations

import logging

import click
import pytest
import requests

import sandbox as sandbox_module
from app import create_app
from emulators.server import serve_in_thread
from executions import ledger
from settings import Settings
from store import companies, definitions, portals
from tests.support.ports import unused_port

DEMO_PORTAL = 1000001


class Running:
    """A sandbox app served on a loopback port, as `flask run` would serve it."""

    def __init__(self, instance, monkeypatch):
        monkeypatch.setenv("INSTANCE_PATH", str(instance))
        monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
        port = unused_port()
        self.url = f"http://127.0.0.1:{port}"
        # No database URL: a fresh SQLite file in the instance folder, as on a new machine.
        settings = Settings(sandbox=True, public_base_url=self.url,
                            sandbox_ports=(0, 0))  # fmt: skip
        self.app = create_app(settings)
        self.runtime = self.app.extensions["hubqbo"]
        self.sandbox = self.app.extensions["sandbox"]
        self.server = serve_in_thread(self.app, port=port)

    def stop(self) -> None:
        """Stop the server and the emulators, close the database."""
        self.server.stop()
        self.sandbox.stop()
        self.app.extensions["status_settler"].stop()  # it settles the demo's webhooks
        self.runtime.db.dispose()


@pytest.fixture
def running(tmp_path, monkeypatch, caplog):
    """A started sandbox (its log captured)."""
    caplog.set_level(logging.INFO)
    server = Running(tmp_path / "instance", monkeypatch)
    yield server
    server.stop()


def demo_run(running, slug: str, record: str, **inputs):
    """POST /sandbox/run/<slug> with this browser's CSRF token."""
    client = running.app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = "sandbox-test-csrf-token"
    data = {"record": record, "csrf_token": "sandbox-test-csrf-token", **inputs}
    return client.post(f"/sandbox/run/{slug}", data=data)


def test_the_sandbox_starts_answers_and_connects_the_demo_data(running, caplog):
    assert requests.get(f"{running.url}/healthz", timeout=10).json() == {"status": "ok"}
    db, cipher = running.runtime.db, running.runtime.cipher
    portal = portals.get_portal(db, DEMO_PORTAL)
    assert portal is not None and portal.name == "Demo Co"
    hubspot, quickbooks = running.sandbox.hubspot, running.sandbox.quickbooks
    assert hubspot.tokens.access(cipher.decrypt(portal.access_token)) is not None
    rows = companies.connections_for(db, DEMO_PORTAL)
    facts = [(r.country, r.home_currency, r.multicurrency, r.tax_mode, r.status) for r in rows]
    assert facts == [("US", "USD", False, "automated", "connected"),
                     ("CA", "CAD", True, "codes", "connected")]  # fmt: skip
    assert {r.realm_id for r in rows} == set(quickbooks.companies)
    # The six actions are published to the emulated app, so executions carry properties.
    settings = running.runtime.settings
    assert len(hubspot.definitions(int(settings.hubspot_app_id))) == 6
    assert len(definitions.action_definitions(db, settings.hubspot_app_id)) == 6
    # Settings point at the emulators, which run on loopback.
    assert settings.hubspot_api_base.startswith("http://127.0.0.1:")
    assert settings.quickbooks_token_url.startswith(settings.quickbooks_api_base)
    # One clear start-up line naming the URLs.
    started = caplog.get_records("setup")
    lines = [r.getMessage() for r in started if "SANDBOX" in r.getMessage()]
    assert len(lines) == 1
    assert running.url in lines[0] and settings.hubspot_api_base in lines[0]
    assert settings.quickbooks_api_base in lines[0]
    # The emulators' access logs (whose paths carry tokens) stay quiet.
    assert not [r for r in started + caplog.records if "/v3/company/" in r.getMessage()
                or "/oauth2/v1/tokens/bearer" in r.getMessage()]  # fmt: skip


def test_a_demo_run_reaches_the_ledger(running):
    response = demo_run(running, "create-invoice", "deal:basic")
    assert response.status_code == 200, response.get_data(True)
    body = response.get_json()
    execution = ledger.by_id(running.runtime.db, body["execution_id"])
    assert execution.portal_id == DEMO_PORTAL
    assert execution.action == "create-invoice"
    assert execution.object_type == "deals"
    assert execution.object_id == str(running.sandbox.seeded["deals"]["basic"])
    assert execution.status in {"succeeded", "failed"}
    assert execution.inputs["quickbooks_company"] == running.sandbox.companies[0].realm_id
    assert body["outputFields"]["hs_execution_state"] in {"SUCCESS", "FAIL_CONTINUE"}
    # The execution came through HTTP, signed as HubSpot signs (else it would be a 401).
    assert body["status"] == 200


def test_a_demo_run_can_redirect_to_the_execution(running):
    response = demo_run(running, "create-invoice", "deal:no_contact",
                        next="/executions/{execution_id}")  # fmt: skip
    assert response.status_code == 302
    execution_id = response.headers["Location"].rsplit("/", 1)[1]
    assert ledger.by_id(running.runtime.db, int(execution_id)) is not None
    for elsewhere in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        answer = demo_run(running, "create-invoice", "deal:no_contact", next=elsewhere)
        assert answer.status_code == 200 and "Location" not in answer.headers


def test_a_demo_run_refuses_bad_requests(running):
    assert demo_run(running, "no-such-action", "deal:basic").status_code == 404
    assert demo_run(running, "create-invoice", "deal:no-such-role").status_code == 404
    assert demo_run(running, "create-invoice", "basic").status_code == 400
    client = running.app.test_client()
    refused = client.post("/sandbox/run/create-invoice", data={"record": "deal:basic"})
    assert refused.status_code == 400  # no CSRF token


def test_a_restart_reissues_tokens_and_starts_a_fresh_demo(tmp_path, monkeypatch):
    first = Running(tmp_path / "instance", monkeypatch)
    try:
        assert demo_run(first, "create-invoice", "deal:basic").status_code == 200
        cipher = first.runtime.cipher
        before = {r.realm_id: cipher.decrypt(r.access_token)
                  for r in companies.connections_for(first.runtime.db, DEMO_PORTAL)}  # fmt: skip
    finally:
        first.stop()
    second = Running(tmp_path / "instance", monkeypatch)
    try:
        db = second.runtime.db
        rows = companies.connections_for(db, DEMO_PORTAL)
        assert len(rows) == 2
        after = {r.realm_id: second.runtime.cipher.decrypt(r.access_token) for r in rows}
        assert after.keys() == before.keys() and all(after[k] != before[k] for k in after)
        assert ledger.by_callback(db, DEMO_PORTAL, "x") is None
        # The first run's invoice lived in emulators that are gone: history starts over.
        body = demo_run(second, "create-invoice", "deal:basic").get_json()
        assert body["execution_id"] == ledger.by_id(db, body["execution_id"]).id
        assert body["outputFields"].get("result") != "existing"
    finally:
        second.stop()


def test_the_demo_route_does_not_exist_outside_the_sandbox(client):
    assert client.post("/sandbox/run/create-invoice", data={"record": "deal:1"}).status_code == 404


def test_emulators_start_only_where_the_server_runs(monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert sandbox_module.serving_now()  # gunicorn, or create_app() in a script
    with click.Context(click.Command("upgrade")):
        assert not sandbox_module.serving_now()  # `flask db upgrade` and other commands
    with click.Context(click.Command("run")) as ctx:
        ctx.params = {"reload": False}
        assert sandbox_module.serving_now()
        ctx.params = {"reload": True}
        assert not sandbox_module.serving_now()  # the reloader's watcher never serves
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
        assert sandbox_module.serving_now()  # its child does


def test_the_sandbox_command_starts_the_emulators_and_serves(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setattr(sandbox_module, "serving_now", lambda: False)  # as under the CLI
    app = create_app(Settings(sandbox=True, sandbox_ports=(0, 0)))
    served = {}
    monkeypatch.setattr(
        "werkzeug.serving.run_simple",
        lambda host, port, wsgi, **kw: served.update(host=host, port=port),
    )
    try:
        assert not app.extensions["sandbox"].started
        result = app.test_cli_runner().invoke(args=["sandbox", "--port", "5123"])
        assert result.exit_code == 0, result.output
        assert served == {"host": "127.0.0.1", "port": 5123}
        runtime = app.extensions["hubqbo"]
        assert runtime.settings.public_base_url == "http://localhost:5123"
        assert len(companies.connections_for(runtime.db, DEMO_PORTAL)) == 2
    finally:
        app.extensions["sandbox"].stop()
        app.extensions["status_settler"].stop()
        app.extensions["hubqbo"].db.dispose()


def test_every_try_an_action_button_books_its_transaction(running):
    """The overview's ready-made runs all succeed against the demo data."""
    page = running.app.test_client().get("/").get_data(as_text=True)
    runs = running.sandbox.demo_runs()
    assert runs and all(f'action="/sandbox/run/{r["slug"]}"' in page for r in runs)
    results = {}
    for run in runs:
        answer = demo_run(running, run["slug"], run["record"], **run["inputs"]).get_json()
        assert answer["outputFields"], (run, answer)
        results[(run["slug"], run["record"])] = answer["outputFields"]
    unmatched = results.pop(("create-invoice", "deal:unmatched"))
    assert unmatched["error_code"] == "UNMATCHED_PRODUCTS"
    assert {out["result"] for out in results.values()} == {"created"}
