"""Bulk enrolment benchmark: N deals into one QuickBooks company, inline or queue mode.

    .venv/bin/python benchmarks/bulk.py --mode queue --n 1000 --workers 4
    .venv/bin/python benchmarks/bulk.py --mode inline --n 300

It starts the QuickBooks emulator as its own process (limits 10/s and 500/min, 100 ms latency,
set through its /_emulator/config API), the HubSpot emulator in this process, the server (web
processes under gunicorn, plus N `jobs.queue.run_worker` processes in queue mode), seeds a
portal with deals, line items and contacts, enrols every deal concurrently through the HubSpot
emulator's WorkflowDriver (which honours 429 + Retry-After and re-sends on 5xx), and prints the
figures described in docs/benchmark.md. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import store  # noqa: E402
from executions import ledger  # noqa: E402
from settings import Settings  # noqa: E402
from store import Portal, QuickBooksConnection, migrate, utcnow  # noqa: E402
from store.cipher import new_key  # noqa: E402

PORTAL_ID = 1000001
REALM = "9130350000000001"
HUBSPOT_SECRET = "bench-hubspot-secret"
TEST_SLUG = "test-create-customer"  # tests/support/queue.py: one QBO create per execution


# --- roles: this script also runs as the web server and as a queue worker -------------------


def settings_from(raw: str) -> Settings:
    """Rebuild Settings from the JSON the orchestrator passed."""
    data = json.loads(raw)
    tuples = {f.name for f in dataclasses.fields(Settings) if str(f.type).startswith("tuple")}
    return Settings(**{k: tuple(v) if k in tuples else v for k, v in data.items()})


def build_app(settings: Settings, action: str):
    """The product's app (plus the test action when asked for it)."""
    from app import create_app

    if action == TEST_SLUG:
        from actions import ACTIONS
        from tests.support.queue import register_test_action

        register_test_action(ACTIONS)
    return create_app(settings)


class TimedApp:
    """WSGI middleware: the server's time per request, split into API, budget wait and own."""

    def __init__(self, app, sink: Path):
        self.app = app
        self.sink = sink
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        from jobs.tasks import Stopwatch

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        statuses: list[str] = []

        def capture(status, headers, exc_info=None):
            statuses.append(status)
            return start_response(status, headers, exc_info)

        watch = Stopwatch()
        result = self.app(environ, capture)
        try:
            data = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        timing = watch.read()
        try:
            callback = json.loads(body).get("callbackId", "")
        except ValueError:
            callback = ""
        line = json.dumps({"callback": callback, "status": statuses[0][:3], **timing})
        with self.lock, self.sink.open("a") as out:
            out.write(line + "\n")
        return [data]


def run_web(args) -> None:
    """Serve the app under gunicorn (2 workers x 8 threads, as the Procfile's web)."""
    from gunicorn.app.base import BaseApplication

    settings = settings_from(args.settings)

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"127.0.0.1:{args.port}", "workers": args.web_workers,
                               "threads": args.web_threads, "timeout": 120,
                               "loglevel": "warning", "accesslog": None}.items():
                self.cfg.set(key, value)

        def load(self):
            # Built in each worker after the fork, so no database pool crosses it.
            sink = Path(args.timings) / f"web-{os.getpid()}.jsonl"
            return TimedApp(build_app(settings, args.action), sink)

    Server().run()


def run_queue_worker(args) -> None:
    """One queue worker: the loop `flask --app app worker` runs."""
    from jobs import queue

    app = build_app(settings_from(args.settings), args.action)
    queue.run_worker(app, name=f"bench-{os.getpid()}")


