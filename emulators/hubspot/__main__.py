"""Run the HubSpot emulator as its own process: python -m emulators.hubspot --seed."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading

from emulators.server import serve_in_thread

from .emulator import HubSpotEmulator
from .seed import seed_demo


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, optionally seed demo data, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m emulators.hubspot",
                                     description="HubSpot API emulator")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--seed", action="store_true", help="create the demo portal and data")
    parser.add_argument("--client-id", default="hs-client")
    parser.add_argument("--client-secret", default="hs-secret")
    parser.add_argument("--app-id", type=int, default=424242)
    parser.add_argument("--developer-api-key", default="dev-key")
    parser.add_argument("--static-token", help="register a private-app token for the portal")
    args = parser.parse_args(argv)

    emu = HubSpotEmulator(client_id=args.client_id, client_secret=args.client_secret,
                          app_id=args.app_id, developer_api_key=args.developer_api_key)
    summary: dict = {}
    if args.seed:
        summary["seed"] = seed_demo(emu)
        if args.static_token:
            emu.add_static_token(summary["seed"]["portal_id"], args.static_token)
    server = serve_in_thread(emu.app, port=args.port)
    summary["url"] = server.url
    print(json.dumps(summary, indent=2, ensure_ascii=False), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
