"""CSRF protection for the server's own forms: a per-session token checked on every POST."""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import Flask, request, session
from markupsafe import Markup, escape

from web.http import BadRequest

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field() -> Markup:
    """The hidden form field carrying the token (for templates)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FORM_FIELD, escape(csrf_token())
    )


def check_csrf() -> None:
    """Refuse the request unless it carries this session's token (form field or header)."""
    expected = session.get(SESSION_KEY) or ""
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise BadRequest(
            "the form's CSRF token is missing or does not match this session; "
            "reload the page and submit it again",
            400,
        )


def csrf_protected(view):
    """Decorator: check the CSRF token before running the view."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        check_csrf()
        return view(*args, **kwargs)

    return wrapper


def init_app(app: Flask) -> None:
    """Expose `csrf_token()` and `csrf_field()` to every template."""
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=csrf_field)
