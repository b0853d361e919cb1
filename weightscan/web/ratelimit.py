"""Rate limits on the API (Flask-Limiter), keyed by verified token or client address.

Storage comes from ``settings.rate_limit_storage_url`` (``redis://`` behind gunicorn, since
in-memory counters are per process). Health, readiness and metrics are exempt.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter


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


def init_rate_limits(app: Flask, limit: str, storage_url: str) -> Limiter:
    limiter = Limiter(
        key_func=_key,
        app=app,
        storage_uri=storage_url or "memory://",
        headers_enabled=True,
        strategy="fixed-window",
        swallow_errors=True,  # a storage outage must not take the API down
    )
    app.extensions["weightscan.limiter"] = limiter
    app.config["WEIGHTSCAN_RATE_LIMIT"] = limit
    return limiter
