"""The scan pipeline as plain functions: submit (web side) and run (worker side).

Submission (``submit_file``, ``create_group`` / ``seal_group``, ``rescan``,
``rescan_outdated``) stores rows and returns the scan ids to enqueue; **the caller
commits, then sends them** through a ``weightscan.core.dispatch.Dispatcher``, so a worker never
sees an uncommitted row. A lost message is harmless: the sweeper re-enqueues stale rows.

Execution (``run_scan``) is idempotent. A worker *claims* a scan with a guarded update
(``status: queued -> running``, ``attempts + 1``); a scan that is already running or done
is left alone, so duplicate deliveries do nothing. A running scan whose worker died is
put back to ``queued`` by the sweeper (``sweep_stale``) once it is older than
``settings.stale_after_seconds``; after ``settings.max_attempts`` claims it is finished
as verdict ``error`` instead of looping on a file that kills its worker.

Statuses (the API exposes them as they are): ``queued``, ``running``, ``done`` (a
verdict was recorded -- possibly ``error``), ``failed`` (a group whose source could not
be fetched at all). A group scan is ``queued`` while its files are being added,
``running`` once sealed, and ``done`` when every child is; its verdict is the worst child
verdict.

Dedupe: a finished file scan of the same sha256 under the same engine version, rules
version and per-request policy is reused unless ``force``: a **new** Scan row is created
(status ``done``, ``cached_from`` = the original scan, findings copied), so every
submission has its own id, owner, source and callback. Scans that ended in ``error`` are
never reused.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from weightscan.core.blobstore import BlobNotFound, BlobStore, BlobStoreError
from weightscan.core.db import utcnow
from weightscan.core.models import Finding, Scan, ScanKind, ScanStatus, SourceType, StoredFile
from weightscan.core.settings import Settings
from weightscan.scanner import FileReport, ScanLimits
from weightscan.scanner.output.common import json_safe

log = logging.getLogger(__name__)

FINISHED = (ScanStatus.DONE, ScanStatus.FAILED)
PROGRESS_INTERVAL_SECONDS = 0.5  # at most two progress writes per second per scan
_MAX_ERROR_CHARS = 500


# --------------------------------------------------------------------------- results
@dataclass
class SubmitResult:
    """What a submission produced. Commit, then enqueue ``to_enqueue``."""

    scan: Scan
    cached: bool  # True: a previous result was reused (scan.cached_from names it)
    to_enqueue: list[str] = field(default_factory=list)  # scan ids for worker.tasks.scan_file


@dataclass
class RunOutcome:
    """What ``run_scan`` did with one scan id."""

    scan_id: str
    ran: bool  # False: not claimed (already running elsewhere, done, or unknown id)
    verdict: str | None = None
    # Top-level scans that became complete because of this run: the scan itself when it has
    # no group, or its group when this was the group's last child. Notify about these.
    completed_top_level: list[str] = field(default_factory=list)


class TransientError(Exception):
    """Infrastructure failure (blob store, database): retry later; the claim was released."""


# --------------------------------------------------------------------------- submission
def normalise_policy(allow: Iterable[str] = ()) -> dict[str, Any]:
    """The per-request policy stored on a scan and used in the dedupe key."""
    extra = sorted({a.strip() for a in allow if a and a.strip()})
    return {"extra_allow": extra} if extra else {}


def _source_parts(source: Mapping[str, Any] | str | SourceType
                  ) -> tuple[SourceType, dict[str, Any]]:
    if isinstance(source, str | SourceType):
        return SourceType(source), {"type": SourceType(source).value}
    data = dict(source)
    kind = SourceType(data.get("type", SourceType.UPLOAD.value))
    data["type"] = kind.value
    return kind, data


def ensure_stored_file(session: Session, sha256: str, size: int, blob_key: str) -> StoredFile:
    """The ``files`` row for a digest, created if new (safe against concurrent inserts)."""
    row = session.get(StoredFile, sha256)
    if row is None:
        try:
            with session.begin_nested():
                row = StoredFile(sha256=sha256, size=size, blob_key=blob_key)
                session.add(row)
        except IntegrityError:  # another upload of the same bytes won the race
            row = session.get(StoredFile, sha256)
            assert row is not None
    if row.purged_at is not None:  # bytes came back: the blob exists again
        row.purged_at = None
        row.blob_key = blob_key
    return row


def find_reusable_scan(session: Session, sha256: str, policy: Mapping[str, Any]) -> Scan | None:
    """The latest finished, non-error file scan of ``sha256`` under the current engine,
    rules and this policy -- or None."""
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION

    candidates = session.scalars(
        select(Scan)
        .where(Scan.kind == ScanKind.FILE, Scan.file_sha256 == sha256,
               Scan.status == ScanStatus.DONE, Scan.verdict.is_not(None),
               Scan.verdict != "error", Scan.engine_version == ENGINE_VERSION,
               Scan.rules_version == RULES_VERSION)
        .order_by(Scan.finished_at.desc())
        .limit(20)
    )
    for scan in candidates:
        if dict(scan.policy or {}) == dict(policy):
            return scan
    return None


def submit_file(session: Session, blobstore: BlobStore, temp_path: Path | str, sha256: str,
                size: int, filename: str | None, *,
                source: Mapping[str, Any] | str = "upload", force: bool = False,
                owner_token_id: str | None = None, callback_url: str | None = None,
                group_id: str | None = None, allow: Sequence[str] = ()) -> SubmitResult:
    """Store a finished temp file (from ``weightscan.core.uploads.stream_to_temp``) and record
    a scan.

    The temp file is moved into the blob store (consumed). ``source`` is a source type
    (``"upload"``) or a dict with ``"type"`` plus details (url, repo, revision, path…).
    ``allow`` extends the import allowlist for this request (part of the dedupe key).
    Flushed, not committed: the caller commits (several files of a group in one
    transaction), then sends ``to_enqueue``.
    """
    key = blobstore.put(Path(temp_path), sha256)
    source_type, source_data = _source_parts(source)
    policy = normalise_policy(allow)
    ensure_stored_file(session, sha256, size, key)
    previous = None if force else find_reusable_scan(session, sha256, policy)
    scan = Scan(kind=ScanKind.FILE, file_sha256=sha256, size=size, filename=filename,
                source_type=source_type, source=source_data, policy=policy,
                owner_token_id=owner_token_id, callback_url=callback_url, group_id=group_id)
    if previous is not None:
        _copy_result(previous, scan)
    session.add(scan)
    session.flush()
    if previous is not None and group_id is not None:
        _refresh_group_progress(session, group_id)
    return SubmitResult(scan, previous is not None, [] if previous is not None else [scan.id])


def _copy_result(previous: Scan, scan: Scan) -> None:
    now = utcnow()
    scan.created_at = now  # not the insert's later default: Completed never before Created
    scan.status = ScanStatus.DONE
    scan.verdict = previous.verdict
    scan.format = previous.format
    scan.summary = dict(previous.summary or {})
    scan.engine_version = previous.engine_version
    scan.rules_version = previous.rules_version
    scan.cached_from = previous.cached_from or previous.id
    scan.started_at = now
    scan.finished_at = now
    scan.duration_seconds = 0.0
    scan.progress = {"stage": "done"}
    scan.findings = [
        Finding(ordinal=f.ordinal, rule_id=f.rule_id, severity=f.severity, message=f.message,
                location=dict(f.location or {}), evidence=dict(f.evidence or {}))
        for f in previous.findings
    ]


def create_group(session: Session, *, source: Mapping[str, Any] | str = "upload",
                 owner_token_id: str | None = None, callback_url: str | None = None,
                 filename: str | None = None) -> Scan:
    """A group scan (several files: a multi-file upload, a repository revision).

    It stays ``queued`` while files are added with ``submit_file(..., group_id=group.id)``;
    call ``seal_group`` once the list is complete. Flushed, not committed.
    """
    source_type, source_data = _source_parts(source)
    group = Scan(kind=ScanKind.GROUP, status=ScanStatus.QUEUED, source_type=source_type,
                 source=source_data, owner_token_id=owner_token_id, callback_url=callback_url,
                 filename=filename, progress={"stage": "collecting"})
    session.add(group)
    session.flush()
    return group


def seal_group(session: Session, group_id: str) -> bool:
    """Mark the group's file list as complete (status ``running``).

    Returns True when that completed it (every child was already done, e.g. all cached,
    or no files at all): the caller should then send it as completed work
    (``weightscan.core.dispatch.Work.completed``) after committing.
    """
    group = _lock_group(session, group_id)
    if group is None:
        raise LookupError(f"no group scan {group_id}")
    if group.status == ScanStatus.QUEUED:
        group.status = ScanStatus.RUNNING
        group.started_at = group.started_at or utcnow()
    return _complete_group_if_done(session, group)


def fail_group(session: Session, group_id: str, message: str) -> None:
    """A group whose source could not be fetched or expanded at all: status ``failed``,
    verdict ``error``."""
    group = _lock_group(session, group_id)
    if group is None:
        raise LookupError(f"no group scan {group_id}")
    group.status = ScanStatus.FAILED
    group.verdict = "error"
    group.error = message[:_MAX_ERROR_CHARS]
    group.finished_at = utcnow()


def rescan(session: Session, scan: Scan, *, owner_token_id: str | None = None
           ) -> SubmitResult:
    """A forced new scan of the same stored bytes (a group: of each of its files).

    The new scan belongs to ``owner_token_id`` (None: anonymous), whoever owned the
    original; the original's callback URL is kept only when the same principal asks, so
    a callback never goes to someone else's endpoint. Raises ``LookupError`` if the bytes
    were purged. Flushed, not committed.
    """
    callback_url = scan.callback_url if scan.owner_token_id == owner_token_id else None
    if scan.kind == ScanKind.GROUP:
        group = create_group(session, source=dict(scan.source or {"type": "upload"}),
                             owner_token_id=owner_token_id, callback_url=callback_url,
                             filename=scan.filename)
        ids: list[str] = []
        for child in scan.children:
            ids.append(_rescan_file(session, child, owner_token_id, group.id, None).id)
        seal_group(session, group.id)
        return SubmitResult(group, False, ids)
    new = _rescan_file(session, scan, owner_token_id, None, callback_url)
    return SubmitResult(new, False, [new.id])


def _rescan_file(session: Session, scan: Scan, owner_token_id: str | None,
                 group_id: str | None, callback_url: str | None) -> Scan:
    stored = session.get(StoredFile, scan.file_sha256) if scan.file_sha256 else None
    if stored is None or stored.purged_at is not None:
        raise LookupError(f"the bytes of scan {scan.id} are no longer stored")
    new = Scan(kind=ScanKind.FILE, file_sha256=stored.sha256, size=stored.size,
               filename=scan.filename, source_type=scan.source_type,
               source={**(scan.source or {}), "rescan_of": scan.id},
               policy=dict(scan.policy or {}), owner_token_id=owner_token_id,
               callback_url=callback_url, group_id=group_id)
    session.add(new)
    session.flush()
    return new


def rescan_outdated(session: Session) -> list[str]:
    """Queue a new scan for every stored file whose latest result predates the current
    ``ENGINE_VERSION``/``RULES_VERSION`` (``weightscan rescan --outdated``).

    Files with a scan already queued or running are skipped. Returns the new scan ids
    (flushed, not committed); the caller enqueues them after the commit.
    """
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION

    latest_ids = (
        select(Scan.file_sha256, func.max(Scan.created_at).label("latest"))
        .where(Scan.kind == ScanKind.FILE, Scan.file_sha256.is_not(None))
        .group_by(Scan.file_sha256)
        .subquery()
    )
    rows = session.scalars(
        select(Scan)
        .join(latest_ids, (Scan.file_sha256 == latest_ids.c.file_sha256)
              & (Scan.created_at == latest_ids.c.latest))
        .join(StoredFile, StoredFile.sha256 == Scan.file_sha256)
        .where(StoredFile.purged_at.is_(None), Scan.kind == ScanKind.FILE)
    ).all()
    seen: set[str] = set()
    new_ids: list[str] = []
    for scan in rows:
        if scan.file_sha256 in seen or scan.file_sha256 is None:
            continue
        seen.add(scan.file_sha256)
        if scan.status not in FINISHED:
            continue
        if scan.engine_version == ENGINE_VERSION and scan.rules_version == RULES_VERSION:
            continue
        new = Scan(kind=ScanKind.FILE, file_sha256=scan.file_sha256, size=scan.size,
                   filename=scan.filename, source_type=scan.source_type,
                   source={**(scan.source or {}), "rescan_of": scan.id, "reason": "outdated"},
                   policy=dict(scan.policy or {}))
        session.add(new)
        session.flush()
        new_ids.append(new.id)
    return new_ids


def delete_scan(session: Session, scan_id: str) -> list[str] | None:
    """Delete a scan (a group: with its children); flush, not commit. Returns the sha256s
    of blobs no scan uses any more (marked purged), or None if there is no such scan.

    The caller commits, then ``purge_blobs``: purging first would leave rows pointing at
    nothing if the commit failed.
    """
    scan = session.get(Scan, scan_id)
    if scan is None:
        return None
    shas = {s.file_sha256 for s in [scan, *scan.children] if s.file_sha256}
    session.delete(scan)
    session.flush()
    unused = []
    for sha in sorted(shas):
        still_used = session.scalar(select(func.count()).select_from(Scan)
                                    .where(Scan.file_sha256 == sha))
        if not still_used:
            unused.append(sha)
            stored = session.get(StoredFile, sha)
            if stored is not None:
                stored.purged_at = utcnow()
    session.flush()
    return unused


def purge_blobs(blobstore: BlobStore, shas: Iterable[str]) -> None:
    """Remove the bytes of blobs a committed ``delete_scan`` left unused."""
    for sha in shas:
        blobstore.delete(sha)


# --------------------------------------------------------------------------- execution
ProgressHook = Callable[[str, dict[str, Any]], None]


def run_scan(session_factory: sessionmaker[Session], blobstore: BlobStore, scan_id: str,
             settings: Settings, *, progress: ProgressHook | None = None,
             deadline_errors: tuple[type[BaseException], ...] = ()) -> RunOutcome:
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
        message = (f"gave up after {attempt - 1} attempts: the worker was lost while "
                   f"scanning this file (it may exhaust memory or time)")
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
        return record_error(session_factory, scan_id, "the file's bytes are no longer stored",
                            attempt=attempt)
    except BlobStoreError as exc:
        release_claim(session_factory, scan_id, attempt)
        raise TransientError(str(exc)) from exc
    except deadline_errors:
        return record_error(session_factory, scan_id, "timeout: the task time limit ran out",
                            attempt=attempt)
    except Exception as exc:
        log.exception("scan %s: scanner raised", scan_id)
        return record_error(session_factory, scan_id,
                            f"the scanner failed: {type(exc).__name__}: {exc}", attempt=attempt)
    try:
        return record_report(session_factory, scan_id, report, attempt=attempt,
                             duration=time.monotonic() - started)
    except (OperationalError, InterfaceError) as exc:
        # The database went away while recording: hand the scan back (best effort; if
        # that fails too, the sweeper re-queues it once it is stale) and retry later.
        with contextlib.suppress(Exception):
            release_claim(session_factory, scan_id, attempt)
        raise TransientError(f"database unavailable: {exc}") from exc


def _scan_fileobj(fileobj: Any, name: str, settings: Settings, policy: Mapping[str, Any],
                  publisher: _ProgressPublisher) -> FileReport:
    from weightscan.scanner import scan_fileobj

    allow = tuple(settings.extra_allow) + tuple(policy.get("extra_allow", ()))
    return scan_fileobj(fileobj, name=name, limits=scan_limits(settings), allow=allow,
                        progress=publisher.scanner_callback)


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
            .where(Scan.id == scan_id, Scan.kind == ScanKind.FILE,
                   Scan.status == ScanStatus.QUEUED)
            .values(status=ScanStatus.RUNNING, attempts=Scan.attempts + 1,
                    started_at=utcnow(), progress={"stage": "analyse"})
            .returning(Scan.attempts, Scan.file_sha256, Scan.filename, Scan.size, Scan.policy)
            .execution_options(synchronize_session=False)
        ).first()
        session.commit()
    if row is None:
        return None
    return Claim(int(row.attempts), row.file_sha256, row.filename, int(row.size or 0),
                 dict(row.policy or {}))


def claim_scan(session_factory: sessionmaker[Session], scan_id: str) -> int | None:
    """Claim a scan (see ``claim_scan_row``); returns the attempt number or None."""
    claim = claim_scan_row(session_factory, scan_id)
    return None if claim is None else claim.attempt


def release_claim(session_factory: sessionmaker[Session], scan_id: str, attempt: int) -> None:
    """Undo a claim after an infrastructure failure (not the file's fault)."""
    with session_factory() as session:
        session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING,
                   Scan.attempts == attempt)
            .values(status=ScanStatus.QUEUED, attempts=Scan.attempts - 1, queued_at=utcnow(),
                    progress={"stage": "queued"})
            .execution_options(synchronize_session=False)
        )
        session.commit()


