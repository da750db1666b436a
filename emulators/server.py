"""Run an emulator's WSGI app on a loopback port in a background thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class RunningServer:
    """A WSGI server bound to 127.0.0.1 and served from a daemon thread."""

    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """The server's origin, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(app, port: int = 0) -> RunningServer:
    """Serve ``app`` on 127.0.0.1 (an ephemeral port unless given) until stopped."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    # A short poll interval makes stop() quick: tests start and stop servers per test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="emulator", daemon=True
    )
    thread.start()
    return RunningServer(server=server, thread=thread)
