"""Rate limits on the API (Flask-Limiter), keyed by token or client address.

Storage comes from ``settings.rate_limit_storage_url`` (``redis://`` behind gunicorn, since
in-memory counters are per process). Health, readiness and metrics are exempt.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter


def _key() -> str:
    from weightscan.web.auth import hash_token, presented_token

    token = presented_token()
    if token:
        return "tok:" + hash_token(token)[:16]
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
