"""Sandbox mode: the server runs against the built-in emulators with demo data (SPEC §5).

The only product module that imports emulators. `attach()` (called by create_app when
SANDBOX is on) starts a HubSpot and a QuickBooks emulator on loopback ports, points the
runtime's settings at them, seeds a demo portal and two companies (one US, one Canadian with
multicurrency) and connects them through the same code the OAuth callbacks use. The
emulators keep their data in memory, so every start seeds them afresh and re-issues the
tokens stored in the database.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Blueprint, current_app, redirect, request, session
from flask.cli import get_debug_flag
from werkzeug.serving import WSGIRequestHandler, make_server

import accounts
import store
from actions import ACTIONS
from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.emulator import DEFAULT_SCOPES
from emulators.hubspot.seed import seed_demo
from emulators.hubspot.workflows import WorkflowDriver
from emulators.quickbooks import QuickBooksEmulator
from emulators.server import RunningServer
from sandbox import status as status_demo
from settings import Settings
from store import migrate
from store.cipher import new_key
from web.csrf import csrf_protected
from web.routes import BadRequest

log = logging.getLogger(__name__)

HUBSPOT_PORT = 5001
QUICKBOOKS_PORT = 5002
SANDBOX_APP_ID = "4242424"


@dataclass(frozen=True)
class DemoCompany:
    """A QuickBooks company the sandbox creates and connects."""

    realm_id: str
    name: str
    country: str
    currency: str
    multicurrency: bool


DEMO_COMPANIES = (
    DemoCompany("9341452900000001", "Sandbox Widgets LLC (US)", "US", "USD", False),
    DemoCompany("9341452900000002", "Sandbox Widgets Ltd. (Canada)", "CA", "CAD", True),
)
# How a demo run names a record: "deal:basic", "quote:accepted", "payment:checkout", "deal:123".
RECORD_KINDS = {
    "deal": ("deals", "deals"), "deals": ("deals", "deals"),
    "quote": ("quotes", "quotes"), "quotes": ("quotes", "quotes"),
    "payment": ("commerce_payments", "payments"), "payments": ("commerce_payments", "payments"),
    "commerce_payment": ("commerce_payments", "payments"),
    "commerce_payments": ("commerce_payments", "payments"),
}  # fmt: skip


def pointed_at_emulators(settings: Settings, hubspot_url: str, quickbooks_url: str) -> Settings:
    """Settings whose API, OAuth and token URLs are the emulators' (sandbox and tests)."""
    return settings.replace(
        hubspot_api_base=hubspot_url,
        hubspot_authorize_url=f"{hubspot_url}/oauth/authorize",
        quickbooks_api_base=quickbooks_url,
        quickbooks_authorize_url=f"{quickbooks_url}/connect/oauth2",
        quickbooks_token_url=f"{quickbooks_url}/oauth2/v1/tokens/bearer",
        quickbooks_revoke_url=f"{quickbooks_url}/v2/oauth2/tokens/revoke",
    )


def local_secrets(instance_path: str) -> dict:
    """Secrets generated once per sandbox instance, so encrypted tokens survive restarts."""
    path = Path(instance_path) / "sandbox-secrets.json"
    values = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "secret_key": lambda: secrets.token_urlsafe(32),
        "token_key": new_key,
        "hubspot_client_secret": lambda: secrets.token_urlsafe(24),
        "quickbooks_client_secret": lambda: secrets.token_urlsafe(24),
        "hubspot_developer_api_key": lambda: secrets.token_urlsafe(18),
    }
    missing = {name: make() for name, make in wanted.items() if name not in values}
    if missing:
        values.update(missing)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
    return values


