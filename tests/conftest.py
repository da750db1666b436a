"""Fixtures: a migrated database (SQLite, or PostgreSQL via DATABASE_URL), the app, signing."""

from __future__ import annotations

import base64
import gc
import json
import os
import uuid

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from app import create_app
from settings import Settings
from store import metadata, migrate, normalize_url
from tests.support.signing import HUBSPOT_SECRET, PUBLIC_BASE, signed_headers

# Fixed, not generated: every xdist worker and subprocess must read the same tokens.
TOKEN_KEY = base64.urlsafe_b64encode(b"hubqbo-test-suite-fernet-key-32b").decode()


def _reuse_url_builders() -> None:
    """Compile each URL rule's builder once per test process, not once per app.

    Tests build a fresh app (and emulator apps) per test; werkzeug generates and compiles two
    Python functions for every URL rule of every app, half of what building an app costs.
    A builder is a function of the rule's text and parts (and the names of its defaults),
    taking the rule as its first argument, so apps with the same rules can share it; state
    stays per app. A default that werkzeug folds into the URL is compiled afresh.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another werkzeug: compile as it does
        return
    builders: dict[tuple, object] = {}

    def shared_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace), tuple(defaults))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared_builder


_reuse_url_builders()


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process and shared by every app built in it.

    Jinja keys each entry by template name and checks the source's checksum on load, so an
    edited template is compiled again; each app still loads and renders its own copy.
    """

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        """Fill the bucket with the compiled template, if this process compiled it before."""
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        """Keep a template this process just compiled."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A freshly migrated scratch database for this test session."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate.upgrade(url)
        yield url
        return
    server = make_url(normalize_url(base))
    scratch = f"hubqbo_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    url = server.set(database=scratch).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    """Testing settings pointing at the scratch database."""
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key",
        token_encryption_keys=(TOKEN_KEY,),
        public_base_url=PUBLIC_BASE,
        hubspot_client_id="hs-client",
        hubspot_client_secret=HUBSPOT_SECRET,
        quickbooks_client_id="qbo-client",
        quickbooks_client_secret="qbo-secret",
        testing=True,
        duplicate_wait_seconds=0.0,
        client_backoff=0.01,
        # Queue mode: a worker (a burst ending, a warm shutdown) stops in 0.05 s, not 1 s.
        worker_command_poll_seconds=0.05,
    )


@pytest.fixture
def app(settings):
    """The app with an empty database."""
    application = create_app(settings)
    application.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    runtime = application.extensions["hubqbo"]
    with runtime.db.engine.begin() as conn:
        # Plain DELETE strings: each test's new engine would compile the statements again.
        quote = conn.dialect.identifier_preparer.format_table
        for table in reversed(metadata().sorted_tables):
            conn.exec_driver_sql(f"DELETE FROM {quote(table)}")
    yield application
    # The status settler may be settling this test's webhooks: stop it before the database goes.
    application.extensions["status_settler"].stop()
    runtime.db.dispose()


@pytest.fixture
def runtime(app):
    """The app's Runtime (database, cipher, client factories)."""
    return app.extensions["hubqbo"]


@pytest.fixture
def post_signed(client):
    """POST a JSON body (or raw bytes) with a valid v3 signature."""

    def post(path: str, payload, **kwargs):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return client.post(path, data=body, headers=signed_headers(path, body, **kwargs))

    return post


@pytest.fixture(scope="session")
def _hubspot_served():
    """One HubSpot emulator served on a loopback port for the whole run (reset per test)."""
    from emulators.hubspot import HubSpotEmulator
    from emulators.server import serve_in_thread

    emulator = HubSpotEmulator(client_id="hs-client", client_secret=HUBSPOT_SECRET,
                               app_id=424242, developer_api_key="dev-key")
    server = serve_in_thread(emulator.app)
    emulator.url = server.url
    yield emulator
    server.stop()


@pytest.fixture(scope="session")
def _quickbooks_served():
    """One QuickBooks Online emulator served on a loopback port for the whole run."""
    from emulators.quickbooks import QuickBooksEmulator
    from emulators.server import serve_in_thread

    emulator = QuickBooksEmulator(client_id="qbo-client", client_secret="qbo-secret")
    server = serve_in_thread(emulator.app)
    emulator.url = server.url
    yield emulator
    server.stop()


@pytest.fixture
def hubspot(_hubspot_served):
    """The HubSpot emulator, as new: no portal, token, definition, fault or call."""
    _hubspot_served.reset()
    return _hubspot_served


@pytest.fixture
def quickbooks(_quickbooks_served):
    """The QuickBooks Online emulator, as new: no company, token, fault or call."""
    from actions import lookups

    _quickbooks_served.reset()
    # Same URL, new companies: what this process cached of the old ones must go too.
    lookups.forget_all()
    return _quickbooks_served


@pytest.fixture
def world(app, runtime, hubspot, quickbooks):
    """The app pointed at both emulators, with portal 1000001 installed (no company yet)."""
    from sandbox import pointed_at_emulators
    from tests.support.world import World

    runtime.settings = pointed_at_emulators(runtime.settings, hubspot.url, quickbooks.url)
    w = World(app=app, runtime=runtime, hubspot=hubspot, quickbooks=quickbooks)
    w.install_portal()
    return w


def pytest_collection_finish(session):
    """Fewer, cheaper garbage collections in each test process.

    Full collections walked everything collection imported (the app and its libraries, some
    200,000 objects) a dozen times a process, about 4 s of each worker's CPU: frozen, they are
    left out. Tests allocate heavily, so the youngest generation is collected every 20,000
    allocations rather than 700. Reference counting frees objects as before; only cycles wait.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
