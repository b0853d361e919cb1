"""The one serialiser of scans: rows in, the JSON the API, the HTML pages and SARIF use.

``scan_to_dict(scan, include_findings=...)`` is the API "Scan object"
(service-conventions §7): ``id, kind, status, verdict, stats, progress, source, files[],
engine{version, rules_version, policy}, cached, cached_from, error, created_at,
started_at, completed_at, duration_seconds, links``. With ``include_findings`` every
``files[]`` entry also carries ``findings`` and ``summary`` (the "report").

Statuses are exposed exactly as stored: ``queued``, ``running``, ``done``, ``failed``.
Verdicts are the scanner's: ``clean``, ``suspicious``, ``malicious``, ``error`` (or null
while unfinished). ``report_document(scan)`` gives the ``ScanReport.to_dict()`` shape that
``weightscan.scanner.output.sarif.sarif_log`` and the other scanner renderers accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from weightscan.core.models import Finding, Scan, ScanKind, StoredFile

VERDICTS = ("clean", "suspicious", "error", "malicious")
API_PREFIX = "/api/v1"


def iso(value: datetime | None) -> str | None:
    """RFC 3339 UTC timestamp (``2026-11-26T04:50:00.123Z``) or None."""
    if value is None:
        return None
    if value.tzinfo is None:  # not from a column (those are aware: core.db.UTCDateTime)
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_scans(scan: Scan) -> list[Scan]:
    """The file-level scans a scan covers: itself, or a group's children."""
    return list(scan.children) if scan.kind == ScanKind.GROUP else [scan]


def finding_to_dict(finding: Finding, *, file: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "message": finding.message,
        "location": dict(finding.location or {}),
        "evidence": dict(finding.evidence or {}),
    }
    if file is not None:
        data["file"] = file
    return data


def file_entry(scan: Scan, *, include_findings: bool) -> dict[str, Any]:
    """One ``files[]`` entry of the Scan object."""
    entry: dict[str, Any] = {
        "scan_id": scan.id,
        "path": scan.filename or scan.file_sha256 or "",
        "sha256": scan.file_sha256,
        "size": scan.size,
        "format": scan.format,
        "status": scan.status.value,
        "verdict": scan.verdict,
        "findings_count": len(scan.findings),
        "cached": scan.cached_from is not None,
        "error": scan.error,
    }
    if include_findings:
        entry["findings"] = [finding_to_dict(f) for f in scan.findings]
        entry["summary"] = dict(scan.summary or {})
        entry["duration_seconds"] = scan.duration_seconds
    return entry


def stats(files: Sequence[Scan]) -> dict[str, int]:
    """Files per verdict (every verdict present), plus ``pending``."""
    counts = {v: 0 for v in VERDICTS}
    counts["pending"] = 0
    for f in files:
        if f.verdict in counts:
            counts[f.verdict] += 1
        else:
            counts["pending"] += 1
    return counts


def links(scan_id: str, base_url: str = "") -> dict[str, str]:
    base = base_url.rstrip("/")
    api = f"{base}{API_PREFIX}/scans/{scan_id}"
    return {
        "self": api,
        "report": f"{api}/report",
        "sarif": f"{api}/report.sarif",
        "html": f"{base}/scans/{scan_id}",
    }


def scan_to_dict(
    scan: Scan, *, include_findings: bool = False, base_url: str = ""
) -> dict[str, Any]:
    """The API Scan object (see the module docstring); ``base_url`` prefixes links."""
    files = file_scans(scan)
    progress = dict(scan.progress or {})
    if scan.kind == ScanKind.GROUP:
        progress.setdefault("files_total", len(files))
        progress.setdefault("files_done", sum(1 for f in files if f.verdict is not None))
    source = dict(scan.source or {})
    source.setdefault("type", scan.source_type.value)
    return {
        "id": scan.id,
        "kind": scan.kind.value,
        "status": scan.status.value,
        "verdict": scan.verdict,
        "stats": stats(files),
        "progress": progress,
        "source": source,
        "files": [file_entry(f, include_findings=include_findings) for f in files],
        "engine": {
            "version": scan.engine_version,
            "rules_version": scan.rules_version,
            "policy": dict(scan.policy or {}),
        },
        "cached": scan.cached_from is not None,
        "cached_from": visible_origin(scan),
        "error": scan.error,
        "attempts": scan.attempts,
        "created_at": iso(scan.created_at),
        "started_at": iso(scan.started_at),
        "completed_at": iso(scan.finished_at),
        "duration_seconds": scan.duration_seconds,
        "links": links(scan.id, base_url),
    }


def visible_origin(scan: Scan) -> str | None:
    """``cached_from`` when the reused scan has this scan's owner, else None: a result
    reused across principals must not name (or date) someone else's scan."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    if scan.cached_from is None:
        return None
    session = object_session(scan)
    if session is None:
        return None
    owner = session.scalar(select(Scan.owner_token_id).where(Scan.id == scan.cached_from))
    return scan.cached_from if owner == scan.owner_token_id else None


def report_document(scan: Scan) -> dict[str, Any]:
    """The scan in ``scanner.ScanReport.to_dict()`` shape, for the scanner's renderers
    (SARIF, text): ``{"verdict", "engine", "policy", "files": [{path, sha256, size,
    format, verdict, findings, summary, duration_seconds}]}``."""
    files = [
        {
            "path": f.filename or f.file_sha256 or f.id,
            "sha256": f.file_sha256,
            "size": f.size or 0,
            "format": f.format or "unknown",
            "verdict": f.verdict or "error",
            "findings": [finding_to_dict(x) for x in f.findings],
            "summary": dict(f.summary or {}),
            "duration_seconds": f.duration_seconds or 0.0,
        }
        for f in file_scans(scan)
    ]
    return {
        "verdict": scan.verdict or "error",
        "engine": {"version": scan.engine_version, "rules_version": scan.rules_version},
        "policy": dict(scan.policy or {}),
        "files": files,
    }


def file_to_dict(
    stored: StoredFile, latest: Scan | None, *, names: Sequence[str] = (), base_url: str = ""
) -> dict[str, Any]:
    """The API File object for ``GET /api/v1/files/<sha256>`` (hash lookup)."""
    return {
        "sha256": stored.sha256,
        "size": stored.size,
        "names": list(names),
        "first_seen": iso(stored.first_seen),
        "stored": stored.purged_at is None,
        "last_scan_id": latest.id if latest else None,
        "last_scan_date": iso(latest.finished_at) if latest else None,
        "last_verdict": latest.verdict if latest else None,
        "last_status": latest.status.value if latest else None,
        "last_engine": (
            {"version": latest.engine_version, "rules_version": latest.rules_version}
            if latest
            else None
        ),
        "links": links(latest.id, base_url) if latest else {},
    }
