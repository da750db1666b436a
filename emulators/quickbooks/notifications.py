"""Webhooks the emulator sends (reference §11): signed, legacy or CloudEvents, after the change.

Intuit delivers asynchronously and may aggregate events; here a sender thread posts each batch
(at most ``max_events`` per notification) after ``batch_seconds``, signed with the verifier token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable

import requests

from .wire import meta_time

VERBS = {"Create": "created", "Update": "updated", "Void": "voided", "Delete": "deleted",
         "Emailed": "emailed", "Merge": "merged"}
ENTITIES = ("Invoice", "Payment", "SalesReceipt")


def sign(body: bytes, token: str) -> str:
    """The `intuit-signature` header for a body."""
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


class WebhookSender:
    """Where and how webhooks go; off until a url (or a deliver function) is set."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.url = ""
        self.format = "cloudevents"  # or "legacy"
        self.verifier_token = "emulator-verifier-token"
        self.batch_seconds = 0.0
        self.max_events = 100
        # Tests hand in a function(body, headers) that posts through the app's test client.
        self.deliver: Callable[[bytes, dict], object] | None = None
        self.sent: list[dict] = []  # every notification, for assertions
        self._pending: list[dict] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        """Whether changes produce webhooks."""
        return bool(self.url or self.deliver)

    def configure(self, **values) -> dict:
        """Set url, format, verifier_token, batch_seconds or max_events."""
        for key, value in values.items():
            if key not in ("url", "format", "verifier_token", "batch_seconds", "max_events"):
                raise ValueError(f"unknown webhook setting {key!r}")
            if key == "format" and value not in ("cloudevents", "legacy"):
                raise ValueError("format must be 'cloudevents' or 'legacy'")
            setattr(self, key, type(getattr(self, key))(value))
        return self.settings()

    def settings(self) -> dict:
        """The current settings."""
        return {"url": self.url, "format": self.format, "verifier_token": self.verifier_token,
                "batch_seconds": self.batch_seconds, "max_events": self.max_events}

    def changed(self, realm_id: str, entity: str, entity_id: str, operation: str) -> None:
        """Queue one event (only the entities this product subscribes to)."""
        if not self.enabled or entity not in ENTITIES:
            return
        event = {"realm_id": realm_id, "entity": entity, "id": str(entity_id),
                 "operation": operation, "time": meta_time(self.clock.now())}
        with self._lock:
            self._pending.append(event)
            self._start()
            self._wake.notify()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued event was delivered."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending and not getattr(self, "_busy", False):
                    return
            time.sleep(0.01)

    def body(self, events: list[dict]) -> bytes:
        """A notification in the configured format."""
        if self.format == "legacy":
            realms: dict[str, list] = {}
            for e in events:
                realms.setdefault(e["realm_id"], []).append(
                    {"name": e["entity"], "id": e["id"], "operation": e["operation"],
                     "lastUpdated": e["time"]})
            payload: object = {"eventNotifications": [
                {"realmId": realm, "dataChangeEvent": {"entities": entities}}
                for realm, entities in realms.items()]}
        else:
            payload = [{
                "specversion": "1.0", "id": str(uuid.uuid4()), "source": "intuit.dsnemulator",
                "type": f"qbo.{e['entity'].lower()}.{VERBS.get(e['operation'], 'updated')}.v1",
                "datacontenttype": "application/json", "time": e["time"],
                "intuitentityid": e["id"], "intuitaccountid": e["realm_id"], "data": {}}
                for e in events]
        return json.dumps(payload).encode()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="qbo-webhooks", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        import time

        while True:
            with self._lock:
                while not self._pending:
                    if not self._wake.wait(timeout=30):
                        self._thread = None
                        return
                self._busy = True
            if self.batch_seconds:
                time.sleep(self.batch_seconds)
            with self._lock:
                batch, self._pending = (self._pending[: self.max_events],
                                        self._pending[self.max_events:])
            try:
                self._post(batch)
            finally:
                with self._lock:
                    self._busy = bool(self._pending)

    def _post(self, events: list[dict]) -> None:
        body = self.body(events)
        content_type = ("application/json" if self.format == "legacy"
                        else "application/cloudevents+json")
        headers = {"Content-Type": content_type,
                   "intuit-signature": sign(body, self.verifier_token)}
        self.sent.append({"body": body, "headers": headers})
        try:
            if self.deliver is not None:
                self.deliver(body, headers)
            else:
                requests.post(self.url, data=body, headers=headers, timeout=3)
        except Exception:  # Intuit retries later; the emulator only drops it
            pass


def void(company, invoice: dict) -> dict:
    """Void an invoice as QBO does: amounts zeroed, "Voided" before the note (§13)."""
    for line in invoice.get("Line") or []:
        line["Amount"] = 0
        detail = line.get("SalesItemLineDetail")
        if isinstance(detail, dict):
            detail["Qty"] = 0
    invoice["TotalAmt"] = 0
    invoice["Balance"] = 0
    if "HomeBalance" in invoice:
        invoice["HomeBalance"] = 0
    if isinstance(invoice.get("TxnTaxDetail"), dict):
        invoice["TxnTaxDetail"]["TotalTax"] = 0
    invoice["LinkedTxn"] = []
    note = str(invoice.get("PrivateNote") or "")
    invoice["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    company.touch(invoice)
    return invoice


def cdc(company, entities: list[str], changed_since: str, limit: int = 1000) -> dict:
    """CDC response: full objects of each entity changed at or after ``changed_since``."""
    from datetime import datetime

    since = datetime.fromisoformat(changed_since.replace("Z", "+00:00"))
    if since.tzinfo is None:
        since = since.replace(tzinfo=company.zone)
    pages, left = [], limit
    for name in entities:
        changed = [e for e in company.all(name)
                   if datetime.fromisoformat(e["MetaData"]["LastUpdatedTime"]) >= since]
        changed = changed[:max(left, 0)]
        left -= len(changed)
        page: dict = {"startPosition": 1, "maxResults": len(changed)}
        if changed:
            page[name] = changed
        pages.append(page)
    return {"CDCResponse": [{"QueryResponse": pages}]}