def prepare(settings: Settings, instance_path: str) -> Settings:
    """Fill in what the sandbox needs that the environment did not set."""
    values = local_secrets(instance_path)
    return settings.replace(
        secret_key=settings.secret_key or values["secret_key"],
        token_encryption_keys=settings.token_encryption_keys or (values["token_key"],),
        hubspot_client_id=settings.hubspot_client_id or "sandbox-hubspot-app",
        hubspot_client_secret=settings.hubspot_client_secret or values["hubspot_client_secret"],
        hubspot_app_id=settings.hubspot_app_id or SANDBOX_APP_ID,
        hubspot_developer_api_key=settings.hubspot_developer_api_key
        or values["hubspot_developer_api_key"],
        quickbooks_client_id=settings.quickbooks_client_id or "sandbox-quickbooks-app",
        quickbooks_client_secret=settings.quickbooks_client_secret
        or values["quickbooks_client_secret"],
    )


def attach(app, runtime) -> None:
    """Make this app a sandbox: the demo-run route, and the emulators when serving starts."""
    sandbox = Sandbox(runtime)
    app.extensions["sandbox"] = sandbox
    app.register_blueprint(bp)
    app.register_blueprint(status_demo.bp)
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.command.name == "run":
        use_local_address(runtime, ctx.params.get("host"), ctx.params.get("port"))
    if serving_now():
        sandbox.start()


def use_local_address(runtime, host: str | None, port: int | None) -> None:
    """Without PUBLIC_BASE_URL, redirect URIs and signatures use the address being served."""
    if os.environ.get("PUBLIC_BASE_URL") or not port:
        return
    shown = "localhost" if host in (None, "", "127.0.0.1", "0.0.0.0", "::", "localhost") else host
    runtime.settings = runtime.settings.replace(public_base_url=f"http://{shown}:{port}")


