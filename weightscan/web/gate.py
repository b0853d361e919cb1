"""``?fail_on=suspicious|malicious``: a CI gate that needs no JSON parsing (issue 12).

``curl -sf -T model.pt ".../uploads/model.pt?wait=60&fail_on=suspicious"`` must exit
non-zero for a bad file, and also when there is no verdict yet, so the status code alone
decides:

* 200 -- finished, and the verdict is below the threshold;
* 422 -- finished at or above it, or ``error`` (the scanner could not finish: fail
  closed); the body is the full report (the scan with its findings);
* 409 -- no verdict yet (the wait, capped by the server, ran out); the body is the scan so
  far, poll it after ``Retry-After``.

Every answer carries ``X-Weightscan-Verdict`` (``pending`` while unfinished).
"""

from __future__ import annotations

from flask import Response, jsonify, request

from weightscan.core.models import Scan, ScanStatus
from weightscan.web.errors import BadRequestError
from weightscan.web.serialize import scan_json

FAIL_ON = ("suspicious", "malicious")
_RANK = {"clean": 0, "suspicious": 1, "malicious": 2}
VERDICT_FAILED = 422
NOT_READY = 409


def fail_on_param() -> str | None:
    """The requested threshold (validated before any upload is read), or None."""
    value = request.args.get("fail_on")
    if value is None or value == "":
        return None
    if value not in FAIL_ON:
        raise BadRequestError(f"'fail_on' must be one of {', '.join(FAIL_ON)}.")
    return value


def fails(verdict: str | None, fail_on: str) -> bool:
    if verdict not in _RANK:  # error, or anything unknown: never a pass
        return True
    return _RANK[verdict] >= _RANK[fail_on]


def gate_response(scan: Scan, fail_on: str, *, cached: bool = False) -> Response:
    finished = scan.status in (ScanStatus.DONE, ScanStatus.FAILED)
    failed = finished and fails(scan.verdict, fail_on)
    response = jsonify(scan_json(scan, cached=cached, findings=failed))
    if not finished:
        response.status_code = NOT_READY
        response.headers["Retry-After"] = "1"
    else:
        response.status_code = VERDICT_FAILED if failed else 200
    response.headers["X-Weightscan-Verdict"] = (
        scan.verdict if finished and scan.verdict else "pending"
    )
    response.headers["Location"] = f"/api/v1/scans/{scan.id}"
    return response
