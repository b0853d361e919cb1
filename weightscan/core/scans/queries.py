"""Read-only look-ups over stored files and their scans."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from weightscan.core.models import Scan, ScanKind, ScanStatus, StoredFile


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
    latest = next(
        (
            s
            for s in session.scalars(
                select(Scan)
                .where(
                    Scan.file_sha256 == stored.sha256,
                    Scan.kind == ScanKind.FILE,
                    Scan.status == ScanStatus.DONE,
                )
                .order_by(Scan.finished_at.desc())
                .limit(50)
            )
            if not s.policy
        ),
        None,
    )
    names = session.scalars(
        select(Scan.filename)
        .where(Scan.file_sha256 == stored.sha256, Scan.filename.is_not(None))
        .distinct()
        .limit(20)
    ).all()
    return stored, latest, [n for n in names if n]
