"""The dashboard's sign-in: its pages, the guard (through accounts.signin), CSRF, headers."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

import accounts
from store import portals
from web.csrf import check_csrf
from web.dashboard.blueprint import bp
from web.http import BadRequest, runtime

# Pages an unsigned visitor may open.
PUBLIC_ENDPOINTS = {"dashboard.signin", "dashboard.static", "dashboard.logout"}


def session_portal_ids() -> tuple[int, ...]:
    """The portals this browser signed in to (accounts.signin owns the session's portals)."""
    return tuple(accounts.signed_in_portals(session))


@bp.before_request
def _guard():
    """Check CSRF on every POST, then require a signed-in portal (sandbox signs in itself)."""
    g.sandbox = runtime().settings.sandbox
    if request.method == "POST":
        check_csrf()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not session_portal_ids() and g.sandbox:
        # The sandbox has no HubSpot to sign in through: every demo portal is the visitor's.
        accounts.sign_in(session, *portals.portal_ids(runtime().db))
    ids = session_portal_ids()
    if not ids:
        return redirect(url_for("dashboard.signin"))
    current = accounts.signed_in_portal(session)
    g.portal_ids = ids
    g.portal_id = current if current is not None else ids[0]
    return None


@bp.get("/signin")
def signin():
    """The sign-in page: install (or reopen) the app from HubSpot.

    ---
    get:
        operationId: signin
        tags: [Dashboard]
        security: []
        responses:
          "200":
            description: Sign in through HubSpot.
            content: {text/html: {schema: {type: string}}}
    """
    return render_template("dashboard/signin.html", signed_in=bool(session_portal_ids()))


@bp.post("/logout")
def logout():
    """Sign out of every portal.

    ---
    post:
        operationId: logout
        tags: [Dashboard]
        security: []
        responses:
          "302":
            description: "To the sign-in page."
            headers: {Location: Location}
          "400": FormRefused
    """
    accounts.sign_out(session)
    return redirect(url_for("dashboard.signin"))


@bp.post("/portal")
def switch_portal():
    """Show another of the signed-in portals.

    ---
    post:
        operationId: switchPortal
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        responses:
          "302":
            description: "To the overview, or to sign in."
            headers: {Location: Location}
          "400": FormRefused
          "404":
            description: Not a signed-in portal.
            content:
              text/html: {schema: {type: string}}
              application/json: {schema: Error}
    """
    wanted = request.form.get("portal_id", "")
    if not wanted.isdigit() or not accounts.switch_to(session, int(wanted)):
        abort(404)
    return redirect(url_for("dashboard.overview"))


@bp.context_processor
def _portal_menu():
    """The portal switcher's choices (only the session's own portals)."""
    ids = getattr(g, "portal_ids", ())
    if len(ids) < 2:
        return {"portal_choices": []}
    return {"portal_choices": portals.portals_by_ids(runtime().db, ids)}


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
