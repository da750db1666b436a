"""Inline mode: a background thread settles recorded events after the webhook's 200."""

from __future__ import annotations

import logging
import threading

from statussync import settle

log = logging.getLogger(__name__)
# Also look for events left unprocessed (a crash, a restart) this often.
IDLE_SECONDS = 30.0
RETRY_SECONDS = 0.5
# Settle at most this long after the first notification of a burst (the quiet wait is a setting).
MAX_QUIET_SECONDS = 2.0


class Settler:
    """One daemon thread per app; wake() after recording events."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.idle = threading.Event()  # set while nothing is pending (tests wait on it)

    def start(self) -> None:
        """Start the thread (once); it first settles whatever a previous run left pending."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._loop, name="hubqbo-status",
                                                daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """New events were recorded."""
        self.idle.clear()
        self.start()
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _quiet(self) -> None:
        """Let a burst of notifications land first: one CDC read and full batches serve it."""
        quiet = self.runtime.settings.status_quiet_seconds
        for _ in range(int(MAX_QUIET_SECONDS / max(quiet, 0.01))):
            self._wake.clear()
            # stop() wakes the thread too: that wake must end the wait, not count as a
            # notification (cleared here, the loop would then sleep IDLE_SECONDS past stop()).
            if not self._wake.wait(quiet) or self._stop.is_set():
                return

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._quiet()
            if self._stop.is_set():
                return
            waiting = 0
            try:
                waiting = settle.process_pending(self.runtime).get("pending", 0)
            except Exception:  # keep settling after a database blip; events stay pending
                log.exception("status sync failed; retrying")
            if not self._wake.is_set() and not waiting:
                self.idle.set()
            # Creates waiting for their booking to finish are looked at again soon.
            self._wake.wait(RETRY_SECONDS if waiting else IDLE_SECONDS)


def init_app(app) -> Settler:
    """Give the app its settler; when webhooks are on (inline mode, outside tests), start it
    now to settle what a previous run recorded but did not process."""
    runtime = app.extensions["hubqbo"]
    settler = Settler(runtime)
    app.extensions["status_settler"] = settler
    s = runtime.settings
    if s.quickbooks_webhook_verifier_token and not s.testing and not s.queue_mode:
        settler.start()
    return settler