# --- the orchestrator ---------------------------------------------------------------------


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    """Poll a URL until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def scratch_database(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database for the run (a scratch PostgreSQL database, or a SQLite file)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not url.startswith("postgres"):
        path = Path(tempfile.mkdtemp(prefix="hubqbo-bench-")) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    server = make_url(store.normalize_url(url))
    name = f"hubqbo_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def seed_hubspot(emu, n: int, customers: int) -> list[str]:
    """A portal with ``customers`` contacts (each with a company) and n deals of two lines."""
    from emulators.hubspot.seed import PRODUCTS

    portal = emu.add_portal(PORTAL_ID, name="Bench Co", currency="USD")
    products = {role: portal.create("products", PRODUCTS[role])
                for role in ("consulting", "implementation")}  # fmt: skip
    people = []
    for c in range(customers):
        contact = portal.create("contacts", {"firstname": "Buyer", "lastname": f"No{c}",
                                             "email": f"buyer{c}@bench.example"})  # fmt: skip
        company = portal.create("companies", {"name": f"Bench Customer {c} Ltd"})
        portal.associate("contacts", contact, "companies", company, type_id=1)
        people.append((contact, company))
    deals = []
    for d in range(n):
        contact, company = people[d % customers]
        qty = 1 + d % 5
        lines = [("consulting", qty, "150.00"), ("implementation", 1, "2500.00")]
        total = sum(q * float(p) for _, q, p in lines)
        deal = portal.create("deals", {"dealname": f"Bench deal {d}", "amount": f"{total:.2f}",
                                       "deal_currency_code": "USD"})  # fmt: skip
        for role, q, price in lines:
            spec = PRODUCTS[role]
            item = portal.create("line_items", {
                "name": spec["name"], "hs_sku": spec["hs_sku"], "quantity": str(q),
                "price": price, "amount": f"{q * float(price):.2f}",
                "hs_product_id": products[role]})  # fmt: skip
            portal.associate("deals", deal, "line_items", item)
        portal.associate("deals", deal, "contacts", contact)
        portal.associate("deals", deal, "companies", company, type_id=5)
        deals.append(deal)
    return deals


def floor_seconds(calls: int, latency: float, per_second: int = 10,
                  per_minute: int = 500) -> float:
    """The least time QuickBooks' sliding windows allow for this many calls (plus one latency)."""
    if calls <= 0:
        return 0.0
    starts: list[float] = []
    for i in range(calls):
        t = 0.0
        if i >= per_second:
            t = max(t, starts[i - per_second] + 1.0)
        if i >= per_minute:
            t = max(t, starts[i - per_minute] + 60.0)
        starts.append(t)
    return starts[-1] + latency


