"""Thin Celery tasks: they take ids and call ``weightscan.core.scans``; the logic lives there.

* ``scan_file(scan_id)`` -- claim, scan, record (``weightscan.core.scans.run.run_scan``). Transient
  infrastructure errors (database unreachable, blob store down) are retried with
  exponential backoff; scanner outcomes, including crashes and timeouts, are recorded
  once and never retried.
* ``sweep_stale()`` -- periodic (beat): re-enqueue scans stuck in ``queued``/``running``;
  finish as ``error`` the ones whose worker was lost ``max_attempts`` times.

Everything is sent after its commit through ``weightscan.worker.dispatch.CeleryDispatcher``.

Notifications (callbacks) belong to the registry integration: it registers a task named
``NOTIFY_TASK`` taking ``(scan_id)`` of a finished top-level scan (a group, or a file scan
without a group); ``notify_if_wanted`` sends it only when a callback is configured.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task, signals
from celery.exceptions import SoftTimeLimitExceeded, WorkerLostError
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError as DatabaseError

from weightscan.core.blobstore import BlobStoreError
from weightscan.core.models import Scan
from weightscan.core.scans.common import TransientError
from weightscan.core.scans.run import record_error, run_scan
from weightscan.core.scans.sweep import release_lost_scan, sweep_stale
from weightscan.worker.dispatch import NOTIFY_TASK, SCAN_TASK, CeleryDispatcher
from weightscan.worker.runtime import runtime_for

log = logging.getLogger(__name__)

SWEEP_TASK = "weightscan.sweep_stale"

# Infrastructure failures worth retrying; anything else about a file is recorded once.
TRANSIENT_ERRORS = (
    TransientError,
    BlobStoreError,
    DatabaseError,
    InterfaceError,
    BrokerError,
    ConnectionError,
    TimeoutError,
)


@shared_task(
    bind=True,
    name=SCAN_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def scan_file(self: Any, scan_id: str) -> str | None:
    """Scan one file scan row. Idempotent: a scan that is not ``queued`` is skipped."""
    rt = runtime_for(self.app)
    try:
        outcome = run_scan(
            rt.sessions,
            rt.blobstore,
            scan_id,
            rt.settings,
            deadline_errors=(SoftTimeLimitExceeded,),
        )
    except SoftTimeLimitExceeded:
        # Raised outside the scanner's own guard (opening or recording): record it once.
        outcome = record_error(rt.sessions, scan_id, "timeout: the task time limit ran out")
    if outcome.ran:
        log.info("scan_completed scan_id=%s verdict=%s", scan_id, outcome.verdict)
    for top_id in outcome.completed_top_level:
        notify_if_wanted(self.app, top_id)
    return outcome.verdict


@shared_task(
    bind=True,
    name=SWEEP_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    max_retries=3,
)
def sweep(self: Any) -> dict[str, int]:
    """Re-enqueue stale scans (lost messages, dead workers); give up after max_attempts."""
    rt = runtime_for(self.app)
    result = sweep_stale(rt.sessions, rt.settings)
    failed = CeleryDispatcher.of(self.app).scans(result.requeued)
    for top_id in result.completed_top_level:
        notify_if_wanted(self.app, top_id)
    if result.requeued or result.given_up:
        log.info(
            "sweep requeued=%d given_up=%d enqueue_failed=%d",
            len(result.requeued),
            len(result.given_up),
            len(failed),
        )
    return {"requeued": len(result.requeued), "given_up": len(result.given_up)}


@signals.task_failure.connect
def _scan_worker_lost(
    sender: Any = None, exception: Any = None, args: Any = None, **_: Any
) -> None:
    """In the worker's main process: a pool process died while scanning (the task is
    acked, not redelivered: a file that kills its worker must not loop). Put the scan back
    in the queue at once instead of leaving it ``running`` until the stale sweep."""
    if (
        getattr(sender, "name", None) != SCAN_TASK
        or not args
        or not isinstance(exception, WorkerLostError)
    ):
        return
    try:
        rt = runtime_for(sender.app)
        result = release_lost_scan(rt.sessions, rt.settings, str(args[0]))
        CeleryDispatcher.of(sender.app).scans(result.requeued)
        for top_id in result.completed_top_level:
            notify_if_wanted(sender.app, top_id)
        log.warning(
            "worker lost while scanning %s: requeued=%d given_up=%d",
            args[0],
            len(result.requeued),
            len(result.given_up),
        )
    except Exception:  # the sweeper still recovers it later
        log.warning("could not release the lost scan %s", args[0], exc_info=True)


# --------------------------------------------------------------------------- helpers
def notify_if_wanted(celery_app: Any, scan_id: str) -> bool:
    """Send the notification of a finished top-level scan when it has a callback URL or
    a global one is set. Returns True if a message was sent."""
    dispatcher = CeleryDispatcher.of(celery_app)
    if NOTIFY_TASK not in celery_app.tasks:
        return False
    rt = runtime_for(celery_app)
    if not rt.settings.callback_url:
        with rt.sessions() as session:
            url = session.scalar(select(Scan.callback_url).where(Scan.id == scan_id))
        if not url:
            return False
    try:
        return dispatcher.notify(scan_id)
    except Exception as exc:  # a lost notification must not fail the scan task
        log.warning("could not enqueue notification for %s: %s", scan_id, exc)
        return False
