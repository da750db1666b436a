"""Stream the dashboard's CSV export of 100,000 executions and report peak memory and speed.

    .venv/bin/python benchmarks/csv_export.py              # SQLite in a temp folder
    .venv/bin/python benchmarks/csv_export.py --rows 20000
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/csv_export.py          # an existing, empty PostgreSQL db

Seeding runs in a child process so its memory does not count. The export then runs through the
real view (GET /executions.csv, signed in) and the peak resident set size (VmHWM, reset just
before the export) is compared with the RSS before it. For contrast, a second child loads the
same rows into a list the way a non-streaming export would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from executions import ledger  # noqa: E402
from settings import Settings  # noqa: E402
from store import migrate, reports, utcnow  # noqa: E402
from store.cipher import new_key  # noqa: E402
from store.reports import ExecutionFilter  # noqa: E402

PORTAL = 4242001
BATCH = 5000
RESULTS = ("created", "created", "created", "existing", "skipped", "failed")


def status_kib(field: str) -> int:
    """A /proc/self/status memory figure (VmRSS, VmHWM) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def make_app(url: str):
    """The real app on this database, in testing mode (no secrets needed)."""
    settings = Settings(database_url=url, secret_key="bench", testing=True,
                        token_encryption_keys=(new_key(),))  # fmt: skip
    return create_app(settings)


def seed(url: str, rows: int) -> None:
    """Insert ``rows`` realistic ledger rows for one portal (bulk, in batches)."""
    runtime = make_app(url).extensions["hubqbo"]
    rng = random.Random(7)
    now = utcnow()
    for start in range(0, rows, BATCH):
        batch = []
        for n in range(start, min(rows, start + BATCH)):
            result = RESULTS[n % len(RESULTS)]
            failed = result == "failed"
            batch.append({
                "portal_id": PORTAL, "callback_id": f"ap-{PORTAL}-{n}-0",
                "action": "create-invoice", "object_type": "deals",
                "object_id": str(10_000_000 + n), "realm_id": "9130350000000001",
                "payload": {"object": {"objectId": 10_000_000 + n, "objectType": "DEAL",
                                       "properties": {"dealname": f"Deal {n}",
                                                      "amount": "1250.00"}}},
                "inputs": {"payment_terms": "3", "send_email": "false"},
                "status": "failed" if failed else "succeeded", "result": result,
                "outputs": {"result": result, "qbo_url": "" if failed else
                            f"https://app.qbo.intuit.com/app/invoice?txnId={n}"},
                "error_code": "UNMATCHED_PRODUCTS" if failed else "",
                "error_message": "Line 'Widget' matches no QuickBooks item" if failed else "",
                "qbo_id": "" if failed else str(n), "qbo_doc_number": "" if failed else f"{n}",
                "qbo_total": "" if failed else f"{rng.randint(100, 99999) / 100:.2f}",
                "attempts": 1, "generation": 0, "progress": {}, "trace": {},
                "callback_completed": False, "lease_expires_at": None,
                "created_at": now - timedelta(seconds=n * 25), "updated_at": now,
                "finished_at": now - timedelta(seconds=n * 25),
            })  # fmt: skip
        ledger.insert_rows(runtime.db, batch)
    runtime.db.dispose()


def export(url: str) -> dict:
    """Stream GET /executions.csv and measure it."""
    app = make_app(url)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["portal_ids"], sess["portal_id"] = [PORTAL], PORTAL
    client.get("/executions?page=2")  # warm imports, templates and the connection pool
    before = status_kib("VmRSS")
    resettable = reset_peak()
    samples, lines, size = [], 0, 0
    started = time.perf_counter()
    response = client.get("/executions.csv")
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        if len(samples) < lines // 10_000:
            samples.append(status_kib("VmRSS"))
    response.close()
    seconds = time.perf_counter() - started
    peak = status_kib("VmHWM") if resettable else None
    app.extensions["hubqbo"].db.dispose()
    return {"rows": lines - 1, "bytes": size, "seconds": seconds, "rss_before_kib": before,
            "peak_kib": peak, "samples_kib": samples}  # fmt: skip


def load_all(url: str, rows: int) -> dict:
    """What a non-streaming export would hold: every row loaded at once (for contrast)."""
    runtime = make_app(url).extensions["hubqbo"]
    before = status_kib("VmRSS")
    reset_peak()
    loaded = reports.list_executions(runtime.db, ExecutionFilter((PORTAL,)), 0, rows)
    peak = status_kib("VmHWM")
    count = len(loaded)
    del loaded
    runtime.db.dispose()
    return {"rows": count, "rss_before_kib": before, "peak_kib": peak}


def child(step: str, url: str, rows: int) -> dict:
    """Run one step in a fresh interpreter and return its JSON answer."""
    command = [sys.executable, __file__, "--step", step, "--url", url, "--rows", str(rows)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Seed, export and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--step", choices=("seed", "export", "load-all"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        steps = {"seed": lambda: seed(args.url, args.rows) or {},
                 "export": lambda: export(args.url),
                 "load-all": lambda: load_all(args.url, args.rows)}  # fmt: skip
        print(json.dumps(steps[args.step]()))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        started = time.perf_counter()
        child("seed", url, args.rows)
        print(f"seeded {args.rows:,} executions in {time.perf_counter() - started:.1f} s "
              f"({url.split('://')[0]})")  # fmt: skip
        result = child("export", url, args.rows)
        contrast = child("load-all", url, args.rows)
    mib = 1024
    growth = (result["peak_kib"] - result["rss_before_kib"]) / mib
    print(
        f"CSV export: {result['rows']:,} rows, {result['bytes'] / 1e6:.1f} MB in "
        f"{result['seconds']:.2f} s = {result['rows'] / result['seconds']:,.0f} rows/s"
    )
    print(
        f"  RSS before {result['rss_before_kib'] / mib:.1f} MiB, peak during export "
        f"{result['peak_kib'] / mib:.1f} MiB (+{growth:.1f} MiB)"
    )
    print(
        "  RSS every 10,000 rows (MiB): "
        + " ".join(f"{s / mib:.1f}" for s in result["samples_kib"])
    )
    print(
        f"Contrast, loading all {contrast['rows']:,} rows at once: peak "
        f"{contrast['peak_kib'] / mib:.1f} MiB "
        f"(+{(contrast['peak_kib'] - contrast['rss_before_kib']) / mib:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
