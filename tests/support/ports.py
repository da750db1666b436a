"""A loopback port for a server a test starts later, once the app it serves is built."""

from __future__ import annotations

import random
import socket

# Below Linux's ephemeral range (32768-60999), which outgoing connections draw from: a port
# picked there could be taken by one of the many connections tests make (the sandbox's own
# seeding, other test processes) between picking it and binding the server to it.
LOW, HIGH = 20000, 32767


def unused_port() -> int:
    """A loopback port below the ephemeral range that nobody listens on right now."""
    for _ in range(200):
        port = random.randint(LOW, HIGH)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port between {LOW} and {HIGH}")
