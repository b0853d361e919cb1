"""Rate limits on the API (Flask-Limiter), keyed by verified token or client address.

Storage comes from ``settings.rate_limit_storage_url`` (``redis://`` behind gunicorn, since
in-memory counters are per process). Health, readiness and metrics are exempt.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import HeaderNames, Limiter


def _key() -> str:
    """The verified token's id, else the client address.

    Keying on whatever bearer text was sent would give every made-up token a fresh
    budget (45 guesses at a webhook secret without one 429): only a token that verifies
    gets its own counter; anything else counts against the address it came from."""
    from weightscan.web.auth import current_principal
    from weightscan.web.errors import ApiError

    try:
        principal = current_principal()
    except ApiError:  # unknown token, cross-site write...: the view answers that itself
        principal = None
    if principal is not None and principal.token_id is not None:
        return "tok:" + principal.token_id
    return "ip:" + (request.remote_addr or "unknown")


# Flask-Limiter would stamp its window's reset on every response as Retry-After (a queued
# 202 saying 60 where we say 1, plain 200s, a broker-down 503 saying 59 instead of 30). It
# writes it under this name instead; only a 429 turns it into Retry-After.
_LIMITER_RETRY_AFTER = "X-RateLimit-Retry-After"


def init_rate_limits(app: Flask, limit: str, storage_url: str) -> Limiter:
    @app.after_request
    def _retry_after_only_on_429(response: Response) -> Response:
        # Registered before the limiter's own hook, so it runs after it (Flask runs
        # after_request hooks in reverse order).
        value = response.headers.pop(_LIMITER_RETRY_AFTER, None)
        if response.status_code == 429 and value is not None:
            response.headers["Retry-After"] = value
        return response

    limiter = Limiter(
        key_func=_key,
        app=app,
        storage_uri=storage_url or "memory://",
        headers_enabled=True,
        header_name_mapping={HeaderNames.RETRY_AFTER: _LIMITER_RETRY_AFTER},
        strategy="fixed-window",
        swallow_errors=True,  # a storage outage must not take the API down
    )
    app.extensions["weightscan.limiter"] = limiter
    app.config["WEIGHTSCAN_RATE_LIMIT"] = limit
    return limiter