def record_report(session_factory: sessionmaker[Session], scan_id: str, report: FileReport, *,
                  attempt: int, duration: float) -> RunOutcome:
    """Write a scanner ``FileReport`` to the scan row, in one transaction."""
    findings = [
        Finding(ordinal=i, rule_id=f.rule_id, severity=f.severity.value,
                message=_truncate(f.message, 2000), location=f.location.to_dict(),
                evidence=json_safe(dict(f.evidence or {})))
        for i, f in enumerate(report.findings)
    ]
    return _finish(session_factory, scan_id, attempt=attempt, verdict=report.verdict.value,
                   fmt=report.format, summary=json_safe(dict(report.summary or {})),
                   findings=findings, error=None, duration=duration)


def record_error(session_factory: sessionmaker[Session], scan_id: str, message: str, *,
                 attempt: int | None = None) -> RunOutcome:
    """Finish a scan as verdict ``error`` with ``message`` (and one finding saying why)."""
    finding = Finding(ordinal=0, rule_id="scanner.internal-error", severity="high",
                      message=_truncate(message, 2000), location={},
                      evidence={"reason": _truncate(message, 200)})
    return _finish(session_factory, scan_id, attempt=attempt, verdict="error", fmt=None,
                   summary={}, findings=[finding], error=message, duration=None)


