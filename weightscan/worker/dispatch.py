"""The Celery ``Dispatcher``: sends committed work as task messages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from weightscan.core.dispatch import Expansion

log = logging.getLogger(__name__)

SCAN_TASK = "weightscan.scan_file"
EXPAND_TASK = "weightscan.expand_source"
NOTIFY_TASK = "weightscan.notify"

# A few quick retries, then give up: the request must answer, and the sweeper resends.
SEND_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


class CeleryDispatcher:
    """Sends to the workers of the Celery app ``get_app()`` returns (a getter, so the web
    process builds its app only when something is first sent)."""

    def __init__(self, get_app: Callable[[], Any]) -> None:
        self._get_app = get_app

    @classmethod
    def of(cls, app: Any) -> CeleryDispatcher:
        return cls(lambda: app)

    @property
    def app(self) -> Any:
        return self._get_app()

    def scan(self, scan_id: str) -> None:
        self.app.send_task(SCAN_TASK, args=[scan_id], retry=True, retry_policy=SEND_RETRY)

    def scans(self, scan_ids: Iterable[str]) -> list[str]:
        failed = []
        for scan_id in scan_ids:
            try:
                self.scan(scan_id)
            except Exception as exc:  # broker down: the sweeper will pick the row up
                log.warning("could not enqueue scan %s: %s", scan_id, exc)
                failed.append(scan_id)
        return failed

    def expand(self, expansion: Expansion) -> None:
        from weightscan.core.sealed import seal
        from weightscan.worker.runtime import settings_of

        app = self.app
        token = expansion.token
        if token:  # sealed: the broker may keep the message on disk
            token = seal(token, settings_of(app).ensure_secret_key().secret_key)
        app.send_task(
            EXPAND_TASK,
            args=[expansion.group_id],
            kwargs={"token": token, "force": expansion.force},
            retry=True,
            retry_policy=SEND_RETRY,
        )

    def completed(self, scan_ids: Iterable[str]) -> None:
        for scan_id in scan_ids:
            try:
                self.notify(scan_id)
            except Exception as exc:  # a lost callback is re-sent by the delivery sweeper
                log.warning("could not send completion of %s: %s", scan_id, exc)

    def notify(self, scan_id: str) -> bool:
        """Send ``NOTIFY_TASK`` for a finished top-level scan; False if this app has no
        notification task (callbacks are not configured into it)."""
        app = self.app
        if NOTIFY_TASK not in app.tasks:
            return False
        app.send_task(NOTIFY_TASK, args=[scan_id])
        return True
