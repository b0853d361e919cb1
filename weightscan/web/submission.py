"""From a request body to committed, enqueued scans -- shared by the API and the form.

Order matters: stream to a temp file while hashing
(``weightscan.core.uploads.stream_to_temp``), let the pipeline store the blob and record or
reuse a scan (``weightscan.core.scans.submit.submit_file``, deduplicated by sha256), COMMIT, and
only then send ids to the workers.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

from flask import current_app
from sqlalchemy.orm import Session

from weightscan.core.blobstore import BlobStore, make_blobstore
from weightscan.core.dispatch import Work
from weightscan.core.models import Scan
from weightscan.core.scans.submit import create_group, seal_group, submit_file
from weightscan.core.settings import Settings
from weightscan.core.uploads import (
    StreamedFile,
    UploadError,
    UploadIncomplete,
    UploadStorageFull,
    UploadTooLarge,
    display_filename,
    original_filename,
    stream_to_temp,
)
from weightscan.web.auth import Principal
from weightscan.web.db import get_session
from weightscan.web.errors import (
    ApiError,
    BadRequestError,
    DigestMismatchError,
    InsufficientStorageError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from weightscan.web.metrics import metrics
from weightscan.web.queue import dispatcher

SHA256_RE = re.compile(r"\A[0-9a-f]{64}\Z")


@dataclass
class Submission:
    """What one request created: the scan to answer with, and the work to send once the
    transaction is committed."""

    scan: Scan
    cached: bool
    work: Work = field(default_factory=Work)


def settings() -> Settings:
    s: Settings = current_app.config["WEIGHTSCAN_SETTINGS"]
    return s


def receive(
    stream: IO[bytes], *, expected_sha256: str | None = None, expected_size: int | None = None
) -> StreamedFile:
    """Stream a body to a temp file, mapping upload failures to API errors."""
    cfg = settings()
    temp_dir = cfg.home / "tmp"
    try:
        received = stream_to_temp(
            stream, cfg.max_upload_bytes, temp_dir=temp_dir, expected_size=expected_size
        )
    except UploadTooLarge as exc:
        metrics().uploads_rejected.labels("too_large").inc()
        raise PayloadTooLargeError(str(exc)) from exc
    except UploadStorageFull as exc:
        metrics().uploads_rejected.labels("storage_full").inc()
        raise InsufficientStorageError(str(exc)) from exc
    except UploadIncomplete as exc:
        metrics().uploads_rejected.labels("incomplete").inc()
        raise BadRequestError(f"The upload ended early: {exc}") from exc
    except UploadError as exc:
        metrics().uploads_rejected.labels("error").inc()
        raise BadRequestError(str(exc)) from exc
    except ApiError:
        raise
    except Exception as exc:
        # Werkzeug raises RequestEntityTooLarge past MAX_CONTENT_LENGTH while streaming.
        if getattr(exc, "code", None) == 413:
            metrics().uploads_rejected.labels("too_large").inc()
            raise PayloadTooLargeError(
                f"upload exceeds the limit of {cfg.max_upload_bytes} bytes"
            ) from exc
        raise
    if expected_sha256 and not hmac.compare_digest(received.sha256, expected_sha256):
        received.path.unlink(missing_ok=True)
        metrics().uploads_rejected.labels("digest_mismatch").inc()
        raise DigestMismatchError(
            f"X-Content-SHA256 says {expected_sha256} but the body hashes to {received.sha256}."
        )
    return received


def parse_digest_header(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().lower()
    if not SHA256_RE.match(value):
        raise BadRequestError("X-Content-SHA256 must be 64 lower-case hex digits.")
    return value


def blobstore() -> BlobStore:
    """The app's blob store, built once from settings."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store: BlobStore | None = app.extensions.get("weightscan.blobstore")
    if store is None:
        store = make_blobstore(settings())
        app.extensions["weightscan.blobstore"] = store
    return store


def submit_files(
    db: Session,
    files: Iterable[tuple[StreamedFile, str]],
    principal: Principal,
    *,
    force: bool = False,
    callback_url: str | None = None,
    allow: Sequence[str] = (),
) -> Submission:
    """Record scans for received files: one file -> its scan; several -> one group scan.

    Temp files are consumed. Nothing is committed here: the caller calls ``commit_and_send``.
    """
    items = list(files)
    store = blobstore()
    group: Scan | None = None
    if len(items) > 1:
        group = create_group(
            db,
            source="upload",
            owner_token_id=principal.token_id,
            callback_url=callback_url,
            filename=f"{len(items)} files",
        )
    results = []
    for received, name in items:
        original = original_filename(name)
        source = {"type": "upload", **({"original_name": original} if original else {})}
        result = submit_file(
            db,
            store,
            received.path,
            received.sha256,
            received.size,
            display_filename(name),
            source=source,
            force=force,
            owner_token_id=principal.token_id,
            callback_url=None if group else callback_url,
            group_id=group.id if group else None,
            allow=allow,
        )
        results.append(result)
        metrics().scans_submitted.labels("upload").inc()
    to_enqueue = [i for r in results for i in r.to_enqueue]
    if group is None:
        # A cached file is finished now: no worker will report it, so its callbacks
        # (its own and the global one) are sent from here.
        done = [results[0].scan.id] if results[0].cached else []
        return Submission(results[0].scan, results[0].cached, Work(to_enqueue, completed=done))
    completed = seal_group(db, group.id)
    return Submission(
        group,
        all(r.cached for r in results),
        Work(to_enqueue, completed=[group.id] if completed else []),
    )


def submit_uploads(
    uploads: Sequence[tuple[IO[bytes], str]],
    principal: Principal,
    *,
    force: bool = False,
    callback_url: str | None = None,
    allow: Sequence[str] = (),
    expected_sha256: str | None = None,
    expected_size: int | None = None,
) -> Submission:
    """Receive each (body, filename) to a temp file, then record the scans
    (``submit_files``); if anything fails, the temp files received so far are removed.
    Nothing is committed: the caller calls ``commit_and_send``."""
    received: list[tuple[StreamedFile, str]] = []
    try:
        for stream, name in uploads:
            received.append(
                (
                    receive(stream, expected_sha256=expected_sha256, expected_size=expected_size),
                    name,
                )
            )
        return submit_files(
            get_session(), received, principal, force=force, callback_url=callback_url, allow=allow
        )
    except BaseException:
        for item, _ in received:
            item.path.unlink(missing_ok=True)
        raise


def commit_and_send(submission: Submission) -> None:
    """Commit the request's transaction, then send its work to the workers; 503 if the
    broker is unreachable.

    The rows stay ``queued`` and the sweeper enqueues them later, so the scan id in the
    503 body stays valid.
    """
    get_session().commit()
    failed = submission.work.send(dispatcher())
    if failed:
        raise ServiceUnavailableError(
            "The queue is unavailable; the scan is recorded and will be started when it returns.",
            headers={"Retry-After": "30", "Location": f"/api/v1/scans/{submission.scan.id}"},
            scan_id=submission.scan.id,
        )
