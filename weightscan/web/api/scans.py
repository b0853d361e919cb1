"""``/api/v1/scans``: submit (multipart files, or a JSON ``source``), list, read, report,
rescan, delete.

Several files in one multipart request become ONE group scan (kind ``group``) whose
``files`` list the per-file scans; one file gives that file's scan. Answers 202 with
``Location`` while the scan runs, 200 once it is finished (cached or within ``?wait``).
"""

from __future__ import annotations

import json

from flask import Response, current_app, jsonify, request, url_for

from weightscan.core.dispatch import Work
from weightscan.core.models import Scan, ScanKind
from weightscan.core.scans.common import FINISHED
from weightscan.web.api.blueprint import bp
from weightscan.web.api.common import (
    allow_entries,
    query_bool,
    query_int,
    visible_scan,
    wait_seconds,
    wait_until_finished,
)
from weightscan.web.auth import Principal, require
from weightscan.web.db import get_session
from weightscan.web.errors import (
    BadRequestError,
    ForbiddenError,
    GoneError,
    NotAvailableYet,
    source_error,
)
from weightscan.web.gate import fail_on_param, gate_response
from weightscan.web.listing import encode_cursor, list_filters, page_of_scans
from weightscan.web.queue import dispatcher
from weightscan.web.serialize import scan_json
from weightscan.web.submission import Submission, commit_and_send, submit_uploads

MAX_FILES_PER_REQUEST = 100


def scan_response(
    scan: Scan, *, cached: bool, findings: bool = False, fail_on: str | None = None
) -> Response:
    if fail_on:
        return gate_response(scan, fail_on, cached=cached)
    body = jsonify(scan_json(scan, cached=cached, findings=findings))
    if scan.status in FINISHED:
        body.status_code = 200
    else:
        body.status_code = 202
        body.headers["Retry-After"] = "1"
    body.headers["Location"] = f"/api/v1/scans/{scan.id}"
    return body


def finish_submission(submission: Submission, seconds: int, fail_on: str | None = None) -> Response:
    """Commit, enqueue, optionally long-poll (``seconds``, validated before the upload was
    read), answer (through the ``fail_on`` gate when asked)."""
    commit_and_send(submission)
    scan = submission.scan
    if seconds:
        scan = wait_until_finished(get_session(), scan, seconds)
    return scan_response(scan, cached=submission.cached, fail_on=fail_on)


@bp.post("/scans")
def create_scan() -> Response:
    principal = require("submit")
    seconds = wait_seconds()
    fail_on = fail_on_param()
    if request.is_json:
        return _submit_source(principal, seconds, fail_on)
    uploads = request.files.getlist("file") + request.files.getlist("files")
    uploads = [u for u in uploads if u.filename or u.content_length]
    if not uploads:
        raise BadRequestError(
            "Send multipart/form-data with one or more 'file' parts, or JSON with a 'source'."
        )
    if len(uploads) > MAX_FILES_PER_REQUEST:
        raise BadRequestError(f"At most {MAX_FILES_PER_REQUEST} files per request.")
    force = query_bool("force")
    allow = allow_entries()
    callback_url = (request.form.get("callback_url") or "").strip() or None
    if callback_url:
        check_callback_url(callback_url)  # before the upload is stored, as the JSON path
    submission = submit_uploads(
        [(u.stream, u.filename or "upload") for u in uploads],
        principal,
        force=force,
        callback_url=callback_url,
        allow=allow,
    )
    return finish_submission(submission, seconds, fail_on)


def check_callback_url(url: str) -> None:
    """400 ``UrlNotAllowedError`` unless the SSRF guard would deliver to ``url``."""
    from weightscan.core.fetch import FetchRefused, callback_policy, check_url

    try:
        check_url(url, callback_policy(current_app.config["WEIGHTSCAN_SETTINGS"]))
    except FetchRefused as exc:
        err = BadRequestError(f"callback_url refused: {exc.reason}"[:500])
        err.code = "UrlNotAllowedError"
        raise err from None


def _submit_source(principal: Principal, seconds: int, fail_on: str | None) -> Response:
    from weightscan.core.registry import submit_source

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("source"), dict):
        raise BadRequestError("JSON body must be an object with a 'source' object.")
    callback_url = body.get("callback_url")
    if callback_url is not None and not isinstance(callback_url, str):
        raise BadRequestError("'callback_url' must be a string.")
    force = body.get("force", False) is True or query_bool("force")
    db = get_session()
    try:
        group, work = submit_source(
            db,
            current_app.config["WEIGHTSCAN_SETTINGS"],
            body["source"],
            callback_url=callback_url,
            owner_token_id=principal.token_id,
            force=force,
            use_server_token=principal.is_admin or principal.anonymous,
        )
    except Exception as exc:
        raise source_error(exc) from exc
    db.commit()
    work.send(dispatcher())  # broker down: the group stays queued for the sweeper
    from weightscan.web.metrics import metrics

    metrics().scans_submitted.labels(str(body["source"].get("type", "url"))[:20]).inc()
    scan = group
    if seconds:
        scan = wait_until_finished(db, scan, seconds)
    return scan_response(scan, cached=False, fail_on=fail_on)


