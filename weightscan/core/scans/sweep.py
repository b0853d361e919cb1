"""The sweeper: put back scans whose worker died, give up after too many attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.db import utcnow
from weightscan.core.models import Scan, ScanKind, ScanStatus
from weightscan.core.scans.run import record_error
from weightscan.core.settings import Settings


@dataclass
class SweepResult:
    requeued: list[str] = field(default_factory=list)  # enqueue these again
    given_up: list[str] = field(default_factory=list)  # finished as error
    completed_top_level: list[str] = field(default_factory=list)  # notify about these


def sweep_stale(
    session_factory: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> SweepResult:
    """Find file scans stuck in ``queued`` or ``running`` for longer than
    ``settings.stale_after_seconds``.

    A stale ``running`` scan lost its worker: it goes back to ``queued`` (or, once its
    attempts reached ``max_attempts``, is finished as ``error``). Stale ``queued`` scans
    (a lost message) keep their status and are simply enqueued again; duplicates are
    harmless because a claim only succeeds once.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=settings.stale_after_seconds)
    out = SweepResult()
    with session_factory() as session:
        running = session.execute(
            select(Scan.id, Scan.attempts).where(
                Scan.kind == ScanKind.FILE,
                Scan.status == ScanStatus.RUNNING,
                Scan.started_at < cutoff,
            )
        ).all()
        queued = session.scalars(
            select(Scan.id)
            .where(
                Scan.kind == ScanKind.FILE,
                Scan.status == ScanStatus.QUEUED,
                Scan.queued_at < cutoff,
            )
            .order_by(Scan.queued_at)
            .limit(1000)
        ).all()
    for scan_id, attempts in running:
        _release_lost(session_factory, settings, scan_id, attempts, now, out)
    if queued:
        with session_factory() as session:
            session.execute(
                update(Scan)
                .where(Scan.id.in_(queued), Scan.status == ScanStatus.QUEUED)
                .values(queued_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        out.requeued += list(queued)
    return out


def release_lost_scan(
    session_factory: sessionmaker[Session], settings: Settings, scan_id: str
) -> SweepResult:
    """The worker process running ``scan_id`` died (OOM kill, segfault): put it back in
    the queue now rather than after ``stale_after_seconds``. The lost attempt counts, so
    a file that always kills its worker still ends as ``error`` after ``max_attempts``."""
    out = SweepResult()
    with session_factory() as session:
        attempts = session.scalar(
            select(Scan.attempts).where(
                Scan.id == scan_id, Scan.kind == ScanKind.FILE, Scan.status == ScanStatus.RUNNING
            )
        )
    if attempts is not None:
        _release_lost(session_factory, settings, scan_id, int(attempts), utcnow(), out)
    return out


def _release_lost(
    session_factory: sessionmaker[Session],
    settings: Settings,
    scan_id: str,
    attempts: int,
    now: datetime,
    out: SweepResult,
) -> None:
    """A running scan whose worker is gone: back to ``queued``, or ``error`` once its
    attempts reached ``max_attempts``."""
    if attempts >= settings.max_attempts:
        outcome = record_error(
            session_factory,
            scan_id,
            f"worker lost {attempts} times while scanning this file; giving up",
            attempt=attempts,
        )
        if outcome.ran:
            out.given_up.append(scan_id)
            out.completed_top_level += outcome.completed_top_level
        return
    with session_factory() as session:
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING, Scan.attempts == attempts)
            .values(
                status=ScanStatus.QUEUED,
                queued_at=now,
                progress={"stage": "queued", "requeued": True},
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if result.rowcount == 1:  # type: ignore[attr-defined]
        out.requeued.append(scan_id)