def serving_now() -> bool:
    """True unless this process is a CLI command other than `run`, or `run`'s reloader watcher
    (which never serves: its child does), so emulators start once and only where needed."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # a WSGI server (gunicorn) or a direct create_app()
    if ctx.command.name != "run":
        return False  # `db upgrade` and friends; `sandbox` starts it itself
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


class Sandbox:
    """The emulators beside one app, and the demo data they hold."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.hubspot: HubSpotEmulator | None = None
        self.quickbooks: QuickBooksEmulator | None = None
        self.servers: list[RunningServer] = []
        self.seeded: dict = {}
        self.portal_id: int | None = None
        self.companies = DEMO_COMPANIES
        self._lock = threading.Lock()

    def demo_runs(self) -> list[dict]:
        """Ready-made runs for the dashboard's "Try an action" panel (US demo company)."""
        if not self.started:
            return []
        company = self.quickbooks.companies[self.companies[0].realm_id]
        accounts = {a["Name"]: a["Id"] for a in company.entities("Account")}
        fee = {"payment_account": accounts.get("Checking", ""),
               "expense_account": accounts.get("Merchant Fees", "")}
        refund = {"refund_from_account": accounts.get("Checking", "")}
        return [
            {"slug": slug, "record": record, "label": label, "inputs": inputs}
            for slug, record, label, inputs in (
                ("create-invoice", "deal:basic", "Invoice a deal", {}),
                ("create-invoice", "deal:unmatched",
                 "Invoice a deal with an unknown product (fails, then fix and run again)", {}),
                ("create-estimate", "quote:accepted", "Estimate from an e-signed quote", {}),
                ("create-sales-receipt", "deal:basic", "Sales receipt from a deal", {}),
                ("create-paid-invoice", "payment:checkout", "Paid invoice from a payment", {}),
                ("create-fee-expense", "payment:checkout", "Book the payment's fee", fee),
                ("create-refund-receipt", "payment:refunded", "Refund a refunded payment",
                 refund),
            )
        ]

    @property
    def started(self) -> bool:
        """True once the emulators serve and the demo data is connected."""
        return self.portal_id is not None

    def start(self) -> None:
        """Start both emulators, seed them and connect the demo portal's companies (once)."""
        with self._lock:
            if self.started:
                return
            s = self.runtime.settings
            app_id = int(s.hubspot_app_id) if s.hubspot_app_id.isdigit() else int(SANDBOX_APP_ID)
            self.hubspot = HubSpotEmulator(
                client_id=s.hubspot_client_id, client_secret=s.hubspot_client_secret,
                app_id=app_id, developer_api_key=s.hubspot_developer_api_key,
            )  # fmt: skip
            self.quickbooks = QuickBooksEmulator(
                client_id=s.quickbooks_client_id, client_secret=s.quickbooks_client_secret
            )
            try:
                hubspot_url, quickbooks_url = self._start_emulators(s)
            except BaseException:
                self.stop()  # a half-started sandbox would hold the ports of the next try
                raise
            self.portal_id = self.seeded["portal_id"]
        log.warning(
            "SANDBOX mode: fake HubSpot and QuickBooks with demo data, no real accounts. "
            "Server %s | HubSpot emulator %s | QuickBooks emulator %s | demo portal %s",
            self.runtime.settings.public_base_url, hubspot_url, quickbooks_url, self.portal_id,
        )  # fmt: skip

    def _start_emulators(self, s: Settings) -> tuple[str, str]:
        """Serve both emulators, point the settings at them, migrate, seed and connect."""
        ports = tuple(s.extra.get("sandbox_ports", (HUBSPOT_PORT, QUICKBOOKS_PORT)))
        hubspot_url = self._serve(self.hubspot.app, ports[0])
        quickbooks_url = self._serve(self.quickbooks.app, ports[1])
        self.runtime.settings = pointed_at_emulators(s, hubspot_url, quickbooks_url)
        # The sandbox must work on a fresh machine, so it brings its own schema up to date.
        migrate.upgrade(self.runtime.db.url)
        self._seed()
        return hubspot_url, quickbooks_url

    def stop(self) -> None:
        """Stop the emulator servers (tests; a process exit does it anyway)."""
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def _serve(self, wsgi_app, port: int) -> str:
        """Serve on the wanted loopback port, or a free one when it is taken."""
        try:
            server = make_server("127.0.0.1", port, wsgi_app, threaded=True,
                                 request_handler=_QuietHandler)  # fmt: skip
        except OSError:
            server = make_server("127.0.0.1", 0, wsgi_app, threaded=True,
                                 request_handler=_QuietHandler)  # fmt: skip
        thread = threading.Thread(target=server.serve_forever, name="sandbox-emulator",
                                  daemon=True)  # fmt: skip
        thread.start()
        running = RunningServer(server=server, thread=thread)
        self.servers.append(running)
        return running.url

    def _seed(self) -> None:
        """Demo records in the emulators; the portal and companies stored as if installed."""
        runtime, hubspot, quickbooks = self.runtime, self.hubspot, self.quickbooks
        self.seeded = seed_demo(hubspot)
        portal_id = self.seeded["portal_id"]
        # Earlier runs booked into emulators that are gone; a sandbox start is a fresh demo.
        cleared = store.clear_portal_history(runtime.db, portal_id)
        if cleared:
            log.info("sandbox: cleared %s executions of the previous sandbox run", cleared)
        portal = accounts.install_portal(runtime, hubspot.issue_tokens(
            portal_id, scopes=[*DEFAULT_SCOPES, *runtime.settings.hubspot_optional_scopes]))
        portal.name = hubspot.portal(portal_id).name
        portal.hub_domain = hubspot.portal(portal_id).domain
        store.save(runtime.db, portal)
        for demo in self.companies:
            quickbooks.add_company(demo.realm_id, demo.name, demo.country, demo.currency,
                                   demo.multicurrency)  # fmt: skip
            # The same path as the OAuth callback: CompanyInfo and Preferences, then upsert.
            accounts.connect_company(runtime, portal_id, demo.realm_id,
                                     quickbooks.issue_tokens(demo.realm_id))  # fmt: skip
        self._publish_definitions()
        status_demo.wire(self)

    def _publish_definitions(self) -> None:
        """Publish the six actions to the HubSpot emulator, so executions carry properties."""
        from actions import publishing
        from clients.hubspot import DefinitionsClient

        s = self.runtime.settings
        client = DefinitionsClient(
            s.hubspot_api_base,
            s.hubspot_app_id,
            s.hubspot_developer_api_key,
            timeout=s.http_timeout_seconds,
        )
        try:
            for done in publishing.publish(client, publishing.desired_definitions(s)):
                # The emulator's ids are new each start: the dashboard shows these.
                store.record_action_definition(
                    self.runtime.db,
                    s.hubspot_app_id,
                    done.slug,
                    done.definition_id,
                    done.revision_id,
                    changed=True,
                )
        except Exception as exc:  # the sandbox still works without them; say why
            log.warning("sandbox: the action definitions were not published: %s", exc)
        finally:
            client.transport.session.close()

    def driver(self, portal_id: int | None = None) -> WorkflowDriver:
        """HubSpot's workflow engine, sending signed executions to this server."""
        base = self.runtime.settings.public_base_url
        return WorkflowDriver(self.hubspot, portal_id or self.portal_id, server_url=base,
                              public_base_url=base, max_attempts=1)  # fmt: skip

    def record(self, spec: str) -> tuple[str, str]:
        """(object type, id) from a spec: "deal:basic", "payment:checkout", "deal:123"."""
        kind, _, key = (spec or "").partition(":")
        known = RECORD_KINDS.get(kind.strip().lower())
        key = key.strip()
        if known is None or not key:
            raise BadRequest("record must look like deal:<id or role>, quote:<...> or "
                             "payment:<...>, e.g. deal:basic", 400)  # fmt: skip
        object_type, roles = known
        if not key.isdigit():
            found = (self.seeded.get(roles) or {}).get(key)
            if found is None:
                names = ", ".join(sorted(self.seeded.get(roles) or {}))
                raise BadRequest(f"no demo {kind} called {key!r}; try one of: {names}", 404)
            key = str(found)
        return object_type, key