def _finish(session_factory: sessionmaker[Session], scan_id: str, *, attempt: int | None,
            verdict: str, fmt: str | None, summary: dict[str, Any], findings: list[Finding],
            error: str | None, duration: float | None) -> RunOutcome:
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION

    with session_factory() as session:
        now = utcnow()
        guard = [Scan.id == scan_id, Scan.status.not_in(FINISHED)]
        if attempt is not None:
            # Only the attempt that holds the claim may write: if the sweeper re-queued us
            # and another worker took over, our late result is dropped.
            guard += [Scan.status == ScanStatus.RUNNING, Scan.attempts == attempt]
        values: dict[str, Any] = {
            "status": ScanStatus.DONE, "verdict": verdict, "summary": summary,
            "engine_version": ENGINE_VERSION, "rules_version": RULES_VERSION,
            "finished_at": now, "duration_seconds": duration, "progress": {"stage": "done"},
            "error": _truncate(error, _MAX_ERROR_CHARS) if error else None,
        }
        if fmt is not None:
            values["format"] = fmt
        # The first statement is a write: on SQLite it takes the write lock before any
        # read in this transaction, so group aggregation below sees every sibling's commit.
        result = session.execute(update(Scan).where(*guard).values(**values)
                                 .execution_options(synchronize_session=False))
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
            group = _lock_group(session, group_id)
            if group is not None:
                _refresh_group_progress(session, group_id, group)
                if _complete_group_if_done(session, group):
                    completed.append(group_id)
        session.commit()
    return RunOutcome(scan_id, ran=True, verdict=verdict, completed_top_level=completed)


