"""The Celery app this web process sends to, built once from Settings on first use.

Scans are committed as ``queued`` before their id is sent; if the broker cannot be
reached the row stays ``queued`` and the worker's sweeper enqueues it later, so the
request answers 503 (with ``Retry-After`` and the scan id) and nothing is lost.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from weightscan.core.dispatch import Dispatcher

_lock = threading.Lock()


def celery_app() -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    existing = app.extensions.get("celery")
    if existing is not None:
        return existing
    with _lock:
        if app.extensions.get("celery") is None:
            from weightscan.worker.celery_app import make_celery

            app.extensions["celery"] = make_celery(app.config["WEIGHTSCAN_SETTINGS"])
    return app.extensions["celery"]


def dispatcher() -> Dispatcher:
    """Where this app sends committed work: ``app.extensions["weightscan.dispatcher"]``
    when set (tests, embedded setups), else the workers of ``celery_app()``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    chosen: Dispatcher | None = app.extensions.get("weightscan.dispatcher")
    if chosen is None:
        from weightscan.worker.dispatch import CeleryDispatcher

        chosen = CeleryDispatcher(celery_app)
        app.extensions["weightscan.dispatcher"] = chosen
    return chosen
