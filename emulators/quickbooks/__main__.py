"""Run the emulator as a server: ``python -m emulators.quickbooks --port 8002 --seed``."""

from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from .emulator import QuickBooksEmulator

US_REALM = "9130350000000001"
CA_REALM = "9130350000000002"


def main(argv: list[str] | None = None) -> None:
    """Parse options, build the emulator and serve it until interrupted."""
    parser = argparse.ArgumentParser(description="QuickBooks Online API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--seed", action="store_true",
                        help=f"create a US company ({US_REALM}) and a CA company ({CA_REALM})")
    parser.add_argument("--client-id", default=os.environ.get("QBO_CLIENT_ID", "qbo-client"))
    parser.add_argument("--client-secret",
                        default=os.environ.get("QBO_CLIENT_SECRET", "qbo-secret"))
    options = parser.parse_args(argv)
    emulator = QuickBooksEmulator(options.client_id, options.client_secret)
    if options.seed:
        emulator.add_company(US_REALM, "Demo US LLC", country="US")
        emulator.add_company(CA_REALM, "Demo CA Ltd", country="CA")
    run_simple(options.host, options.port, emulator.app, threaded=True)


if __name__ == "__main__":
    main()
