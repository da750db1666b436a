"""A queue worker for subprocess tests: the product's worker loop plus the test-only action.

The product has no test hooks: this script builds the app from the test's settings, registers
the test action the way the test process does (monkeypatch doesn't cross a process boundary),
and runs the same `jobs.queue.run_worker` that `flask --app app worker` runs.
"""

from __future__ import annotations

import dataclasses
import json
import sys


def settings_to_json(settings) -> str:
    """The settings a subprocess worker should build its app from."""
    return json.dumps(dataclasses.asdict(settings))


def main() -> None:
    """Run one worker: argv[1] = settings JSON, argv[2] = "burst" or "serve"."""
    from actions import ACTIONS
    from app import create_app
    from jobs import queue
    from settings import Settings
    from tests.support.queue import register_test_action

    raw = json.loads(sys.argv[1])
    tuples = {f.name for f in dataclasses.fields(Settings) if f.type.startswith("tuple")}
    settings = Settings(**{k: tuple(v) if k in tuples else v for k, v in raw.items()})
    register_test_action(ACTIONS)
    app = create_app(settings)
    try:
        queue.run_worker(app, burst=sys.argv[2] == "burst", sweep_seconds=1.0)
    finally:
        app.extensions["hubqbo"].db.dispose()


if __name__ == "__main__":
    main()
