"""Submission (web side): store rows, dedupe, groups, rescans, deletes; returns ids to enqueue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict, Unpack

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from weightscan.core.blobstore import BlobStore
from weightscan.core.db import utcnow
from weightscan.core.models import Finding, Scan, ScanKind, ScanStatus, SourceType, StoredFile
from weightscan.core.scans.common import FINISHED, MAX_ERROR_CHARS, SubmitResult
from weightscan.core.scans.groups import complete_group_if_done, lock_group, refresh_group_progress


def normalise_policy(allow: Iterable[str] = ()) -> dict[str, Any]:
    """The per-request policy stored on a scan and used in the dedupe key."""
    extra = sorted({a.strip() for a in allow if a and a.strip()})
    return {"extra_allow": extra} if extra else {}


def _source_parts(
    source: Mapping[str, Any] | str | SourceType,
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
        .where(
            Scan.kind == ScanKind.FILE,
            Scan.file_sha256 == sha256,
            Scan.status == ScanStatus.DONE,
            Scan.verdict.is_not(None),
            Scan.verdict != "error",
            Scan.engine_version == ENGINE_VERSION,
            Scan.rules_version == RULES_VERSION,
        )
        .order_by(Scan.finished_at.desc())
        .limit(20)
    )
    for scan in candidates:
        if dict(scan.policy or {}) == dict(policy):
            return scan
    return None


class ScanDetails(TypedDict, total=False):
    """Who asked for a file scan and how (``submit_file`` / ``record_file``)."""

    source: Mapping[str, Any] | str
    force: bool
    owner_token_id: str | None
    callback_url: str | None
    group_id: str | None
    allow: Sequence[str]


def submit_file(
    session: Session,
    blobstore: BlobStore,
    temp_path: Path | str,
    sha256: str,
    size: int,
    filename: str | None,
    **details: Unpack[ScanDetails],
) -> SubmitResult:
    """Store a finished temp file (from ``weightscan.core.uploads.stream_to_temp``) and record
    a scan.

    The temp file is moved into the blob store (consumed). ``source`` is a source type
    (``"upload"``) or a dict with ``"type"`` plus details (url, repo, revision, path…).
    ``allow`` extends the import allowlist for this request (part of the dedupe key).
    Flushed, not committed: the caller commits (several files of a group in one
    transaction), then sends ``to_enqueue``.
    """
    key = blobstore.put(Path(temp_path), sha256)
    return record_file(session, sha256, size, key, filename, **details)


def record_file(
    session: Session,
    sha256: str,
    size: int,
    blob_key: str,
    filename: str | None,
    *,
    source: Mapping[str, Any] | str = "upload",
    force: bool = False,
    owner_token_id: str | None = None,
    callback_url: str | None = None,
    group_id: str | None = None,
    allow: Sequence[str] = (),
) -> SubmitResult:
    """Record a scan of bytes already in the blob store under ``blob_key`` (see
    ``submit_file``). Flushed, not committed."""
    key = blob_key
    source_type, source_data = _source_parts(source)
    policy = normalise_policy(allow)
    ensure_stored_file(session, sha256, size, key)
    previous = None if force else find_reusable_scan(session, sha256, policy)
    scan = Scan(
        kind=ScanKind.FILE,
        file_sha256=sha256,
        size=size,
        filename=filename,
        source_type=source_type,
        source=source_data,
        policy=policy,
        owner_token_id=owner_token_id,
        callback_url=callback_url,
        group_id=group_id,
    )
    if previous is not None:
        copy_result(previous, scan)
    session.add(scan)
    session.flush()
    if previous is not None and group_id is not None:
        refresh_group_progress(session, group_id)
    return SubmitResult(scan, previous is not None, [] if previous is not None else [scan.id])


def copy_result(previous: Scan, scan: Scan) -> None:
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
        Finding(
            ordinal=f.ordinal,
            rule_id=f.rule_id,
            severity=f.severity,
            message=f.message,
            location=dict(f.location or {}),
            evidence=dict(f.evidence or {}),
        )
        for f in previous.findings
    ]


def create_group(
    session: Session,
    *,
    source: Mapping[str, Any] | str = "upload",
    owner_token_id: str | None = None,
    callback_url: str | None = None,
    filename: str | None = None,
) -> Scan:
    """A group scan (several files: a multi-file upload, a repository revision).

    It stays ``queued`` while files are added with ``submit_file(..., group_id=group.id)``;
    call ``seal_group`` once the list is complete. Flushed, not committed.
    """
    source_type, source_data = _source_parts(source)
    group = Scan(
        kind=ScanKind.GROUP,
        status=ScanStatus.QUEUED,
        source_type=source_type,
        source=source_data,
        owner_token_id=owner_token_id,
        callback_url=callback_url,
        filename=filename,
        progress={"stage": "collecting"},
    )
    session.add(group)
    session.flush()
    return group


def seal_group(session: Session, group_id: str) -> bool:
    """Mark the group's file list as complete (status ``running``).

    Returns True when that completed it (every child was already done, e.g. all cached,
    or no files at all): the caller should then send it as completed work
    (``weightscan.core.dispatch.Work.completed``) after committing.
    """
    group = lock_group(session, group_id)
    if group is None:
        raise LookupError(f"no group scan {group_id}")
    if group.status == ScanStatus.QUEUED:
        group.status = ScanStatus.RUNNING
        group.started_at = group.started_at or utcnow()
    return complete_group_if_done(session, group)


def fail_group(session: Session, group_id: str, message: str) -> None:
    """A group whose source could not be fetched or expanded at all: status ``failed``,
    verdict ``error``."""
    group = lock_group(session, group_id)
    if group is None:
        raise LookupError(f"no group scan {group_id}")
    group.status = ScanStatus.FAILED
    group.verdict = "error"
    group.error = message[:MAX_ERROR_CHARS]
    group.finished_at = utcnow()


def rescan(session: Session, scan: Scan, *, owner_token_id: str | None = None) -> SubmitResult:
    """A forced new scan of the same stored bytes (a group: of each of its files).

    The new scan belongs to ``owner_token_id`` (None: anonymous), whoever owned the
    original; the original's callback URL is kept only when the same principal asks, so
    a callback never goes to someone else's endpoint. Raises ``LookupError`` if the bytes
    were purged. Flushed, not committed.
    """
    callback_url = scan.callback_url if scan.owner_token_id == owner_token_id else None
    if scan.kind == ScanKind.GROUP:
        group = create_group(
            session,
            source=dict(scan.source or {"type": "upload"}),
            owner_token_id=owner_token_id,
            callback_url=callback_url,
            filename=scan.filename,
        )
        ids: list[str] = []
        for child in scan.children:
            ids.append(_rescan_file(session, child, owner_token_id, group.id, None).id)
        seal_group(session, group.id)
        return SubmitResult(group, False, ids)
    new = _rescan_file(session, scan, owner_token_id, None, callback_url)
    return SubmitResult(new, False, [new.id])


def _rescan_file(
    session: Session,
    scan: Scan,
    owner_token_id: str | None,
    group_id: str | None,
    callback_url: str | None,
) -> Scan:
    stored = session.get(StoredFile, scan.file_sha256) if scan.file_sha256 else None
    if stored is None or stored.purged_at is not None:
        raise LookupError(f"the bytes of scan {scan.id} are no longer stored")
    new = Scan(
        kind=ScanKind.FILE,
        file_sha256=stored.sha256,
        size=stored.size,
        filename=scan.filename,
        source_type=scan.source_type,
        source={**(scan.source or {}), "rescan_of": scan.id},
        policy=dict(scan.policy or {}),
        owner_token_id=owner_token_id,
        callback_url=callback_url,
        group_id=group_id,
    )
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
        .join(
            latest_ids,
            (Scan.file_sha256 == latest_ids.c.file_sha256)
            & (Scan.created_at == latest_ids.c.latest),
        )
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
        new = Scan(
            kind=ScanKind.FILE,
            file_sha256=scan.file_sha256,
            size=scan.size,
            filename=scan.filename,
            source_type=scan.source_type,
            source={**(scan.source or {}), "rescan_of": scan.id, "reason": "outdated"},
            policy=dict(scan.policy or {}),
        )
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
        still_used = session.scalar(
            select(func.count()).select_from(Scan).where(Scan.file_sha256 == sha)
        )
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