def window_floor(calls: int, limit: int, span: float) -> float:
    """The least time a limit of ``limit`` calls in any ``span`` seconds allows for ``calls``."""
    return 0.0 if calls <= limit else ((calls - 1) // limit) * span


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Bench:
    """One run: emulators, server processes, data, the enrolment, the figures."""

    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="hubqbo-bench-"))
        self.timings = self.work / "timings"
        self.timings.mkdir()
        self.processes: list[subprocess.Popen] = []
        self.cleanups: list = []

    def spawn(self, argv: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        """A child process logging to a file in the work directory."""
        log = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})  # fmt: skip
        log.close()  # the child holds its own descriptor
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """Stop every child (SIGTERM, then SIGKILL after 15 s) and drop scratch data."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # report and go on: the figures are printed already
                print(f"clean-up failed: {exc}", file=sys.stderr)

    def start_quickbooks(self) -> str:
        """The QuickBooks emulator process, limited and slowed as the run asks."""
        port = free_port()
        self.spawn([sys.executable, "-m", "emulators.quickbooks", "--port", str(port)],
                   "quickbooks")  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/_emulator/config")
        a = self.args
        requests.post(f"{url}/_emulator/config", json={
            "per_second": a.qbo_per_second, "per_minute": a.qbo_per_minute,
            "latency_seconds": a.latency}, timeout=10).raise_for_status()  # fmt: skip
        requests.post(f"{url}/_emulator/companies", json={
            "realm_id": REALM, "name": "Bench US LLC", "country": "US"},
            timeout=10).raise_for_status()  # fmt: skip
        return url

    def run(self) -> dict:
        """Everything, start to figures."""
        from emulators.hubspot import HubSpotEmulator
        from emulators.server import serve_in_thread

        a = self.args
        qbo_url = self.start_quickbooks()
        hubspot = HubSpotEmulator(client_id="hs-client", client_secret=HUBSPOT_SECRET)
        hubspot.config.rate_limit = a.hubspot_per_window  # per 10 s, per portal
        hs_server = serve_in_thread(hubspot.app)
        self.cleanups.append(hs_server.stop)
        deals = seed_hubspot(hubspot, a.n, a.customers)

        database_url, drop = scratch_database(a.database_url)
        self.cleanups.append(drop)
        migrate.upgrade(database_url)
        prefix = f"hubqbo-bench-{uuid.uuid4().hex[:8]}"
        web_port = free_port()
        server_url = f"http://127.0.0.1:{web_port}"
        settings = Settings(
            database_url=database_url, redis_url=a.redis_url if a.mode == "queue" else "",
            secret_key="bench", token_encryption_keys=(new_key(),), public_base_url=server_url,
            hubspot_client_id="hs-client", hubspot_client_secret=HUBSPOT_SECRET,
            hubspot_api_base=hs_server.url, quickbooks_client_id="qbo-client",
            quickbooks_client_secret="qbo-secret", quickbooks_api_base=qbo_url,
            quickbooks_token_url=f"{qbo_url}/oauth2/v1/tokens/bearer",
            redis_prefix=prefix,
            **({"rate_margin_seconds": a.rate_margin} if a.rate_margin is not None else {}),
        )  # fmt: skip
        self.connect(settings, hubspot, qbo_url)
        if a.mode == "queue":
            self.cleanups.append(lambda: self.forget_redis(a.redis_url, prefix))
        raw = json.dumps(dataclasses.asdict(settings))
        role = [sys.executable, str(Path(__file__).resolve()), "--settings", raw,
                "--action", a.action, "--timings", str(self.timings)]  # fmt: skip
        self.spawn([*role, "--role", "web", "--port", str(web_port),
                    "--web-workers", str(a.web_workers), "--web-threads", str(a.web_threads)],
                   "web", env={"WEB_CONCURRENCY": str(a.web_workers)})  # fmt: skip
        if a.mode == "queue":
            for w in range(a.workers):
                self.spawn([*role, "--role", "worker"], f"worker-{w}")
        wait_until_up(f"{server_url}/healthz")
        self.warm_up(qbo_url)
        requests.delete(f"{qbo_url}/_emulator/calls", timeout=10)
        hubspot.reset_calls()
        before = self.transactions(qbo_url)

        started = time.time()
        deliveries = self.enrol(hubspot, server_url, deals)
        ended = self.settle(hubspot, deliveries, started)
        time.sleep(1.0)  # let the last completions' bookkeeping land
        return self.figures(settings, hubspot, qbo_url, deliveries, started, ended, before)

    def connect(self, settings: Settings, hubspot, qbo_url: str) -> None:
        """Store the portal's and the company's tokens as an install and a connect would."""
        from store.cipher import TokenCipher

        db = store.Database(settings.database_url)
        cipher = TokenCipher(settings.token_encryption_keys)
        hs = hubspot.issue_tokens(PORTAL_ID)
        store.save(db, Portal(id=PORTAL_ID, name="Bench Co",
                              access_token=cipher.encrypt(hs["access_token"]),
                              refresh_token=cipher.encrypt(hs["refresh_token"]),
                              token_expires_at=utcnow() + timedelta(seconds=1800)))  # fmt: skip
        qbo = requests.post(f"{qbo_url}/_emulator/tokens/{REALM}", timeout=10).json()
        store.save(db, QuickBooksConnection(
            portal_id=PORTAL_ID, realm_id=REALM, company_name="Bench US LLC", country="US",
            home_currency="USD", tax_mode="automated",
            access_token=cipher.encrypt(qbo["access_token"]),
            refresh_token=cipher.encrypt(qbo["refresh_token"]),
            access_expires_at=utcnow() + timedelta(seconds=3600)))  # fmt: skip
        db.dispose()

    def warm_up(self, qbo_url: str) -> None:
        """One call first: the emulator loads its schemas lazily, which would skew the start."""
        token = requests.post(f"{qbo_url}/_emulator/tokens/{REALM}", timeout=10).json()
        requests.get(f"{qbo_url}/v3/company/{REALM}/companyinfo/{REALM}", timeout=30,
                     headers={"Authorization": f"Bearer {token['access_token']}",
                              "Accept": "application/json"})  # fmt: skip
        requests.post(f"{qbo_url}/v3/company/{REALM}/customer", timeout=30,
                      json={"DisplayName": f"Warm-up {uuid.uuid4().hex[:6]}"},
                      headers={"Authorization": f"Bearer {token['access_token']}",
                               "Accept": "application/json"})  # fmt: skip
        time.sleep(1.5)  # out of the emulator's per-second window again

    def enrol(self, hubspot, server_url: str, deals: list[str]) -> list:
        """Deliver every deal's execution concurrently, as HubSpot's workflow engine does."""
        from emulators.hubspot.workflows import WorkflowDriver

        a = self.args
        driver = WorkflowDriver(hubspot, PORTAL_ID, server_url, max_attempts=a.max_attempts,
                                retry_after_cap=60.0, request_timeout=120.0)  # fmt: skip
        inputs = json.loads(a.inputs)

        def one(deal_id):
            return driver.execute(a.action, "DEAL", deal_id, inputs)

        with concurrent.futures.ThreadPoolExecutor(a.concurrency) as pool:
            return list(pool.map(one, deals))

    def settle(self, hubspot, deliveries: list, started: float) -> float:
        """Wait for the callbacks of BLOCKed deliveries; returns when the last outcome came."""
        waiting = {d.callback_id for d in deliveries if d.state == "BLOCK"}
        ended = time.time()
        deadline = time.monotonic() + self.args.timeout
        while waiting and time.monotonic() < deadline:
            done = {c["callbackId"]: c["at"] for c in hubspot.completions}
            for d in deliveries:
                if d.callback_id in waiting and d.callback_id in done:
                    d.state = "COMPLETED"
                    ended = max(ended, done[d.callback_id])
                    waiting.discard(d.callback_id)
            time.sleep(0.2)
        return ended

    def transactions(self, qbo_url: str) -> dict[str, list]:
        """The company's transactions of the kinds the actions create (and test customers)."""
        kinds = ("Invoice", "Estimate", "SalesReceipt", "Payment", "Purchase", "RefundReceipt",
                 "Customer")  # fmt: skip
        found = {}
        for kind in kinds:
            answer = requests.get(f"{qbo_url}/_emulator/companies/{REALM}/entities/{kind}",
                                  timeout=30)  # fmt: skip
            found[kind] = answer.json().get(kind, [])
        return found

    def figures(self, settings, hubspot, qbo_url, deliveries, started, ended, before) -> dict:
        """Count calls, outcomes, duplicates, losses and server time."""
        a = self.args
        n = len(deliveries)
        calls = requests.get(f"{qbo_url}/_emulator/calls", timeout=60).json()["calls"]
        (self.work / "quickbooks-calls.json").write_text(json.dumps(calls))
        api = [c for c in calls if c["path"].startswith("/v3/company/")]
        admitted = [c for c in api if c["status"] != 429]
        hs_calls = [c for c in hubspot.calls]
        floor = floor_seconds(len(admitted), a.latency, a.qbo_per_second, a.qbo_per_minute)
        wall = ended - started
        hs_floor = window_floor(len(hs_calls), a.hubspot_per_window, 10.0)
        qbo_kinds = quickbooks_reads_and_writes(admitted)
        db = store.Database(settings.database_url)
        rows = {r.callback_id: r for r in all_executions(db)}
        links = store_links(db)
        db.dispose()
        after = self.transactions(qbo_url)
        new = {k: len(after[k]) - len(before[k]) for k in after}
        created_records = sum(1 for r in rows.values() if r.result == "created")
        records_with_links: dict[str, int] = {}
        for link in links:
            records_with_links[link] = records_with_links.get(link, 0) + 1
        txn_kinds = [k for k in new if k != "Customer"] if a.action != TEST_SLUG else ["Customer"]
        new_txns = sum(new[k] for k in txn_kinds)
        duplicates = max(0, new_txns - created_records) + sum(
            count - 1 for count in records_with_links.values() if count > 1)
        final = {"SUCCESS", "FAIL_CONTINUE", "COMPLETED"}
        lost = [d.callback_id for d in deliveries if d.state not in final
                or not (rows.get(d.callback_id) and rows[d.callback_id].finished)]  # fmt: skip
        completions = {}
        for c in hubspot.completions:
            completions[c["callbackId"]] = completions.get(c["callbackId"], 0) + 1
        server = self.server_times(settings)
        outcomes: dict[str, int] = {}
        for r in rows.values():
            key = r.result if r.result != "failed" else f"failed:{r.error_code}"
            outcomes[key or r.status] = outcomes.get(key or r.status, 0) + 1
        return {
            "mode": a.mode, "n": n, "workers": a.workers if a.mode == "queue" else 0,
            "action": a.action, "wall_seconds": round(wall, 2),
            "qbo_calls": len(admitted), "qbo_429s": len(api) - len(admitted),
            "qbo_floor_seconds": round(floor, 2),
            "ratio_to_floor": round(wall / floor, 3) if floor else None,
            "qbo_calls_per_execution": round(len(admitted) / n, 3),
            "qbo_reads_per_execution": round(qbo_kinds["reads"] / n, 3),
            "qbo_creates_per_execution": round(qbo_kinds["creates"] / n, 3),
            "qbo_batches_per_execution": round(qbo_kinds["batches"] / n, 3),
            "hubspot_floor_seconds": round(hs_floor, 2),
            "ratio_to_hubspot_floor": round(wall / hs_floor, 3) if hs_floor else None,
            "qbo_calls_by_kind": quickbooks_kinds(admitted),
            "hubspot_calls_per_execution": round(len(hs_calls) / n, 3),
            "hubspot_calls_by_kind": hubspot_kinds(hs_calls),
            "hubspot_429s": sum(1 for c in hs_calls if c.get("status") == 429),
            "429s_answered_to_hubspot": sum(1 for d in deliveries for t in d.history
                                            if t.status == 429),  # fmt: skip
            "server_ms_p50": round(percentile(server["total"], 50), 1),
            "server_ms_p95": round(percentile(server["total"], 95), 1),
            "own_ms_p50": round(percentile(server["own"], 50), 1),
            "own_ms_p95": round(percentile(server["own"], 95), 1),
            "deliveries_sent": sum(d.attempts for d in deliveries),
            "duplicates": duplicates, "lost": len(lost),
            "duplicate_completions": sum(c - 1 for c in completions.values() if c > 1),
            "outcomes": outcomes, "new_qbo_entities": new, "logs": str(self.work),
        }

    def server_times(self, settings) -> dict[str, list[float]]:
        """Per execution: the web requests' time plus (queue mode) the workers' time."""
        total: dict[str, float] = {}
        own: dict[str, float] = {}
        for path in self.timings.glob("*.jsonl"):
            for line in path.read_text().splitlines():
                t = json.loads(line)
                if t["callback"]:
                    total[t["callback"]] = total.get(t["callback"], 0) + t["total_ms"]
                    own[t["callback"]] = own.get(t["callback"], 0) + t["own_ms"]
        if settings.redis_url:
            for callback, t in worker_timings(settings).items():
                total[callback] = total.get(callback, 0) + t["total_ms"]
                own[callback] = own.get(callback, 0) + t["own_ms"]
        return {"total": list(total.values()), "own": list(own.values())}

    @staticmethod
    def forget_redis(url: str, prefix: str) -> None:
        """Delete this run's keys (ours and RQ's for the run's queue) and nothing else."""
        from redis import Redis

        from tests.support.queue import forget

        client = Redis.from_url(url)
        forget(client, prefix)
        client.close()