# --------------------------------------------------------------------------- groups
def _lock_group(session: Session, group_id: str) -> Scan | None:
    """Load the group row with a row lock (PostgreSQL ``FOR UPDATE``; on SQLite the
    transaction's write lock already serialises writers)."""
    return session.scalars(
        select(Scan).where(Scan.id == group_id, Scan.kind == ScanKind.GROUP)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _child_counts(session: Session, group_id: str) -> tuple[int, int, list[str]]:
    rows = session.execute(
        select(Scan.status, Scan.verdict).where(Scan.group_id == group_id)
    ).all()
    done = [r for r in rows if r.status in FINISHED]
    return len(rows), len(done), [r.verdict or "error" for r in done]


def _refresh_group_progress(session: Session, group_id: str, group: Scan | None = None) -> None:
    group = group or session.get(Scan, group_id)
    if group is None:
        return
    total, done, _ = _child_counts(session, group_id)
    group.progress = {**(group.progress or {}), "files_total": total, "files_done": done,
                      "stage": "scanning" if group.status != ScanStatus.QUEUED else "collecting"}


def _complete_group_if_done(session: Session, group: Scan) -> bool:
    """Finish a sealed group whose children are all finished. Call with the group locked."""
    from weightscan.scanner import ENGINE_VERSION, RULES_VERSION, Verdict

    if group.status != ScanStatus.RUNNING:  # still collecting files, or already finished
        return False
    total, done, verdicts = _child_counts(session, group.id)
    if done < total:
        return False
    worst = Verdict.worst(Verdict(v) if v in Verdict._value2member_map_ else Verdict.ERROR
                          for v in verdicts)
    group.status = ScanStatus.DONE
    group.verdict = worst.value
    group.finished_at = utcnow()
    group.engine_version = ENGINE_VERSION
    group.rules_version = RULES_VERSION
    group.progress = {"stage": "done", "files_total": total, "files_done": done}
    if group.started_at is not None:
        group.duration_seconds = (group.finished_at - group.started_at).total_seconds()
    session.flush()
    return True


# --------------------------------------------------------------------------- sweeping
@dataclass
class SweepResult:
    requeued: list[str] = field(default_factory=list)  # enqueue these again
    given_up: list[str] = field(default_factory=list)  # finished as error
    completed_top_level: list[str] = field(default_factory=list)  # notify about these


def sweep_stale(session_factory: sessionmaker[Session], settings: Settings, *,
                now: datetime | None = None) -> SweepResult:
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
            select(Scan.id, Scan.attempts)
            .where(Scan.kind == ScanKind.FILE, Scan.status == ScanStatus.RUNNING,
                   Scan.started_at < cutoff)
        ).all()
        queued = session.scalars(
            select(Scan.id)
            .where(Scan.kind == ScanKind.FILE, Scan.status == ScanStatus.QUEUED,
                   Scan.queued_at < cutoff)
            .order_by(Scan.queued_at).limit(1000)
        ).all()
    for scan_id, attempts in running:
        _release_lost(session_factory, settings, scan_id, attempts, now, out)
    if queued:
        with session_factory() as session:
            session.execute(update(Scan).where(Scan.id.in_(queued),
                                               Scan.status == ScanStatus.QUEUED)
                            .values(queued_at=now)
                            .execution_options(synchronize_session=False))
            session.commit()
        out.requeued += list(queued)
    return out


