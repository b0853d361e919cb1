"""JSON views of scans for the API and the pages, via the one serialiser in weightscan.core.reports.

``scan_json`` adds the request-specific ``cached`` flag around
``weightscan.core.reports.scan_to_dict`` (a submission that reused a result says so even though the
row is its own).
"""

from __future__ import annotations

from typing import Any

from weightscan.core.models import Scan
from weightscan.core.reports import scan_to_dict


def scan_json(scan: Scan, *, cached: bool | None = None, findings: bool = False) -> dict[str, Any]:
    doc = scan_to_dict(scan, include_findings=findings)
    if cached:
        doc["cached"] = True
    return doc
