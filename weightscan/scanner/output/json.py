"""One JSON document for a whole scan (``weightscan scan --format json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from weightscan.scanner.output.common import (
    PathError,
    ReportLike,
    json_safe,
    overall_verdict,
    report_dict,
    verdict_counts,
)

JSON_SCHEMA_VERSION = 1  # bump when a key is removed or changes meaning


def json_document(report: ReportLike, *, errors: Sequence[PathError] = ()) -> dict[str, Any]:
    """The report as a JSON-ready dict.

    Keys: ``verdict`` (worst file verdict, at least ``error`` when a path could not be
    scanned), ``engine`` (engine and rules versions), ``policy``, ``counts`` (files per
    verdict), ``files`` (path, sha256, size, format, verdict, findings, summary, ...),
    ``skipped`` (paths not analysed, each with its reason and whether its content was
    analysed under another name) and ``errors`` (paths that could not be scanned at all).
    """
    doc = json_safe(report_dict(report))
    files = list(doc.get("files", ()))
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": "weightscan",
        "verdict": overall_verdict(doc, errors),
        "engine": doc.get("engine", {}),
        "policy": doc.get("policy", {}),
        "counts": {"files": len(files), **verdict_counts(doc)},
        "files": files,
        "skipped": list(doc.get("skipped", ())),
        "errors": [e.to_dict() for e in errors],
    }


def json_report(
    report: ReportLike, *, errors: Sequence[PathError] = (), indent: int | None = 2
) -> str:
    """``json_document`` serialised; strict JSON (no NaN), ends with a newline."""
    return (
        json.dumps(
            json_document(report, errors=errors), indent=indent, allow_nan=False, default=str
        )
        + "\n"
    )