def release_lost_scan(session_factory: sessionmaker[Session], settings: Settings,
                      scan_id: str) -> SweepResult:
    """The worker process running ``scan_id`` died (OOM kill, segfault): put it back in
    the queue now rather than after ``stale_after_seconds``. The lost attempt counts, so
    a file that always kills its worker still ends as ``error`` after ``max_attempts``."""
    out = SweepResult()
    with session_factory() as session:
        attempts = session.scalar(select(Scan.attempts).where(
            Scan.id == scan_id, Scan.kind == ScanKind.FILE,
            Scan.status == ScanStatus.RUNNING))
    if attempts is not None:
        _release_lost(session_factory, settings, scan_id, int(attempts), utcnow(), out)
    return out


def _release_lost(session_factory: sessionmaker[Session], settings: Settings, scan_id: str,
                  attempts: int, now: datetime, out: SweepResult) -> None:
    """A running scan whose worker is gone: back to ``queued``, or ``error`` once its
    attempts reached ``max_attempts``."""
    if attempts >= settings.max_attempts:
        outcome = record_error(
            session_factory, scan_id,
            f"worker lost {attempts} times while scanning this file; giving up",
            attempt=attempts)
        if outcome.ran:
            out.given_up.append(scan_id)
            out.completed_top_level += outcome.completed_top_level
        return
    with session_factory() as session:
        result = session.execute(
            update(Scan)
            .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING,
                   Scan.attempts == attempts)
            .values(status=ScanStatus.QUEUED, queued_at=now,
                    progress={"stage": "queued", "requeued": True})
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if result.rowcount == 1:  # type: ignore[attr-defined]
        out.requeued.append(scan_id)


