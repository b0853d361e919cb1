"""``PUT /api/v1/uploads/<filename>``: the raw body is the file (``curl -T model.pt``).

The body is read from ``request.stream`` in 1 MiB chunks into a temp file while hashed;
the size cap is checked from ``Content-Length`` before reading and again while streaming;
an optional ``X-Content-SHA256`` must match. ``?force=true`` skips the sha256 cache,
``?wait=N`` (<= 60, capped by the server: api.common) long-polls for the verdict,
``?fail_on=suspicious|malicious`` turns the answer into a status-code gate
(``weightscan.web.gate``).
"""

from __future__ import annotations

from flask import Response, current_app, request

from weightscan.web.api.blueprint import bp
from weightscan.web.api.common import allow_entries, query_bool, wait_seconds
from weightscan.web.api.scans import finish_submission
from weightscan.web.auth import require
from weightscan.web.errors import BadRequestError, PayloadTooLargeError
from weightscan.web.gate import fail_on_param
from weightscan.web.metrics import metrics
from weightscan.web.submission import parse_digest_header, submit_uploads


@bp.put("/uploads/<path:filename>")
def put_upload(filename: str) -> Response:
    principal = require("submit")
    settings = current_app.config["WEIGHTSCAN_SETTINGS"]
    force = query_bool("force")
    seconds = wait_seconds()
    fail_on = fail_on_param()
    allow = allow_entries()
    expected = parse_digest_header(request.headers.get("X-Content-SHA256"))
    length = request.content_length
    if length is not None and length > settings.max_upload_bytes:
        metrics().uploads_rejected.labels("too_large").inc()
        raise PayloadTooLargeError(
            f"Content-Length {length} exceeds the limit of {settings.max_upload_bytes} bytes."
        )
    # Werkzeug re-checks MAX_CONTENT_LENGTH while streaming; ours is exact for raw bodies.
    request.max_content_length = settings.max_upload_bytes
    if length is None and not request.environ.get("wsgi.input_terminated"):
        raise BadRequestError("Send Content-Length or a chunked body.")
    submission = submit_uploads(
        [(request.stream, filename)],
        principal,
        force=force,
        allow=allow,
        expected_sha256=expected,
        expected_size=length,
    )
    return finish_submission(submission, seconds, fail_on)
