"""Drive the server's OAuth flows by hand: our endpoints via the test client, the emulators'
consent pages via requests, redirects followed one at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tests.support.signing import PUBLIC_BASE


@dataclass
class Browser:
    """One browser: a Flask test client (its cookie jar is the session) and what it saw."""

    client: object
    seen: list = field(default_factory=list)  # (status, location, body) of our answers

    def get(self, path: str, **kwargs):
        """GET one of our pages without following redirects."""
        response = self.client.get(path, **kwargs)
        self.seen.append(_seen(response))
        return response

    def post(self, path: str, **kwargs):
        """POST to one of our pages without following redirects."""
        response = self.client.post(path, **kwargs)
        self.seen.append(_seen(response))
        return response

    def session(self) -> dict:
        """A copy of the server-side view of this browser's session."""
        with self.client.session_transaction() as sess:
            return dict(sess)

    def csrf(self) -> str:
        """This session's CSRF token (created like a rendered form would)."""
        with self.client.session_transaction() as sess:
            sess.setdefault("csrf_token", "test-csrf-token-0123456789")
            return sess["csrf_token"]


def _seen(response) -> tuple:
    return response.status_code, response.headers.get("Location", ""), response.get_data(True)


def ours(url: str) -> str:
    """The path and query of a URL on our server (redirect_uri targets PUBLIC_BASE_URL)."""
    assert url.startswith(PUBLIC_BASE), url
    return url[len(PUBLIC_BASE) :]


def query(url: str) -> dict[str, str]:
    """A URL's query parameters (single values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def consent(authorize_url: str, **choose) -> str:
    """Click 'allow' on an emulator's consent page; the redirect back to our server."""
    url = authorize_url + ("&" if "?" in authorize_url else "?") + urlencode(choose)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def start_install(browser: Browser) -> str:
    """GET /oauth/hubspot/install; the HubSpot authorize URL it redirects to."""
    response = browser.get("/oauth/hubspot/install")
    assert response.status_code == 302, response.get_data(True)
    return response.headers["Location"]


def install(browser: Browser, portal_id: int):
    """The whole HubSpot install for a portal; our callback's response."""
    back = consent(start_install(browser), portal_id=portal_id)
    return browser.get(ours(back))


def start_connect(browser: Browser) -> str:
    """GET /oauth/quickbooks/connect; the Intuit authorize URL it redirects to."""
    response = browser.get("/oauth/quickbooks/connect")
    assert response.status_code == 302, response.get_data(True)
    return response.headers["Location"]


def connect(browser: Browser, realm_id: str):
    """The whole QuickBooks connect for a company; our callback's response."""
    back = consent(start_connect(browser), realm_id=realm_id)
    return browser.get(ours(back))