# --------------------------------------------------------------------------- helpers
class _ProgressPublisher:
    """Throttled progress writes to the scan row (a separate short transaction each)."""

    def __init__(self, session_factory: sessionmaker[Session], scan_id: str, size: int,
                 hook: ProgressHook | None) -> None:
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
                session.execute(update(Scan)
                                .where(Scan.id == self._scan_id,
                                       Scan.status == ScanStatus.RUNNING)
                                .values(progress=data)
                                .execution_options(synchronize_session=False))
                session.commit()
        except Exception:  # progress is best effort; never fail a scan over it
            log.warning("scan %s: progress update failed", self._scan_id, exc_info=True)



def _truncate(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- lookups
def lookup_file(session: Session, sha256: str) -> tuple[StoredFile, Scan | None, list[str]] | None:
    """For ``GET /files/<sha256>``: the stored file, its latest finished default-policy
    file scan (the verdict to show) and up to 20 distinct names it was submitted under;
    None if unknown. One indexed query each (``files`` by primary key, ``scans`` by
    ``file_sha256``)."""
    stored = session.get(StoredFile, sha256.lower())
    if stored is None:
        return None
    # Only a default-policy scan speaks for the file: a caller's extra allowed imports
    # must not clear it for everyone.
    latest = next((s for s in session.scalars(
        select(Scan).where(Scan.file_sha256 == stored.sha256, Scan.kind == ScanKind.FILE,
                           Scan.status == ScanStatus.DONE)
        .order_by(Scan.finished_at.desc()).limit(50)) if not s.policy), None)
    names = session.scalars(
        select(Scan.filename).where(Scan.file_sha256 == stored.sha256,
                                    Scan.filename.is_not(None))
        .distinct().limit(20)
    ).all()
    return stored, latest, [n for n in names if n]
