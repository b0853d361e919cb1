"""The scan list behind ``GET /api/v1/scans`` and the ``/scans`` page: query-string
filters, visibility, newest-first keyset pages and their opaque cursors.

Its own module so the page and the API route share it without importing each other."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from flask import request
from sqlalchemy import and_, or_, select

from weightscan.core.models import Scan, ScanStatus, SourceType
from weightscan.core.reports import VERDICTS
from weightscan.web.auth import Principal
from weightscan.web.errors import BadRequestError

STATUSES = tuple(s.value for s in ScanStatus)
SOURCES = tuple(s.value for s in SourceType)


def page_of_scans(db: Any, principal: Any, cursor: str | None, limit: int) -> list[Scan]:
    """Up to ``limit + 1`` scans the principal may see, newest first, after ``cursor``
    (the extra row tells the caller whether a next page exists)."""
    stmt = filtered_scans(principal)
    if cursor:
        created, last_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(Scan.created_at < created, and_(Scan.created_at == created, Scan.id < last_id))
        )
    return list(db.scalars(stmt.order_by(Scan.created_at.desc(), Scan.id.desc()).limit(limit + 1)))


LIST_FILTERS = ("sha256", "verdict", "status", "source", "q", "limit")


def list_filters() -> dict[str, Any]:
    """The list's own query arguments, for the next page's link: never the whole query
    string, whose ``endpoint``, ``_anchor``, ``_external``... are ``url_for`` keywords."""
    return {k: v for k in LIST_FILTERS if (v := request.args.get(k))}


def filtered_scans(principal: Principal) -> Any:
    """The ``select`` behind the list (API and page): filters from the query string."""
    stmt = select(Scan)
    args = request.args
    sha256 = (args.get("sha256") or "").strip().lower()
    if sha256:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BadRequestError("'sha256' must be 64 hex digits.")
        stmt = stmt.where(Scan.file_sha256 == sha256)
    else:
        stmt = stmt.where(Scan.group_id.is_(None))  # top level: files and groups
    for name, allowed, column in (
        ("verdict", VERDICTS, Scan.verdict),
        ("status", STATUSES, Scan.status),
        ("source", SOURCES, Scan.source_type),
    ):
        value = args.get(name)
        if value:
            if value not in allowed:
                raise BadRequestError(f"'{name}' must be one of {', '.join(allowed)}.")
            stmt = stmt.where(column == value)
    text = (args.get("q") or "").strip()[:200]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Scan.filename.ilike(pattern, escape="\\"),
                Scan.file_sha256.ilike(pattern, escape="\\"),
            )
        )
    if not (principal.is_admin or principal.anonymous):
        stmt = stmt.where(Scan.owner_token_id == principal.token_id)
    return stmt


def encode_cursor(scan: Scan) -> str:
    raw = json.dumps([scan.created_at.isoformat(), scan.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, scan_id = json.loads(raw)
        if "\x00" in str(scan_id):  # PostgreSQL text cannot hold NUL
            raise ValueError("NUL in cursor")
        return datetime.fromisoformat(created), str(scan_id)
    except (binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise BadRequestError("'cursor' is not a cursor this server issued.") from exc
