"""``GET /api/v1/files/<sha256>``: what do we know about this content, without uploading it.

The answer is the verdict under the DEFAULT policy only: a scan someone made with extra
allowed imports (``?allow=``) answers for that caller's policy, never for everyone who
checks the hash (issue 14: one caller must not be able to clear a file for all). A file
scanned only under other policies is unknown here (404: upload it for a default verdict).
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Response, jsonify
from sqlalchemy import Text, cast, select

from weightscan.core.models import Scan, ScanStatus, StoredFile
from weightscan.core.reports import file_to_dict
from weightscan.web.api.blueprint import bp
from weightscan.web.auth import require
from weightscan.web.db import read_engine
from weightscan.web.errors import BadRequestError, NotFoundError
from weightscan.web.submission import SHA256_RE


@bp.get("/files/<sha256>")
def get_file(sha256: str) -> Response:
    principal = require("read")
    digest = sha256.lower()
    if not SHA256_RE.match(digest):
        raise BadRequestError("A file is named by its sha256: 64 hex digits.")
    # One round trip, outside a transaction: the file row with its latest scans.
    stmt = (
        select(
            Scan.id,
            Scan.status,
            Scan.verdict,
            Scan.filename,
            Scan.created_at,
            Scan.finished_at,
            Scan.engine_version,
            Scan.rules_version,
            Scan.policy,
            StoredFile.size,
            StoredFile.first_seen,
            StoredFile.purged_at,
        )
        .join(StoredFile, StoredFile.sha256 == Scan.file_sha256)
        .where(
            Scan.file_sha256 == digest,
            # Default policy in SQL, before the limit: otherwise 50 newer allow=
            # scans (anyone's, for an admin) push the default verdict out (404).
            cast(Scan.policy, Text) == "{}",
        )
        .order_by(Scan.created_at.desc())
        .limit(50)
    )
    if not (principal.is_admin or principal.anonymous):
        stmt = stmt.where(Scan.owner_token_id == principal.token_id)
    with read_engine().connect() as conn:
        rows = [r for r in conn.execute(stmt).all() if not r.policy]
    if not rows:
        raise NotFoundError(
            f"No file with sha256 {digest} has been scanned here under the default policy."
        )
    # A token sees its own history only: "first seen" is its own first scan of these bytes.
    first_seen = (
        rows[0].first_seen
        if principal.is_admin or principal.anonymous
        else min(r.created_at for r in rows)
    )
    stored = SimpleNamespace(
        sha256=digest, size=rows[0].size, first_seen=first_seen, purged_at=rows[0].purged_at
    )
    done = [r for r in rows if r.status == ScanStatus.DONE]
    last = done[0] if done else rows[0]
    names = list(dict.fromkeys(r.filename for r in rows if r.filename))[:20]
    doc = file_to_dict(stored, last, names=names)  # type: ignore[arg-type]
    doc["policy"] = "default"
    return jsonify(doc)
