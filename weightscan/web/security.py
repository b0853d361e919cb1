"""CSRF protection for the HTML forms and security headers on every response.

The API authenticates with bearer tokens (no cookies), so only the page blueprint's
forms carry a CSRF token; it is a random value kept in the signed session and compared
in constant time.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, request, session

from weightscan.web.errors import ForbiddenError
from weightscan.web.request_ids import request_id

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """The session's CSRF token, created on first use (templates call this)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def check_csrf() -> None:
    """Reject a state-changing page request without the session's token."""
    if request.method in _SAFE_METHODS:
        return
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        raise ForbiddenError(
            "Missing or invalid CSRF token; reload the page and retry.", code_hint="csrf"
        )


def init_security(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
