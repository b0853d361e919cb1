"""Signed completion callbacks (Standard Webhooks) with recorded, retried deliveries.

When a top-level scan (a group, or a single file submitted with a ``callback_url``)
finishes, ``prepare_deliveries`` records one ``CallbackDelivery`` per target URL (the
configured ``settings.callback_url`` and the request's own ``callback_url``); the worker
then calls ``attempt_delivery`` for each, which POSTs the signed summary through the SSRF
guard. Success is 2xx only; redirects are not followed; ``410 Gone`` stops; anything else
is retried with exponential backoff and jitter (or the server's ``Retry-After``) until
``settings.callback_max_attempts``. The delivery id is the ``webhook-id``, stable across
retries, so receivers can dedupe.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.db import utcnow
from weightscan.core.fetch import FetchFailed, FetchRefused, callback_policy, open_url
from weightscan.core.models import CallbackDelivery, DeliveryStatus, Scan
from weightscan.core.settings import Settings
from weightscan.core.webhooks import standard_headers

log = logging.getLogger("weightscan.notify")

EVENT_TYPE = "scan.completed"
MAX_FILES_IN_PAYLOAD = 200
# Standard Webhooks' example schedule (seconds after the previous attempt).
BACKOFF_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_RETRY_AFTER = 86400


def callback_targets(settings: Settings, scan: Scan) -> list[str]:
    return list(dict.fromkeys(u for u in (settings.callback_url, scan.callback_url) if u))


def prepare_deliveries(session: Session, settings: Settings, scan: Scan) -> list[str]:
    """Add (not commit) a pending delivery per target not yet recorded; returns their ids."""
    existing = set(
        session.scalars(select(CallbackDelivery.url).where(CallbackDelivery.scan_id == scan.id))
    )
    ids = []
    for url in callback_targets(settings, scan):
        if url in existing:
            continue  # completion reported twice: one delivery per target is enough
        delivery = CallbackDelivery(
            scan_id=scan.id, url=url, status=DeliveryStatus.PENDING, next_attempt_at=utcnow()
        )
        session.add(delivery)
        session.flush()
        ids.append(delivery.id)
    return ids


def build_payload(scan: Scan, settings: Settings) -> dict[str, Any]:
    """``{type, timestamp, data}``: the scan summary (files listed, findings not)."""
    from weightscan.core.reports import scan_to_dict

    data = scan_to_dict(scan, base_url=settings.public_url)
    files = data.get("files", [])
    if len(files) > MAX_FILES_IN_PAYLOAD:
        data["files"] = files[:MAX_FILES_IN_PAYLOAD]
        data["files_truncated"] = True
    data.pop("progress", None)
    return {
        "type": EVENT_TYPE,
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "data": data,
    }


@dataclass(frozen=True)
class DeliveryOutcome:
    delivery_id: str
    status: str  # pending (retry later), delivered, failed (gave up), skipped
    retry_in: float | None = None  # seconds, when status is pending
    status_code: int | None = None


def backoff_seconds(
    attempts: int,
    retry_after: float | None = None,
    *,
    schedule: tuple[float, ...] = BACKOFF_SCHEDULE,
) -> float:
    """Delay before the next attempt; ``attempts`` = attempts made so far (>= 1)."""
    if retry_after is not None:
        return max(0.0, min(float(MAX_RETRY_AFTER), retry_after))
    base = schedule[min(max(attempts, 1), len(schedule)) - 1]
    return base * random.uniform(0.8, 1.2)  # noqa: S311 -- jitter, not a secret


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utcnow())).total_seconds())


def attempt_delivery(
    session_factory: sessionmaker[Session], settings: Settings, delivery_id: str
) -> DeliveryOutcome:
    """Make one attempt at a pending delivery and record the result."""
    with session_factory() as session:
        delivery = session.get(CallbackDelivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return DeliveryOutcome(delivery_id, "skipped")
        due = delivery.next_attempt_at
        if due is not None and due > utcnow() + timedelta(seconds=1):
            return DeliveryOutcome(delivery_id, "skipped")  # an early duplicate message
        scan = session.get(Scan, delivery.scan_id)
        if scan is None:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "the scan no longer exists"
            session.commit()
            return DeliveryOutcome(delivery_id, "failed")
        body = json.dumps(build_payload(scan, settings), separators=(",", ":")).encode()
        url = delivery.url
    headers = {"Content-Type": "application/json"}
    if settings.callback_secret:
        headers.update(standard_headers(delivery_id, body, [settings.callback_secret]))
    else:
        log.warning("callback %s sent unsigned: settings.callback_secret is empty", delivery_id)
    code: int | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent = False
    try:
        with open_url(
            url,
            callback_policy(settings),
            method="POST",
            headers=headers,
            body=body,
            follow_redirects=False,
        ) as response:
            code = response.status
            response.read_limited(64 << 10)
    except FetchRefused as exc:
        error, permanent = f"refused: {exc.reason}", True
    except FetchFailed as exc:
        code = exc.status
        error = exc.reason if code is None else f"HTTP {code}"
        retry_after = parse_retry_after(exc.headers.get("retry-after"))
        permanent = code == 410  # Gone: the receiver asks us to stop
    return _record(session_factory, settings, delivery_id, code, error, retry_after, permanent)


def _record(
    session_factory: sessionmaker[Session],
    settings: Settings,
    delivery_id: str,
    code: int | None,
    error: str | None,
    retry_after: float | None,
    permanent: bool,
) -> DeliveryOutcome:
    with session_factory() as session:
        delivery = session.get(CallbackDelivery, delivery_id)
        assert delivery is not None
        now = utcnow()
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            session.commit()
            return DeliveryOutcome(delivery_id, "delivered", status_code=code)
        if permanent or delivery.attempts >= settings.callback_max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            session.commit()
            log.warning("callback %s to %s failed for good: %s", delivery_id, delivery.url, error)
            return DeliveryOutcome(delivery_id, "failed", status_code=code)
        schedule = tuple(settings.extra.get("callback_backoff_schedule", BACKOFF_SCHEDULE))
        delay = backoff_seconds(delivery.attempts, retry_after, schedule=schedule)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        session.commit()
        return DeliveryOutcome(delivery_id, "pending", retry_in=delay, status_code=code)


def due_deliveries(session: Session, *, now: datetime | None = None, limit: int = 100) -> list[str]:
    """Pending deliveries whose next attempt is due (for a sweeper after a lost message)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(CallbackDelivery.id)
            .where(
                CallbackDelivery.status == DeliveryStatus.PENDING,
                CallbackDelivery.next_attempt_at <= now,
            )
            .order_by(CallbackDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def deliveries_for(session: Session, scan_id: str) -> list[dict[str, Any]]:
    """The recorded deliveries of a scan, for the API and the report page."""
    from weightscan.core.reports import iso

    rows = session.scalars(
        select(CallbackDelivery)
        .where(CallbackDelivery.scan_id == scan_id)
        .order_by(CallbackDelivery.created_at)
    )
    return [
        {
            "id": d.id,
            "url": d.url,
            "status": d.status.value,
            "attempts": d.attempts,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "created_at": iso(d.created_at),
            "next_attempt_at": iso(d.next_attempt_at),
            "delivered_at": iso(d.delivered_at),
        }
        for d in rows
    ]
