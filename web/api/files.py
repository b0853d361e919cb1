"""``GET /api/v1/files/<sha256>``: what do we know about this content, without uploading it."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from core.models import Scan, ScanStatus, StoredFile
from core.reports import file_to_dict
from web.api import bp
from web.auth import require
from web.db import get_session
from web.errors import BadRequestError, NotFoundError
from web.submission import SHA256_RE


@bp.get("/files/<sha256>")
def get_file(sha256: str) -> Response:
    principal = require("read")
    digest = sha256.lower()
    if not SHA256_RE.match(digest):
        raise BadRequestError("A file is named by its sha256: 64 hex digits.")
    # One round trip: the file row with its latest scans.
    stmt = (select(Scan, StoredFile).join(StoredFile, StoredFile.sha256 == Scan.file_sha256)
            .where(Scan.file_sha256 == digest)
            .order_by(Scan.created_at.desc()).limit(50))
    if not (principal.is_admin or principal.anonymous):
        stmt = stmt.where(Scan.owner_token_id == principal.token_id)
    rows = get_session().execute(stmt).all()
    if not rows:
        raise NotFoundError(f"No file with sha256 {digest} has been scanned here.")
    stored = rows[0][1]
    scans = [scan for scan, _ in rows]
    done = [s for s in scans if s.status == ScanStatus.DONE]
    last = done[0] if done else scans[0]
    names = list(dict.fromkeys(s.filename for s in scans if s.filename))[:20]
    return jsonify(file_to_dict(stored, last, names=names))
