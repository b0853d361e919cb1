"""Execution (worker side): claim a scan, run the scanner, record its report or error."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.blobstore import BlobNotFound, BlobStore, BlobStoreError
from weightscan.core.db import utcnow
from weightscan.core.models import Finding, Scan, ScanKind, ScanStatus
from weightscan.core.scans.common import (
    FINISHED,
    MAX_ERROR_CHARS,
    RunOutcome,
    TransientError,
    truncate,
)
from weightscan.core.scans.groups import complete_group_if_done, lock_group, refresh_group_progress
from weightscan.core.settings import Settings
from weightscan.scanner import FileReport, ScanLimits
from weightscan.scanner.output.common import json_safe

log = logging.getLogger("weightscan.core.pipeline")  # the logger name operators filter on
PROGRESS_INTERVAL_SECONDS = 0.5  # at most two progress writes per second per scan


ProgressHook = Callable[[str, dict[str, Any]], None]


def run_scan(
    session_factory: sessionmaker[Session],
    blobstore: BlobStore,
    scan_id: str,
    settings: Settings,
    *,
    progress: ProgressHook | None = None,
    deadline_errors: tuple[type[BaseException], ...] = (),
) -> RunOutcome:
    """Claim, scan and record one file scan. Safe to call twice for the same id.

    The scanner's own time budget ends before the task's soft time limit, so a slow file
    is reported by the scanner (``limits.time``); ``deadline_errors`` are the exceptions
    the caller's task runner raises when its deadline passes anyway (recorded as a timeout).

    Records findings, verdict, summary, format, engine/rules versions and timings in one
    transaction; publishes throttled progress to the row while scanning (and to
    ``progress(scan_id, progress_dict)`` if given). Raises ``TransientError`` (claim
    released, attempts not charged) when the blob store or database is unavailable.
    """
    claim = claim_scan_row(session_factory, scan_id)
    if claim is None:
        return RunOutcome(scan_id, ran=False)
    attempt = claim.attempt
    sha256, filename, policy, size = claim.sha256, claim.filename, claim.policy, claim.size
    if attempt > settings.max_attempts:
        message = (
            f"gave up after {attempt - 1} attempts: the worker was lost while "
            f"scanning this file (it may exhaust memory or time)"
        )
        return record_error(session_factory, scan_id, message, attempt=attempt)
    if sha256 is None:
        return record_error(session_factory, scan_id, "scan has no file", attempt=attempt)

    # Progress rows are written at most every PROGRESS_INTERVAL_SECONDS, the first one
    # only once a scan has run that long: small files cost no extra writes.
    publisher = _ProgressPublisher(session_factory, scan_id, size, progress)
    started = time.monotonic()
    try:
        with blobstore.open(sha256) as fileobj:
            publisher.publish("analyse", 0, size)
            report = _scan_fileobj(fileobj, filename or sha256, settings, policy, publisher)
    except BlobNotFound:
        return record_error(
            session_factory, scan_id, "the file's bytes are no longer stored", attempt=attempt
        )
    except BlobStoreError as exc:
        release_claim(session_factory, scan_id, attempt)
        raise TransientError(str(exc)) from exc
    except deadline_errors:
        return record_error(
            session_factory, scan_id, "timeout: the task time limit ran out", attempt=attempt
        )
    except Exception as exc:
        log.exception("scan %s: scanner raised", scan_id)
        return record_error(
            session_factory,
            scan_id,
            f"the scanner failed: {type(exc).__name__}: {exc}",
            attempt=attempt,
        )
    try:
        return record_report(
            session_factory, scan_id, report, attempt=attempt, duration=time.monotonic() - started
        )
    except (OperationalError, InterfaceError) as exc:
        # The database went away while recording: hand the scan back (best effort; if
        # that fails too, the sweeper re-queues it once it is stale) and retry later.
        with contextlib.suppress(Exception):
            release_claim(session_factory, scan_id, attempt)
        raise TransientError(f"database unavailable: {exc}") from exc


def _scan_fileobj(
    fileobj: Any,
    name: str,
    settings: Settings,
    policy: Mapping[str, Any],
    publisher: _ProgressPublisher,
) -> FileReport:
    from weightscan.scanner import scan_fileobj

    allow = tuple(settings.extra_allow) + tuple(policy.get("extra_allow", ()))
    return scan_fileobj(
        fileobj,
        name=name,
        limits=scan_limits(settings),
        allow=allow,
        progress=publisher.scanner_callback,
    )


def scan_limits(settings: Settings) -> ScanLimits:
    """The configured limits, with a time budget that ends before the task's soft limit
    (leaving a tenth of it, at least a second, to open the blob and record the report)."""
    soft = float(settings.task_soft_time_limit)
    budget = max(1.0, soft - max(1.0, soft / 10))
    if settings.limits.max_seconds <= budget:
        return settings.limits
    return settings.limits.replace(max_seconds=budget)


@dataclass(frozen=True)
class Claim:
    """A claimed scan: the attempt number and what the worker needs to run it."""

    attempt: int
    sha256: str | None
    filename: str | None
    size: int
    policy: dict[str, Any]


def claim_scan_row(session_factory: sessionmaker[Session], scan_id: str) -> Claim | None:
    """``queued -> running`` with ``attempts + 1``, in one statement (``RETURNING``, on
    PostgreSQL and SQLite >= 3.35); None when the scan is not queued (running elsewhere,
    finished, or unknown)."""
    with session_factory() as session:
        row = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.kind == ScanKind.FILE, Scan.status == ScanStatus.QUEUED)
            .values(
                status=ScanStatus.RUNNING,
                attempts=Scan.attempts + 1,
                started_at=utcnow(),
                progress={"stage": "analyse"},
            )
            .returning(Scan.attempts, Scan.file_sha256, Scan.filename, Scan.size, Scan.policy)
            .execution_options(synchronize_session=False)
        ).first()
        session.commit()
    if row is None:
        return None
    return Claim(
        int(row.attempts), row.file_sha256, row.filename, int(row.size or 0), dict(row.policy or {})
    )


def release_claim(session_factory: sessionmaker[Session], scan_id: str, attempt: int) -> None:
    """Undo a claim after an infrastructure failure (not the file's fault)."""
    with session_factory() as session:
        session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING, Scan.attempts == attempt)
            .values(
                status=ScanStatus.QUEUED,
                attempts=Scan.attempts - 1,
                queued_at=utcnow(),
                progress={"stage": "queued"},
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()


def record_report(
    session_factory: sessionmaker[Session],
    scan_id: str,
    report: FileReport,
    *,
    attempt: int,
    duration: float,
) -> RunOutcome:
    """Write a scanner ``FileReport`` to the scan row, in one transaction."""
    findings = [
        Finding(
            ordinal=i,
            rule_id=f.rule_id,
            severity=f.severity.value,
            message=truncate(f.message, 2000),
            location=f.location.to_dict(),
            evidence=json_safe(dict(f.evidence or {})),
        )
        for i, f in enumerate(report.findings)
    ]
    return _finish(
        session_factory,
        scan_id,
        attempt=attempt,
        verdict=report.verdict.value,
        fmt=report.format,
        summary=json_safe(dict(report.summary or {})),
        findings=findings,
        error=None,
        duration=duration,
    )


def record_error(
    session_factory: sessionmaker[Session],
    scan_id: str,
    message: str,
    *,
    attempt: int | None = None,
) -> RunOutcome:
    """Finish a scan as verdict ``error`` with ``message`` (and one finding saying why)."""
    finding = Finding(
        ordinal=0,
        rule_id="scanner.internal-error",
        severity="high",
        message=truncate(message, 2000),
        location={},
        evidence={"reason": truncate(message, 200)},
    )
    return _finish(
        session_factory,
        scan_id,
        attempt=attempt,
        verdict="error",
        fmt=None,
        summary={},
        findings=[finding],
        error=message,
        duration=None,
    )


def _finish(
    session_factory: sessionmaker[Session],
    scan_id: str,
    *,
    attempt: int | None,
    verdict: str,
    fmt: str | None,
    summary: dict[str, Any],
    findings: list[Finding],
    error: str | None,
    duration: float | None,
) -> RunOutcome:
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION

    with session_factory() as session:
        now = utcnow()
        guard = [Scan.id == scan_id, Scan.status.not_in(FINISHED)]
        if attempt is not None:
            # Only the attempt that holds the claim may write: if the sweeper re-queued us
            # and another worker took over, our late result is dropped.
            guard += [Scan.status == ScanStatus.RUNNING, Scan.attempts == attempt]
        values: dict[str, Any] = {
            "status": ScanStatus.DONE,
            "verdict": verdict,
            "summary": summary,
            "engine_version": ENGINE_VERSION,
            "rules_version": RULES_VERSION,
            "finished_at": now,
            "duration_seconds": duration,
            "progress": {"stage": "done"},
            "error": truncate(error, MAX_ERROR_CHARS) if error else None,
        }
        if fmt is not None:
            values["format"] = fmt
        # The first statement is a write: on SQLite it takes the write lock before any
        # read in this transaction, so group aggregation below sees every sibling's commit.
        result = session.execute(
            update(Scan).where(*guard).values(**values).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return RunOutcome(scan_id, ran=False)
        for f in findings:
            f.scan_id = scan_id
        session.add_all(findings)
        session.flush()
        group_id = session.scalar(select(Scan.group_id).where(Scan.id == scan_id))
        completed: list[str] = []
        if group_id is None:
            completed.append(scan_id)
        else:
            group = lock_group(session, group_id)
            if group is not None:
                refresh_group_progress(session, group_id, group)
                if complete_group_if_done(session, group):
                    completed.append(group_id)
        session.commit()
    return RunOutcome(scan_id, ran=True, verdict=verdict, completed_top_level=completed)


class _ProgressPublisher:
    """Throttled progress writes to the scan row (a separate short transaction each)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        scan_id: str,
        size: int,
        hook: ProgressHook | None,
    ) -> None:
        self._factory = session_factory
        self._scan_id = scan_id
        self._size = size
        self._hook = hook
        self._last = time.monotonic()

    def scanner_callback(self, stage: str, done: int, total: int) -> None:
        self.publish(stage, done, total)

    def publish(self, stage: str, done: int, total: int, *, force: bool = False) -> None:
        data: dict[str, Any] = {"stage": stage, "bytes_total": self._size}
        if "member" in stage:
            data.update(members_done=done, members_total=total)
        else:
            data.update(bytes_done=done, bytes_total=total or self._size)
        if self._hook is not None:
            self._hook(self._scan_id, data)
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        try:
            with self._factory() as session:
                session.execute(
                    update(Scan)
                    .where(Scan.id == self._scan_id, Scan.status == ScanStatus.RUNNING)
                    .values(progress=data)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
        except Exception:  # progress is best effort; never fail a scan over it
            log.warning("scan %s: progress update failed", self._scan_id, exc_info=True)
