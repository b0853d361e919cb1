"""Registry work in the workers, as thin Celery tasks over ``weightscan.core.expansion``:
expand a URL or repository group (``expand_source``), record and deliver signed
completion callbacks (``notify``, ``deliver_callback``), and resend lost expansions and
delivery retries (``registry_sweep``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task, signals
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.blobstore import BlobStore
from weightscan.core.dispatch import Dispatcher, Expansion
from weightscan.core.expansion import (
    ExpandResult,
    claim_expansion,
    fetch_group,
    record_expansion,
    sweep_registry,
    touch_expansion,
)
from weightscan.core.models import Scan
from weightscan.core.notify import attempt_delivery, prepare_deliveries
from weightscan.core.settings import Settings
from weightscan.worker.dispatch import EXPAND_TASK, NOTIFY_TASK, CeleryDispatcher
from weightscan.worker.runtime import runtime_for
from weightscan.worker.tasks import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

DELIVER_TASK = "weightscan.deliver_callback"


# -- Celery tasks ---------------------------------------------------------------------------


@shared_task(
    bind=True,
    name=EXPAND_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def expand_source(
    self: Any, group_scan_id: str, token: str | None = None, force: bool = False
) -> dict[str, Any]:
    """List and fetch a group's files, record and enqueue them (``run_expansion``).
    ``token`` arrives sealed (``weightscan.core.sealed``): brokers keep messages."""
    from weightscan.core.sealed import unseal

    rt = runtime_for(self.app)
    token = unseal(token, rt.settings.ensure_secret_key().secret_key)
    result = run_expansion(
        rt.sessions,
        rt.blobstore,
        rt.settings,
        CeleryDispatcher.of(self.app),
        group_scan_id,
        token=token,
        force=force,
    )
    log.info(
        "expand_source group=%s status=%s downloaded=%d cached=%d",
        group_scan_id,
        result.status,
        result.downloaded,
        len(result.cached),
    )
    return {
        "status": result.status,
        "downloaded": result.downloaded,
        "cached": len(result.cached),
        "error": result.error,
    }


def run_expansion(
    sessions: sessionmaker[Session],
    blobstore: BlobStore,
    settings: Settings,
    dispatcher: Dispatcher,
    group_id: str,
    *,
    token: str | None = None,
    force: bool = False,
) -> ExpandResult:
    """The edge of an expansion: claim the group (commit: the lease), fetch its files
    (no rows; each heartbeat commits the lease), record every child in one transaction,
    commit, and only then send the work. Requeue-safe: a duplicate message finds the
    lease taken or the group sealed (``skipped``); a worker that dies before the last
    commit leaves the group as it was, for the sweeper to hand out again."""
    with sessions() as session:
        attempt = claim_expansion(session, group_id)
        session.commit()
    if attempt is None:
        return ExpandResult(group_id, "skipped")

    def heartbeat(progress: dict[str, Any]) -> None:
        with sessions() as session:
            touch_expansion(session, group_id, attempt, progress)
            session.commit()

    fetched = fetch_group(
        sessions,
        blobstore,
        settings,
        group_id,
        attempt,
        token=token,
        force=force,
        heartbeat=heartbeat,
    )
    with sessions() as session:
        result, work = record_expansion(session, fetched)
        session.commit()
    work.send(dispatcher)  # a lost message: the sweeper resends queued scans
    return result


@shared_task(
    bind=True,
    name=NOTIFY_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    max_retries=5,
)
def notify(self: Any, scan_id: str) -> list[str]:
    """Record one delivery per callback target of a finished scan and send them."""
    rt = runtime_for(self.app)
    with rt.sessions() as session:
        scan = session.get(Scan, scan_id)
        if scan is None:
            return []
        ids = prepare_deliveries(session, rt.settings, scan)
        session.commit()
    for delivery_id in ids:
        self.app.send_task(DELIVER_TASK, args=[delivery_id])
    return ids


@shared_task(
    bind=True,
    name=DELIVER_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    max_retries=5,
)
def deliver_callback(self: Any, delivery_id: str) -> str:
    """One attempt; a retry is scheduled as a new message after the backoff delay."""
    rt = runtime_for(self.app)
    outcome = attempt_delivery(rt.sessions, rt.settings, delivery_id)
    if outcome.status == "pending" and outcome.retry_in is not None:
        self.app.send_task(DELIVER_TASK, args=[delivery_id], countdown=outcome.retry_in)
    return outcome.status


# -- sweeping: lost expansion messages, lost delivery retries ------------------------------------

SWEEP_REGISTRY_TASK = "weightscan.registry_sweep"


@shared_task(
    bind=True,
    name=SWEEP_REGISTRY_TASK,
    ignore_result=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    max_retries=3,
)
def registry_sweep(self: Any) -> dict[str, int]:
    rt = runtime_for(self.app)
    groups, late = sweep_registry(rt.sessions, rt.settings)
    for group_id in groups:
        CeleryDispatcher.of(self.app).expand(Expansion(group_id))
    for delivery_id in late:
        self.app.send_task(DELIVER_TASK, args=[delivery_id])
    return {"groups": len(groups), "deliveries": len(late)}


# Picked up by worker.celery_app.make_celery (module-level BEAT_SCHEDULE convention).
BEAT_SCHEDULE = {
    "registry-sweep": {"task": SWEEP_REGISTRY_TASK, "schedule": 60.0, "options": {"expires": 60.0}}
}


@signals.beat_init.connect
def _schedule_sweep(sender: Any = None, **_: Any) -> None:
    """Add the registry sweep to beat's schedule at the configured interval (the same
    entry as ``BEAT_SCHEDULE``; this also covers apps built without that convention)."""
    from weightscan.worker.runtime import settings_of

    interval = float(settings_of(sender.app).sweep_interval_seconds)
    try:
        sender.scheduler.update_from_dict(
            {
                "registry-sweep": {
                    "task": SWEEP_REGISTRY_TASK,
                    "schedule": interval,
                    "options": {"expires": interval},
                }
            }
        )
    except Exception:  # beat without our schedule still runs the scan sweeper
        log.warning("could not schedule the registry sweep", exc_info=True)
