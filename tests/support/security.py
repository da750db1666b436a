"""Security test support: a second tenant, every token the emulators hand out, signed posts."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

import store
from actions import ACTIONS
from store import Portal, QuickBooksConnection
from tests.support.signing import execution_payload, signed_headers

OTHER_PORTAL = 2000002
OTHER_REALM = "9130350000000777"
TOKEN_KEYS = ("access_token", "refresh_token", "code", "id_token")

# Every action, each with a record type it accepts (name as HubSpot sends it).
SLUGS = sorted(ACTIONS)
RECORD_FOR = {slug: ACTIONS[slug].record_types[0].name for slug in SLUGS}


class TokenHarvest:
    """Every token and authorization code the emulators gave out while a test ran."""

    def __init__(self, world):
        self.world = world
        self.seen: set[str] = set()

    def wrap(self, emulator) -> None:
        """Record token-bearing answers of an emulator's whole HTTP surface."""
        inner = emulator.app.wsgi_app

        def recording(environ, start_response):
            captured: dict = {}

            def start(status, headers, exc_info=None):
                captured["headers"] = headers
                return start_response(status, headers, exc_info)

            body = b"".join(inner(environ, start))
            self._harvest(body, dict(captured.get("headers") or []))
            return [body]

        emulator.app.wsgi_app = recording

    def _harvest(self, body: bytes, headers: dict) -> None:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if isinstance(data, dict):
            self.seen.update(str(data[k]) for k in TOKEN_KEYS if data.get(k))
        location = headers.get("Location", "")
        for key in ("code",):
            self.seen.update(parse_qs(urlsplit(location).query).get(key, []))

    def stored(self) -> set[str]:
        """The tokens stored right now, decrypted."""
        cipher, out = self.world.runtime.cipher, set()
        with self.world.runtime.db.session() as s:
            for model in (Portal, QuickBooksConnection):
                for row in s.exec(select(model)).all():
                    out.update(cipher.decrypt(t) for t in (row.access_token, row.refresh_token)
                               if t)  # fmt: skip
        return out

    def secrets(self) -> set[str]:
        """Tokens seen or stored, plus every configured secret."""
        s = self.world.runtime.settings
        configured = {s.secret_key, s.hubspot_client_secret, s.quickbooks_client_secret,
                      s.hubspot_developer_api_key, *s.token_encryption_keys,
                      self.world.hubspot.client_secret}  # fmt: skip
        return {v for v in self.seen | self.stored() | configured if v and len(v) >= 6}


def post_execution(client, slug: str, inputs: dict | None = None, *, portal_id: int = 1000001,
                   callback_id: str = "ap-sec-1", object_id: int = 101, **sign):
    """A signed execution of ``slug`` on a record type it accepts (required inputs filled)."""
    required = {f.name: "1" for f in ACTIONS[slug].fields if f.required}
    payload = execution_payload(callback_id=callback_id, portal_id=portal_id,
                                object_type=RECORD_FOR[slug], object_id=object_id,
                                inputs={**required, **(inputs or {})})  # fmt: skip
    body = json.dumps(payload).encode()
    path = f"/hubspot/actions/{slug}"
    return client.post(path, data=body, headers=signed_headers(path, body, **sign))


def ledger_rows(db) -> int:
    """How many executions the ledger holds."""
    with db.session() as s:
        return len(s.exec(select(store.Execution)).all())