class _QuietHandler(WSGIRequestHandler):
    """The emulators' access log would print token-bearing paths; the sandbox keeps quiet."""

    def log_request(self, *args, **kwargs) -> None:
        """Do not log requests."""


bp = Blueprint("sandbox", __name__)
_RESERVED = {"record", "next", "csrf_token"}


@bp.post("/sandbox/run/<slug>")
@csrf_protected
def run_action(slug: str):
    """Run an action on a demo record as a HubSpot workflow would (sandbox only)."""
    if slug not in ACTIONS:
        raise BadRequest(f"unknown action {slug!r}; expected one of {', '.join(ACTIONS)}", 404)
    sandbox: Sandbox = current_app.extensions["sandbox"]
    sandbox.start()
    object_type, object_id = sandbox.record(request.values.get("record", ""))
    inputs = {k: v for k, v in request.values.items() if k not in _RESERVED}
    inputs.setdefault("quickbooks_company", sandbox.companies[0].realm_id)
    portal_id = accounts.signed_in_portal(session)
    if portal_id not in sandbox.hubspot.portals:
        portal_id = sandbox.portal_id
    delivery = sandbox.driver(portal_id).execute(slug, object_type, object_id, inputs,
                                                 retry=False)  # fmt: skip
    execution = store.get_execution(sandbox.runtime.db, portal_id, delivery.callback_id)
    execution_id = execution.id if execution else None
    target = request.values.get("next", "")
    # Only a path on this server: "//host" and "/\\host" would leave it.
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if local and execution_id is not None:
        return redirect(target.replace("{execution_id}", str(execution_id)))
    return {
        "callbackId": delivery.callback_id, "status": delivery.status, "state": delivery.state,
        "outputFields": delivery.output_fields, "execution_id": execution_id,
        "portal_id": portal_id, "record": {"type": object_type, "id": object_id},
    }  # fmt: skip
