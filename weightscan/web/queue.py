"""The Celery app this web process sends to, built once from Settings on first use.

Scans are committed as ``queued`` before their id is sent; if the broker cannot be
reached the row stays ``queued`` and the worker's sweeper enqueues it later, so the
request answers 503 (with ``Retry-After`` and the scan id) and nothing is lost.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import current_app

log = logging.getLogger("weightscan.web")
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


def enqueue(scan_ids: list[str], *, completed: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """Send each (already committed) scan id to the workers; returns the ids not sent.

    ``completed`` are top-level scans that finished at submission (all files cached):
    the workers only need to send their callbacks.
    """
    import weightscan.worker.tasks as tasks

    failed = []
    for scan_id in scan_ids:
        try:
            tasks.enqueue_scan(celery_app(), scan_id)
        except Exception as exc:  # broker down: the sweeper will pick the row up
            log.warning("could not enqueue scan %s: %s", scan_id, exc)
            failed.append(scan_id)
    notify = getattr(tasks, "on_group_complete", None)
    for scan_id in completed:
        if notify is None:
            break
        try:
            notify(celery_app(), scan_id)
        except Exception as exc:  # a lost callback is re-sent by the delivery sweeper
            log.warning("could not send completion of %s: %s", scan_id, exc)
    return failed
