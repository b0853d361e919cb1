"""Errors as RFC 9457 ``application/problem+json`` with a stable ``code``.

Every error the API (and Flask itself: 404, 405, 413, 500...) produces goes through
``problem_response``; HTML pages get a small HTML error page instead. Stack traces are
logged, never sent.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from flask import Flask, Response, current_app, json, render_template, request
from werkzeug.exceptions import HTTPException

from weightscan.core.blobstore import BlobStoreError, BlobStoreFull
from weightscan.web.request_ids import request_id

log = logging.getLogger("weightscan.web")

PROBLEM_JSON = "application/problem+json"

# Werkzeug/Flask status codes -> our stable codes.
_HTTP_CODES = {
    400: "BadRequestError",
    401: "AuthenticationRequiredError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "NotAvailableYet",
    410: "GoneError",
    411: "LengthRequiredError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    422: "UnprocessableEntityError",
    429: "RateLimitedError",
    500: "InternalError",
    501: "NotImplementedError",
    503: "ServiceUnavailableError",
}


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a human detail."""

    status = 400
    code = "BadRequestError"
    title = "Bad request"

    def __init__(
        self, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra


class BadRequestError(ApiError):
    pass


class AuthenticationRequiredError(ApiError):
    status, code, title = 401, "AuthenticationRequiredError", "Authentication required"


class ForbiddenError(ApiError):
    status, code, title = 403, "ForbiddenError", "Forbidden"


class NotFoundError(ApiError):
    status, code, title = 404, "NotFoundError", "Not found"


class NotAvailableYet(ApiError):
    status, code, title = 409, "NotAvailableYet", "Not available yet"


class GoneError(ApiError):
    status, code, title = 410, "GoneError", "Gone"


class PayloadTooLargeError(ApiError):
    status, code, title = 413, "PayloadTooLargeError", "Payload too large"


class DigestMismatchError(ApiError):
    status, code, title = 400, "DigestMismatchError", "Content digest mismatch"


class ServiceUnavailableError(ApiError):
    status, code, title = 503, "ServiceUnavailableError", "Service unavailable"


class InsufficientStorageError(ApiError):
    status, code, title = 507, "InsufficientStorageError", "Insufficient storage"


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path if request else None,
    }
    body.update(extra)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_html() -> bool:
    """HTML for the page routes; problem+json for the API and anything asking for JSON."""
    if request.path.startswith(("/api/", "/healthz", "/readyz", "/metrics")):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best == "text/html"


def schema_missing(exc: Exception) -> bool:
    """A table this code needs does not exist: nobody ran the migrations."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def render_error_page(status: int, title: str, detail: str, headers: dict[str, str]) -> Response:
    body = render_template("error.html", status=status, title=title, detail=detail)
    response = current_app.response_class(body, status=status, mimetype="text/html")
    for name, value in headers.items():
        response.headers[name] = value
    return response


def source_error(exc: Exception) -> Exception:
    """The API error for a refused ``source`` submission (API and page forms alike)."""
    from weightscan.core.fetch import FetchRefused
    from weightscan.core.registry import RegistryError, SourceError

    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, FetchRefused):
        err = BadRequestError(str(exc)[:500])
        err.code = "UrlNotAllowedError"
        return err
    if isinstance(exc, SourceError):
        return BadRequestError(str(exc)[:500])
    if isinstance(exc, RegistryError):
        if exc.kind == "not_found":
            return NotFoundError(str(exc)[:500])
        if exc.kind == "gated":
            return ForbiddenError(str(exc)[:500])
    return exc


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if wants_html():
            return render_error_page(exc.status, exc.title, exc.detail, exc.headers)
        return problem_response(
            exc.status, exc.code, exc.title, exc.detail, exc.headers, **exc.extra
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "HttpError")
        headers = {}
        if exc.response is not None:  # e.g. Flask-Limiter's Retry-After
            headers = {
                k: v
                for k, v in exc.response.headers.items()
                if k.lower().startswith(("retry-after", "x-ratelimit"))
            }
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        title = exc.name
        detail = exc.description or exc.name
        if status == 413:
            detail = (
                f"The upload is larger than this server accepts "
                f"({current_app.config['WEIGHTSCAN_SETTINGS'].max_upload_bytes} bytes)."
            )
        if wants_html():
            return render_error_page(status, title, detail, headers)
        return problem_response(status, code, title, detail, headers)

    @app.errorhandler(BlobStoreError)
    def _blobstore_failed(exc: BlobStoreError) -> Response:
        # Nothing was stored or recorded (the pipeline stores the blob before any row).
        log.warning("blob store failed on %s %s: %s", request.method, request.path, exc)
        if isinstance(exc, BlobStoreFull):
            return _api_error(
                InsufficientStorageError("No space left in the blob store; nothing was stored.")
            )
        return _api_error(
            ServiceUnavailableError(
                "The blob store is unavailable; try again shortly.", headers={"Retry-After": "5"}
            )
        )

    @app.errorhandler(sqlalchemy.exc.ProgrammingError)
    def _database_error(exc: Exception) -> Response:
        if not schema_missing(exc):
            return _unhandled(exc)
        return _database_unavailable(exc)

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    def _database_unavailable(exc: Exception) -> Response:
        if schema_missing(exc):
            log.error("the database schema is missing; run 'weightscan db upgrade'")
            return _api_error(
                ServiceUnavailableError(
                    "The database is not migrated: the operator must run 'weightscan db upgrade'.",
                    headers={"Retry-After": "30"},
                )
            )
        # A database restart or outage is temporary: say so, and when to come back.
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__
        )
        return _api_error(
            ServiceUnavailableError(
                "The database is unavailable; try again shortly.", headers={"Retry-After": "5"}
            )
        )

    try:  # gunicorn parses chunked bodies lazily: a framing error surfaces in the view
        from gunicorn.http.errors import ParseException as BodyFramingError
    except ImportError:  # served by something else
        BodyFramingError = None

    if BodyFramingError is not None:

        @app.errorhandler(BodyFramingError)
        def _bad_framing(exc: Exception) -> Response:
            log.info(
                "malformed request body on %s %s: %s",
                request.method,
                request.path,
                type(exc).__name__,
            )
            return _api_error(
                BadRequestError(
                    "The request body is malformed (its chunked encoding could not be read)."
                )
            )

    @app.errorhandler(sqlalchemy.exc.DataError)
    def _bad_value(exc: Exception) -> Response:
        # A value the database cannot store (NUL in PostgreSQL text) came from the client:
        # the named checks catch the known ones; this keeps any other a 400, not a 500.
        if "nul" not in str(getattr(exc, "orig", exc)).lower():
            return _unhandled(exc)
        log.warning("value the database cannot hold on %s %s", request.method, request.path)
        return _api_error(
            BadRequestError("The request holds a character (NUL) that cannot be stored.")
        )

    @app.errorhandler(RecursionError)
    def _too_deep(_exc: RecursionError) -> Response:
        # Deeply nested JSON bodies (json.loads recurses) are the client's mistake.
        log.warning("input nested too deeply on %s %s", request.method, request.path)
        return _api_error(BadRequestError("The request is nested too deeply."))

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception) -> Response:
        log.exception(
            "unhandled error on %s %s request_id=%s", request.method, request.path, request_id()
        )
        title, detail = "Internal server error", "The server failed; the error was logged."
        if wants_html():
            return render_error_page(500, title, detail, {})
        return problem_response(500, "InternalError", title, detail)
