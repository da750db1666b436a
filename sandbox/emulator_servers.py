"""The emulators beside one app: served on loopback ports, seeded, stopped."""

from __future__ import annotations

import logging
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

import sandbox.demo_data as demo_data
from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.seed import seed_demo
from emulators.hubspot.workflows import WorkflowDriver
from emulators.quickbooks import QuickBooksEmulator
from emulators.server import RunningServer
from sandbox import status as status_demo
from sandbox.preparation import SANDBOX_APP_ID, pointed_at_emulators
from settings import Settings
from store import migrate

log = logging.getLogger("sandbox")



class Sandbox:
    """The emulators beside one app, and the demo data they hold."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.hubspot: HubSpotEmulator | None = None
        self.quickbooks: QuickBooksEmulator | None = None
        self.servers: list[RunningServer] = []
        self.seeded: dict = {}
        self.portal_id: int | None = None
        self.companies = demo_data.DEMO_COMPANIES
        self._lock = threading.Lock()

    def demo_runs(self) -> list[dict]:
        """Ready-made runs for the dashboard's "Try an action" panel (US demo company)."""
        if not self.started:
            return []
        return demo_data.demo_runs(self.quickbooks, self.companies[0])

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
        ports = tuple(s.sandbox_ports)
        hubspot_url = self._serve(self.hubspot.app, ports[0])
        quickbooks_url = self._serve(self.quickbooks.app, ports[1])
        self.runtime.settings = pointed_at_emulators(s, hubspot_url, quickbooks_url)
        # The sandbox must work on a fresh machine, so it brings its own schema up to date.
        migrate.upgrade(self.runtime.db.url)
        self.seeded = seed_demo(self.hubspot)
        demo_data.seed(self.runtime, self.hubspot, self.quickbooks, self.seeded, self.companies)
        status_demo.wire(self)
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

    def driver(self, portal_id: int | None = None) -> WorkflowDriver:
        """HubSpot's workflow engine, sending signed executions to this server."""
        base = self.runtime.settings.public_base_url
        return WorkflowDriver(self.hubspot, portal_id or self.portal_id, server_url=base,
                              public_base_url=base, max_attempts=1)  # fmt: skip

    def record(self, spec: str) -> tuple[str, str]:
        """(object type, id) from a spec: "deal:basic", "payment:checkout", "deal:123"."""
        return demo_data.record(self.seeded, spec)


class _QuietHandler(WSGIRequestHandler):
    """The emulators' access log would print token-bearing paths; the sandbox keeps quiet."""

    def log_request(self, *args, **kwargs) -> None:
        """Do not log requests."""
