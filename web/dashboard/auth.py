"""Who is signed in: the session's portals, sandbox auto sign-in, CSRF and response headers."""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from store import portals
from web.csrf import check_csrf
from web.dashboard.blueprint import bp
from web.http import BadRequest, runtime

# Pages an unsigned visitor may open.
PUBLIC_ENDPOINTS = {"dashboard.signin", "dashboard.static", "dashboard.logout"}


def session_portal_ids() -> tuple[int, ...]:
    """The portals this browser signed in to (the OAuth install callback sets them)."""
    ids = session.get("portal_ids") or []
    return tuple(int(i) for i in ids if str(i).isdigit())


def sign_in(portal_ids: list[int], current: int | None = None) -> None:
    """Put portals in the session (sandbox sign-in; the install callback does the same)."""
    session["portal_ids"] = [int(i) for i in portal_ids]
    session["portal_id"] = int(current if current is not None else portal_ids[0])


def sign_out() -> None:
    """Forget everything this browser was signed in to."""
    session.clear()


@bp.before_request
def _guard():
    """Check CSRF on every POST, then require a signed-in portal (sandbox signs in itself)."""
    g.sandbox = runtime().settings.sandbox
    if request.method == "POST":
        check_csrf()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    ids = session_portal_ids()
    if not ids and g.sandbox:
        ids = tuple(portals.portal_ids(runtime().db))
        if ids:
            sign_in(list(ids))
    if not ids:
        return redirect(url_for("dashboard.signin"))
    current = session.get("portal_id")
    g.portal_ids = ids
    g.portal_id = int(current) if current in ids else ids[0]
    return None


@bp.after_request
def _headers(response):
    """Pages hold private data: no caching, no framing, no third-party anything."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    """Dashboard errors are pages, not JSON (the API's errors stay JSON)."""
    code = exc.code or 500
    return render_template("dashboard/error.html", code=code, title=exc.name,
                           message=exc.description), code  # fmt: skip


@bp.errorhandler(BadRequest)
def _refused_page(exc: BadRequest):
    """A refused form (e.g. a missing CSRF token) as a page."""
    title = "Forbidden" if exc.status == 403 else "Request refused"
    return render_template("dashboard/error.html", code=exc.status, title=title,
                           message=exc.message), exc.status  # fmt: skip