@bp.get("/scans/<scan_id>")
def get_scan(scan_id: str) -> Response:
    principal = require("read")
    seconds = wait_seconds()
    fail_on = fail_on_param()
    db = get_session()
    scan = visible_scan(db, scan_id, principal)
    if seconds:
        scan = wait_until_finished(db, scan, seconds)
    if fail_on:
        return gate_response(scan, fail_on)
    response = jsonify(scan_json(scan))
    if scan.status not in FINISHED:
        response.headers["Retry-After"] = "1"
    return response


def _finished_scan(scan_id: str) -> Scan:
    principal = require("read")
    scan = visible_scan(get_session(), scan_id, principal)
    if scan.status not in FINISHED:
        raise NotAvailableYet(
            f"Scan {scan.id} is {scan.status.value}; the report is not ready.",
            headers={"Retry-After": "1"},
        )
    return scan


@bp.get("/scans/<scan_id>/report")
def get_report(scan_id: str) -> Response:
    return jsonify(scan_json(_finished_scan(scan_id), findings=True))


@bp.get("/scans/<scan_id>/report.sarif")
def get_sarif(scan_id: str) -> Response:
    from weightscan.core.reports import report_document
    from weightscan.scanner.output.sarif import sarif_log

    scan = _finished_scan(scan_id)
    doc = sarif_log(report_document(scan), base_dir=None)
    response = current_app.response_class(
        json.dumps(doc, ensure_ascii=False), mimetype="application/sarif+json"
    )
    return response


@bp.get("/scans/<scan_id>/report.junit.xml")
def get_junit(scan_id: str) -> Response:
    from weightscan.web.junit import FAIL_ON, junit_xml

    fail_on = request.args.get("fail_on", "suspicious")
    if fail_on not in FAIL_ON:
        raise BadRequestError(f"'fail_on' must be one of {', '.join(FAIL_ON)}.")
    doc = scan_json(_finished_scan(scan_id), findings=True)
    return current_app.response_class(junit_xml(doc, fail_on), mimetype="application/xml")


@bp.get("/scans")
def list_scans() -> Response:
    principal = require("read")
    db = get_session()
    limit = query_int("limit", 20, 1, 100)
    rows = page_of_scans(db, principal, request.args.get("cursor"), limit)
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    response = jsonify({"data": [scan_json(s) for s in rows[:limit]], "next_cursor": next_cursor})
    if next_cursor:
        url = url_for("api.list_scans", cursor=next_cursor, **list_filters())
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


@bp.post("/scans/<scan_id>/rescan")
def rescan(scan_id: str) -> Response:
    from weightscan.core.scans.submit import rescan as pipeline_rescan
    from weightscan.web.metrics import metrics

    principal = require("submit")
    seconds = wait_seconds()
    fail_on = fail_on_param()
    db = get_session()
    scan = visible_scan(db, scan_id, principal)
    if scan.kind == ScanKind.GROUP and not scan.children:
        raise GoneError("This group has no stored files to scan again; submit its source.")
    try:
        result = pipeline_rescan(db, scan, owner_token_id=principal.token_id)
    except LookupError as exc:
        db.rollback()
        raise GoneError("The file's bytes were purged; submit it again.") from exc
    metrics().scans_submitted.labels("rescan").inc()
    return finish_submission(
        Submission(result.scan, False, Work(list(result.to_enqueue))), seconds, fail_on
    )


@bp.delete("/scans/<scan_id>")
def delete_scan(scan_id: str) -> Response:
    from weightscan.core.scans.submit import delete_scan as pipeline_delete
    from weightscan.core.scans.submit import purge_blobs
    from weightscan.web.submission import blobstore

    principal = require("read")
    db = get_session()
    scan = visible_scan(db, scan_id, principal)
    if not principal.can_delete(scan):
        raise ForbiddenError("Only an admin token or the scan's owner may delete it.")
    unused = pipeline_delete(db, scan.id) or []
    db.commit()
    purge_blobs(blobstore(), unused)  # only now: a failed commit keeps rows and bytes
    return Response(status=204)