def worker_timings(settings) -> dict[str, dict]:
    """The per-execution timings workers left on their finished RQ jobs, by callbackId."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    client = Redis.from_url(settings.redis_url)
    queue = Queue(settings.redis_prefix, connection=client)
    ids = FinishedJobRegistry(queue=queue).get_job_ids()
    db = store.Database(settings.database_url)
    by_id: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        for job in Job.fetch_many(ids[start:start + 500], connection=client):
            for execution_id, t in ((job.meta or {}).get("timings") or {}).items() if job else ():
                seen = by_id.setdefault(int(execution_id), {"total_ms": 0.0, "own_ms": 0.0})
                seen["total_ms"] += t["total_ms"]
                seen["own_ms"] += t["own_ms"]
    rows = ledger.by_ids(db, list(by_id))
    db.dispose()
    client.close()
    return {r.callback_id: by_id[r.id] for r in rows}


def all_executions(db) -> list:
    """Every ledger row of the run."""
    from sqlmodel import select

    from store import Execution

    with db.session() as s:
        return list(s.exec(select(Execution)).all())


def store_links(db) -> list[str]:
    """One key per transaction link (record and action), to find records booked twice."""
    from sqlmodel import select

    from store import TransactionLink

    with db.session() as s:
        return [f"{link.action}:{link.object_type}:{link.object_id}"
                for link in s.exec(select(TransactionLink)).all()]  # fmt: skip


def hubspot_kinds(calls: list[dict]) -> dict[str, int]:
    """HubSpot calls counted by what they did (completions, CRM reads, associations...)."""
    kinds: dict[str, int] = {}
    for call in calls:
        path = call.get("path", "")
        if "/callbacks/complete" in path:
            kind = "complete_batch"
        elif "/callbacks/" in path:
            kind = "complete_one"
        elif "/associations" in path:
            kind = "associations"
        elif "/batch/read" in path:
            kind = "batch_read"
        elif "/crm/" in path:
            kind = "crm_read"
        else:
            kind = "other"
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def quickbooks_kinds(calls: list[dict]) -> dict[str, int]:
    """QuickBooks calls counted by resource (invoice, customer, query, batch...)."""
    kinds: dict[str, int] = {}
    for call in calls:
        parts = call.get("path", "").split("/")  # /v3/company/<realm>/<resource>/...
        kind = parts[4] if len(parts) > 4 else "other"
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def quickbooks_reads_and_writes(calls: list[dict]) -> dict[str, int]:
    """QuickBooks calls split into metered reads (GET, queries), creates (POST) and batches."""
    kinds = {"reads": 0, "creates": 0, "batches": 0}
    for call in calls:
        resource = (call.get("path", "").split("/") + [""] * 5)[4]
        if resource == "batch":
            kinds["batches"] += 1
        elif call.get("method") == "GET" or resource == "query":
            kinds["reads"] += 1
        else:
            kinds["creates"] += 1
    return kinds


def report(figures: dict) -> None:
    """Print the figures, one per line."""
    print(json.dumps(figures, indent=2))


def main(argv: list[str] | None = None) -> None:
    """Parse options and run the benchmark (or one of its roles)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("inline", "queue"), default="queue")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="queue workers (processes)")
    parser.add_argument("--action", default="create-invoice",
                        help=f"action slug; {TEST_SLUG} books one customer per execution")
    parser.add_argument("--inputs", default="{}", help="the action's inputFields (JSON)")
    parser.add_argument("--customers", type=int, default=50, help="distinct buyers")
    parser.add_argument("--concurrency", type=int, default=32, help="deliveries in flight")
    parser.add_argument("--latency", type=float, default=0.1, help="QBO latency (s)")
    parser.add_argument("--qbo-per-second", type=int, default=10)
    parser.add_argument("--qbo-per-minute", type=int, default=500)
    parser.add_argument("--hubspot-per-window", type=int, default=110,
                        help="HubSpot emulator requests per 10 s per portal")
    parser.add_argument("--rate-margin", type=float, default=None,
                        help="the server's rate_margin_seconds (default: the product's)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--max-attempts", type=int, default=100,
                        help="deliveries per execution before the driver gives up")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server URL (a scratch database is made); else SQLite")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL",
                                                              "redis://127.0.0.1:6379/0"))
    # Internal: the roles this script plays as a child process.
    parser.add_argument("--role", choices=("web", "worker"), help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--timings", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "web":
        return run_web(args)
    if args.role == "worker":
        return run_queue_worker(args)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's access log
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop children, drop data
    bench = Bench(args)
    try:
        report(bench.run())
    finally:
        bench.stop()


if __name__ == "__main__":
    main()
