"""The web application: ``create_app(settings)`` builds a Flask app from ``Settings``.

Blueprints: ``pages`` (HTML form, scan pages, list), ``api`` (JSON under ``/api/v1``),
``health`` (``/healthz``, ``/readyz``), ``metrics`` (``/metrics``) and, when the registry
integration is installed, ``weightscan.web.api.webhooks``. Nothing happens at import time: no
connections are opened until a request needs them.
"""

from __future__ import annotations

import logging

from flask import Flask

from weightscan.core.settings import Settings

log = logging.getLogger("weightscan.web")


def create_app(settings: Settings | None = None) -> Flask:
    settings = (settings or Settings.from_env()).ensure_secret_key()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        WEIGHTSCAN_SETTINGS=settings,
        # An explicit opt-in only, never implied by the bind address (web/anonymous.py).
        WEIGHTSCAN_ANONYMOUS=settings.allow_anonymous is True,
        # Multipart form overhead on top of the file cap; PUT bodies are checked exactly.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if settings.trusted_proxies > 0:
        # The client address (rate limits, logs) and scheme come from the proxies we run,
        # never from a header a client could send straight to us.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    from weightscan.web.db import init_db
    from weightscan.web.errors import register_error_handlers
    from weightscan.web.metrics import init_metrics
    from weightscan.web.ratelimit import init_rate_limits
    from weightscan.web.security import init_security

    init_db(app, settings)
    _warm_migration_scripts()
    init_security(app)
    init_metrics(app)
    limiter = init_rate_limits(app, settings.rate_limit, settings.rate_limit_storage_url)
    register_error_handlers(app)
    from weightscan.web.slow_clients import init_slow_clients

    init_slow_clients(app, settings.body_read_timeout_seconds)

    from weightscan.web import health, metrics
    from weightscan.web.api import bp as api_bp
    from weightscan.web.pages import bp as pages_bp

    if settings.rate_limit:
        # One budget per client across the whole API (a per-route limit would multiply it
        # by the number of endpoints).
        limiter.shared_limit(settings.rate_limit, scope="api")(api_bp)
        # The page forms (/login, /upload, /submit-source) draw on the same budget, or
        # they would be a way around it (token guesses, unlimited submissions).
        limiter.shared_limit(settings.rate_limit, scope="api")(pages_bp)
    limiter.exempt(health.bp)
    limiter.exempt(metrics.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)

    from weightscan.web.api import webhooks

    if settings.rate_limit:
        limiter.shared_limit(settings.rate_limit, scope="webhooks")(webhooks.bp)
    app.register_blueprint(webhooks.bp)
    return app


def _warm_migration_scripts() -> None:
    """Read the migration scripts now (once per process), so /readyz's schema probe is a
    query, not an import, and fits its time budget from the first call."""
    try:
        from weightscan.core.migrate import head_revision

        head_revision()
    except Exception:  # readiness reports any problem; startup must not fail on it
        log.warning("could not read the migration scripts", exc_info=True)
