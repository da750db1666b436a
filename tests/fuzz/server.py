"""The live server schemathesis fuzzes: the app on a temp SQLite, wired to both emulators.

    python -m tests.fuzz.server --port 5077 --context /tmp/fuzz.json

Production settings (not testing, not sandbox), the demo portal and records seeded in the
HubSpot emulator, a seeded QuickBooks company connected to it, and a second portal with its own
company (so the fuzzer can name a company that is not the caller's). Writes the ids it seeded to
``--context`` for the schemathesis hooks, then serves until killed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.seed import seed_demo
from emulators.quickbooks import QuickBooksEmulator
from emulators.server import serve_in_thread
from sandbox import pointed_at_emulators
from settings import Settings
from store import migrate, normalize_url
from store.cipher import new_key
from tests.support.world import US_REALM, World

SECRET = "fuzz-hubspot-client-secret"
WEBHOOK_VERIFIER = "fuzz-intuit-webhook-verifier"
OTHER_PORTAL, OTHER_REALM = 2000002, "9130350000000777"


def build(port: int, url: str) -> tuple[object, dict]:
    """The app and the ids the hooks steer payloads to."""
    hubspot = HubSpotEmulator(client_id="hs-client", client_secret=SECRET, app_id=424242,
                              developer_api_key="fuzz-dev-key")  # fmt: skip
    quickbooks = QuickBooksEmulator(client_id="qbo-client", client_secret="fuzz-qbo-secret")
    hubspot.url = serve_in_thread(hubspot.app).url
    quickbooks.url = serve_in_thread(quickbooks.app).url
    ids = seed_demo(hubspot)
    migrate.upgrade(url)
    # HubSpot signs the public URL, not the address the server listens on (a proxy sits between).
    public = os.environ.get("PUBLIC_BASE_URL") or "https://hubqbo-fuzz.example.com"
    settings = Settings(
        database_url=url, secret_key="fuzz-secret-key", token_encryption_keys=(new_key(),),
        public_base_url=public, hubspot_client_id="hs-client", hubspot_client_secret=SECRET,
        hubspot_app_id="424242", hubspot_developer_api_key="fuzz-dev-key",
        quickbooks_client_id="qbo-client", quickbooks_client_secret="fuzz-qbo-secret",
        duplicate_wait_seconds=0.0, http_timeout_seconds=5.0, client_backoff=0.01,
        quickbooks_webhook_verifier_token=WEBHOOK_VERIFIER,
    )  # fmt: skip
    app = create_app(pointed_at_emulators(settings, hubspot.url, quickbooks.url))
    runtime = app.extensions["hubqbo"]
    world = World(app=app, runtime=runtime, hubspot=hubspot, quickbooks=quickbooks)
    world.install_portal()
    world.connect_company(US_REALM)
    world.install_portal(OTHER_PORTAL)
    world.connect_company(OTHER_REALM, portal_id=OTHER_PORTAL)
    context = {
        **_signed_in_session(app, world.portal_id),
        "secret": SECRET,
        "webhook_verifier": WEBHOOK_VERIFIER,
        "public_base_url": public,
        "portal_id": world.portal_id,
        "realm_id": US_REALM,
        "other_portal_id": OTHER_PORTAL,
        "other_realm_id": OTHER_REALM,
        "records": {
            "DEAL": [int(v) for v in ids["deals"].values()],
            "QUOTE": [int(v) for v in ids["quotes"].values()],
            "COMMERCE_PAYMENT": [int(v) for v in ids["payments"].values()],
        },
    }
    return app, context


def _signed_in_session(app, portal_id: int) -> dict:
    """A dashboard session cookie for the portal, and its CSRF token."""
    from flask import session

    import accounts

    with app.test_request_context("/"):
        accounts.sign_in(session, portal_id)
        session["csrf_token"] = "fuzz-csrf-token"
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return {"session_cookie": cookie, "csrf_token": "fuzz-csrf-token"}


@contextmanager
def _database(server: str, tmp: str):
    """A scratch database: a new one on the PostgreSQL server given, else a SQLite file."""
    if not server.startswith("postgres"):
        yield f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        return
    base = make_url(normalize_url(server))
    name = f"hubqbo_fuzz_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _stop(*_args) -> None:
    """SIGTERM ends serve_forever like Ctrl-C."""
    raise KeyboardInterrupt


def main() -> None:
    """Seed, write the context file, serve until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--context", required=True)
    parser.add_argument("--database", default="", help="a PostgreSQL server URL (else SQLite)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="hubqbo-fuzz-") as tmp,
        _database(args.database, tmp) as url,
    ):
        app, context = build(args.port, url)
        server = make_server("127.0.0.1", args.port, app, threaded=True)
        Path(args.context).write_text(json.dumps(context))
        signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            app.extensions["hubqbo"].db.dispose()


if __name__ == "__main__":
    main()
